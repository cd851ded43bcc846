-- The whole SQLite schema of the harness, as ordered migrations.
--
-- This file is embedded into the harness_store library at build time and is the only
-- definition of the database layout. Rules:
--
--   * The file is a sequence of migrations. Each begins at a marker line of the form
--     "-- migration <number>: <description>" and runs to the next marker. Numbers start at 1
--     and increase by one. Above the first marker only comments and blank lines may appear.
--   * On open, the store reads PRAGMA user_version (0 for a new file) and applies every
--     migration whose number is above it, in order, each in its own IMMEDIATE transaction
--     that also sets user_version to that migration's number. A migration that fails leaves
--     the database at the previous version. Re-opening an up-to-date database changes nothing.
--   * A migration is never edited once committed: a change to the layout is a new migration
--     appended at the end. A migration must not contain BEGIN, COMMIT or ROLLBACK; it runs
--     with foreign_keys=ON.
--   * A database whose user_version is larger than the number of migrations here was written
--     by a newer harness; it is refused (never modified) with the message
--     "FILE: schema version N is newer than this harness understands (M); upgrade the harness".
--
-- Keys are chosen so that databases from several machines (shards) can be merged later:
-- tasks and cache entries are content-addressed (merged with INSERT OR IGNORE), and a run has
-- a globally unique uuid besides its local integer id, so attempts (keyed by run and input
-- line) can be re-keyed onto the merged run ids.
--
-- Timestamps are ISO-8601 UTC text with milliseconds, e.g. '2024-05-01T12:34:56.789Z'.
-- JSON columns hold JSON text and are checked with json_valid.
-- Verdict vocabulary (shared with the CLI, JSONL and HTTP): pass, fail, incomplete, rejected,
-- timeout, error, invalid. The store treats verdicts as plain strings and only checks that
-- they belong to this vocabulary.

-- migration 1: initial schema

-- One invocation of the harness (score, search, serve, ...). A run is 'running' from
-- begin_run until finish_run gives it its final status and ended_at; a run left 'running'
-- by a killed process is what a later resume picks up.
CREATE TABLE runs (
  id           INTEGER PRIMARY KEY,       -- local to this database file
  uuid         TEXT NOT NULL UNIQUE,      -- global identity, stable across shard merges
  command      TEXT NOT NULL,             -- the subcommand, e.g. 'score'
  argv         TEXT NOT NULL CHECK (json_valid(argv)),       -- JSON array of the arguments
  started_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  ended_at     TEXT,                      -- NULL while running
  status       TEXT NOT NULL DEFAULT 'running'
               CONSTRAINT known_run_status
               CHECK (status IN ('running', 'completed', 'failed', 'interrupted')),
  toolchain    TEXT NOT NULL,             -- identity of the Lean toolchain
  repl         TEXT NOT NULL,             -- command line / identity of the REPL
  settings     TEXT NOT NULL CHECK (json_valid(settings)),   -- JSON object of every setting
  input_path   TEXT NOT NULL,             -- the tasks or candidates file ('' when none)
  input_sha256 TEXT,                      -- hex SHA-256 of the input, NULL when not a file
  summary      TEXT CHECK (summary IS NULL OR json_valid(summary)),  -- set by finish_run
  host         TEXT,                      -- machine that ran it, for merged shards
  CONSTRAINT ended_iff_finished CHECK ((status = 'running') = (ended_at IS NULL))
) STRICT;

-- A task statement, addressed by a hash of its content computed by the caller (names are
-- labels, not keys: datasets repeat names with different statements). Rows are never
-- updated: the first name and split recorded for a content hash are kept.
CREATE TABLE tasks (
  task_id   TEXT PRIMARY KEY,
  name      TEXT NOT NULL,
  header    TEXT NOT NULL,               -- imports/opens/preamble the statement needs
  statement TEXT NOT NULL,
  split     TEXT                         -- e.g. 'valid', 'test'; NULL when unknown
) STRICT;

-- One candidate proof checked in a run: one input line of `score`, one request of `serve`.
-- (run_id, line) identifies it, so a resumed run can tell which lines are already done.
CREATE TABLE attempts (
  run_id     INTEGER NOT NULL REFERENCES runs (id),
  line       INTEGER NOT NULL,            -- 1-based input line (or request sequence number)
  name       TEXT NOT NULL,               -- the task name as given in the input
  task_id    TEXT REFERENCES tasks (task_id),  -- NULL when the line matched no task
  verdict    TEXT NOT NULL
             CONSTRAINT known_verdict
             CHECK (verdict IN ('pass', 'fail', 'incomplete', 'rejected',
                                'timeout', 'error', 'invalid')),
  decided_by TEXT NOT NULL,               -- guard, lean, axioms, statement, nonce, timeout, ...
  reason     TEXT NOT NULL,               -- human-readable justification of the verdict
  reward     REAL,                        -- NULL when the verdict carries no reward
  elapsed_ms INTEGER NOT NULL CHECK (elapsed_ms >= 0),
  cached     INTEGER NOT NULL CHECK (cached IN (0, 1)),  -- 1: verdict read from the cache
  axioms     TEXT CHECK (axioms IS NULL OR (json_valid(axioms) AND json_type(axioms) = 'array')),
  messages   TEXT NOT NULL CHECK (json_valid(messages) AND json_type(messages) = 'array'),
  proof      TEXT NOT NULL,               -- the candidate text exactly as submitted
  cache_key  TEXT,                        -- verification_cache key, when one was computed
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  PRIMARY KEY (run_id, line)
) STRICT;

CREATE INDEX attempts_by_task ON attempts (task_id);
CREATE INDEX attempts_by_verdict ON attempts (verdict);

-- Verdicts that depend only on the key's inputs (toolchain, REPL, guards, sandbox, header,
-- statement, proof), so a later identical check can reuse them. Verdicts that say something
-- about the infrastructure or the input line (timeout, error, invalid) are never cached; the
-- CHECK below mirrors store::is_cacheable, which is the rule's owner.
CREATE TABLE verification_cache (
  key        TEXT PRIMARY KEY,            -- store::verification_cache_key, 'verify-v1:<hex>'
  verdict    TEXT NOT NULL
             CONSTRAINT cacheable_verdict
             CHECK (verdict IN ('pass', 'fail', 'incomplete', 'rejected')),
  decided_by TEXT NOT NULL,
  reason     TEXT NOT NULL,
  elapsed_ms INTEGER NOT NULL CHECK (elapsed_ms >= 0),  -- time of the original check
  axioms     TEXT CHECK (axioms IS NULL OR (json_valid(axioms) AND json_type(axioms) = 'array')),
  messages   TEXT NOT NULL CHECK (json_valid(messages) AND json_type(messages) = 'array'),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  hits       INTEGER NOT NULL DEFAULT 0   -- successful lookups since the entry was written
) STRICT;
