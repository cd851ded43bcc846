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
  decided_by TEXT NOT NULL,               -- guard, lean, axioms, statement, nonce, timeout, heartbeats, ...
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
  key        TEXT PRIMARY KEY,            -- store::verification_cache_key, 'verify-v2:<hex>'
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

-- migration 2: search runs: search attempts, checkpoints, the learning curve, per-task samples

-- `harness search` samples proofs from a policy over epochs (sample, verify, reward, update,
-- checkpoint). Its attempts are ordinary `attempts` rows (so verdicts, rewards and the cache
-- work as for `score`); this table adds what only a search knows about each of them. Epochs
-- are numbered from 0. A search resumed after a kill restarts after its last checkpoint: the
-- rows of later epochs (search attempts with their attempts rows, epochs, task samples,
-- checkpoints) are deleted and redone; verification cache entries are kept.

-- One sampled candidate of a search run, beside its `attempts` row (same run_id and line).
CREATE TABLE search_attempts (
  run_id         INTEGER NOT NULL,
  line           INTEGER NOT NULL,          -- the attempt's line within its run
  epoch          INTEGER NOT NULL CHECK (epoch >= 0),
  phase          TEXT NOT NULL
                 CONSTRAINT known_phase CHECK (phase IN ('train', 'eval')),
  group_index    INTEGER NOT NULL CHECK (group_index >= 0),  -- task group within the epoch
  sample         INTEGER NOT NULL CHECK (sample >= 0),       -- index within the group
  mode           TEXT NOT NULL
                 CONSTRAINT known_mode CHECK (mode IN ('whole', 'step')),
  policy_version TEXT NOT NULL,             -- the policy that produced the candidate
  prompt         TEXT NOT NULL,             -- what the policy was given
  completion     TEXT NOT NULL,             -- what it produced (the proof is in attempts)
  advantage      REAL,                      -- NULL when none was computed
  logprob        REAL,                      -- NULL when the policy reports none
  expansions     INTEGER CHECK (expansions IS NULL OR expansions >= 0),  -- step mode only
  extra          TEXT CHECK (extra IS NULL OR json_valid(extra)),        -- policy-specific JSON
  PRIMARY KEY (run_id, line),
  FOREIGN KEY (run_id, line) REFERENCES attempts (run_id, line)
) STRICT;

-- Reading one epoch in line order, and discarding the epochs after a checkpoint.
CREATE INDEX search_attempts_by_epoch ON search_attempts (run_id, epoch, line);

-- The learning curve: one row per finished epoch of a search run. Written by finish_epoch
-- in the same transaction as the epoch's task samples and checkpoint.
CREATE TABLE epochs (
  run_id      INTEGER NOT NULL REFERENCES runs (id),
  epoch       INTEGER NOT NULL CHECK (epoch >= 0),
  phase       TEXT NOT NULL
              CONSTRAINT known_phase CHECK (phase IN ('train', 'eval')),
  tasks       INTEGER NOT NULL CHECK (tasks >= 0),     -- tasks sampled in the epoch
  attempts    INTEGER NOT NULL CHECK (attempts >= 0),  -- candidates checked
  passes      INTEGER NOT NULL CHECK (passes BETWEEN 0 AND attempts),
  errors      INTEGER NOT NULL CHECK (errors BETWEEN 0 AND attempts),  -- infrastructure verdicts
  pass_rate   REAL CHECK (pass_rate IS NULL OR pass_rate BETWEEN 0 AND 1),  -- NULL: no reward
  mean_reward REAL,                         -- NULL when no attempt carried a reward
  entropy     REAL,                         -- policy entropy estimate, NULL when unknown
  new_solved  INTEGER NOT NULL CHECK (new_solved >= 0),  -- tasks first solved in this epoch
  seconds     REAL NOT NULL CHECK (seconds >= 0),          -- wall time of the epoch
  stats       TEXT NOT NULL CHECK (json_valid(stats)),     -- further statistics, JSON
  PRIMARY KEY (run_id, epoch)
) STRICT;

-- Per task and epoch: n rewarded samples, c of them passes. Kept as counts so that pass@k,
-- both any-of-k and the unbiased 1 - C(n-c, k) / C(n, k), can be recomputed for any k <= n.
CREATE TABLE task_samples (
  run_id  INTEGER NOT NULL,
  epoch   INTEGER NOT NULL,
  task_id TEXT NOT NULL REFERENCES tasks (task_id),
  split   TEXT NOT NULL,                    -- the split the search used the task for
  n       INTEGER NOT NULL CHECK (n >= 0),
  c       INTEGER NOT NULL CHECK (c BETWEEN 0 AND n),
  PRIMARY KEY (run_id, epoch, task_id),
  FOREIGN KEY (run_id, epoch) REFERENCES epochs (run_id, epoch)
) STRICT;

-- A task's history across runs and epochs.
CREATE INDEX task_samples_by_task ON task_samples (task_id);

-- The policy and loop state at the end of an epoch, from which a search resumes. sha256 is
-- computed by the store over `bytes` on write and checked on every read, so a damaged
-- checkpoint is refused rather than loaded.
CREATE TABLE checkpoints (
  run_id         INTEGER NOT NULL,
  epoch          INTEGER NOT NULL,
  policy_kind    TEXT NOT NULL,             -- which generator the bytes belong to
  policy_version TEXT NOT NULL,             -- the policy's own version after the epoch
  bytes          BLOB NOT NULL,             -- the policy's serialised state, opaque here
  sha256         TEXT NOT NULL CHECK (length(sha256) = 64),  -- lower-case hex of bytes
  state          TEXT NOT NULL CHECK (json_valid(state)),    -- the loop state: curriculum, counters
  created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  PRIMARY KEY (run_id, epoch),
  FOREIGN KEY (run_id, epoch) REFERENCES epochs (run_id, epoch)
) STRICT;

-- latest_run: the newest run of a command.
CREATE INDEX runs_by_command ON runs (command);

-- migration 3: proof compression metrics: used constants, dictionaries, metrics tables

-- `harness metrics` measures how much each verified proof shares with the rest of the
-- library of verified proofs (zstd sizes with and without a dictionary trained on the other
-- proofs) and how much each declaration is reused. One computation writes one
-- metrics_computations row with its dictionaries and metrics rows, in one transaction; later
-- computations add new rows and never rewrite old ones, so figures can be compared over time.

-- The constants Lean reported for the proof's tactics (REPL "allTactics": the union of every
-- tactic's usedConstants), a JSON array of names; NULL when Lean was not asked.
ALTER TABLE attempts ADD COLUMN used_constants TEXT
  CHECK (used_constants IS NULL OR
         (json_valid(used_constants) AND json_type(used_constants) = 'array'));

-- The same for a cached verdict, so that a verdict served from the cache carries its constants.
ALTER TABLE verification_cache ADD COLUMN used_constants TEXT
  CHECK (used_constants IS NULL OR
         (json_valid(used_constants) AND json_type(used_constants) = 'array'));

-- One computation of the metrics over a scope: every run ('all') or one run (its id in
-- decimal, e.g. '3'). params: what decides the figures (zstd level, folds, dictionary size,
-- ...); summary: totals for reports.
CREATE TABLE metrics_computations (
  id         INTEGER PRIMARY KEY,
  scope      TEXT NOT NULL
             CONSTRAINT known_scope
             CHECK (scope = 'all' OR
                    (CAST(CAST(scope AS INTEGER) AS TEXT) = scope AND CAST(scope AS INTEGER) > 0)),
  params     TEXT NOT NULL CHECK (json_valid(params)),
  summary    TEXT NOT NULL CHECK (json_valid(summary)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

-- latest_metrics: the newest computation of a scope.
CREATE INDEX metrics_computations_by_scope ON metrics_computations (scope);

-- The compression dictionaries of a computation, at most one per cross-fitting fold: the
-- proofs of a fold are compressed with the dictionary built from the other folds' proofs.
-- Stored so that every C(x | L) can be recomputed, and new proofs measured against the same
-- library later. sha256 is computed by the store over `bytes` on write and checked on every
-- read, as for checkpoints.
CREATE TABLE dictionaries (
  id          INTEGER PRIMARY KEY,
  computation INTEGER NOT NULL REFERENCES metrics_computations (id),
  version     TEXT NOT NULL,                -- how it was built, e.g. 'zdict-v1:<hex>'
  fold        INTEGER NOT NULL CHECK (fold >= 0),
  kind        TEXT NOT NULL                 -- zstd trained, raw content, or none at all
              CONSTRAINT known_dictionary_kind CHECK (kind IN ('zdict', 'raw', 'empty')),
  samples     INTEGER NOT NULL CHECK (samples >= 0),  -- proofs it was built from
  params      TEXT NOT NULL CHECK (json_valid(params)),  -- parameters and provenance, JSON
  bytes       BLOB NOT NULL,                -- the dictionary itself, opaque here
  sha256      TEXT NOT NULL CHECK (length(sha256) = 64),  -- lower-case hex of bytes
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  UNIQUE (computation, fold)
) STRICT;

-- Per verified proof (an attempt) and computation. Sizes are bytes of zstd frames: c = C(x),
-- c_given_library = C(x | L) with the dictionary of the proof's fold, shared = c -
-- c_given_library (may be slightly negative), novelty = c_given_library / c.
CREATE TABLE proof_metrics (
  computation     INTEGER NOT NULL REFERENCES metrics_computations (id),
  run_id          INTEGER NOT NULL,
  line            INTEGER NOT NULL,
  bytes           INTEGER NOT NULL CHECK (bytes >= 0),    -- size of the proof text
  tactics         INTEGER NOT NULL CHECK (tactics >= 0),
  c               INTEGER NOT NULL CHECK (c >= 0),
  c_given_library INTEGER NOT NULL CHECK (c_given_library >= 0),
  shared          INTEGER NOT NULL,
  novelty         REAL NOT NULL CHECK (novelty >= 0),
  fold            INTEGER NOT NULL CHECK (fold >= 0),
  dictionary_id   INTEGER REFERENCES dictionaries (id),  -- NULL: no dictionary was used
  PRIMARY KEY (computation, run_id, line),
  FOREIGN KEY (run_id, line) REFERENCES attempts (run_id, line)
) STRICT;

-- An attempt's metrics across computations; also serves the foreign key when
-- discard_after_epoch deletes attempts.
CREATE INDEX proof_metrics_by_attempt ON proof_metrics (run_id, line);

-- Per task and computation: the verified proofs measured and their diversity (mean pairwise
-- normalised compression distance), NULL with fewer than two proofs.
CREATE TABLE task_metrics (
  computation INTEGER NOT NULL REFERENCES metrics_computations (id),
  task_id     TEXT NOT NULL REFERENCES tasks (task_id),
  proofs      INTEGER NOT NULL CHECK (proofs >= 0),
  diversity   REAL,
  PRIMARY KEY (computation, task_id)
) STRICT;

-- Per declaration (a lemma, theorem or constant used by proofs) and computation. One name
-- may have several texts (helper lemmas of different proofs): digest, the SHA-256 of the
-- declaration's text ('' when the text is unknown), tells them apart.
CREATE TABLE declaration_metrics (
  computation INTEGER NOT NULL REFERENCES metrics_computations (id),
  name        TEXT NOT NULL,
  digest      TEXT NOT NULL CHECK (digest = '' OR length(digest) = 64),
  reuse       INTEGER NOT NULL CHECK (reuse >= 0),   -- verified proofs that use it
  method      TEXT NOT NULL                          -- how uses were found
              CONSTRAINT known_method CHECK (method IN ('lean', 'text', 'mixed')),
  mdl_gain    INTEGER,                 -- bytes the library saves by having it; NULL: unknown
  c           INTEGER CHECK (c IS NULL OR c >= 0),   -- C(text), NULL when the text is unknown
  declared_in INTEGER NOT NULL CHECK (declared_in >= 0),  -- proofs declaring it; 0: global
  PRIMARY KEY (computation, name, digest)
) STRICT;

-- migration 4: abandoned runs: each run records its process, and a run whose process is gone becomes 'abandoned'

-- A run left 'running' by a process that never finished it (SIGKILL, a crash, a Slurm time
-- limit, a reboot) would stay 'running' for ever. Each run now records what identifies its
-- process on its host: the pid, its start time in clock ticks after boot (field 22 of
-- /proc/PID/stat, which tells a later process that reuses the pid apart), the kernel's boot id
-- and the pid namespace. When a command begins a run (or resumes one), every run of the same
-- host still 'running' whose process is gone (no such pid, another start time, another boot)
-- becomes 'abandoned', with ended_at the time that was noticed. Runs of other hosts, runs of
-- another pid namespace and runs recorded before this migration (pid NULL) are left as they
-- are: their process cannot be looked at from here. An abandoned search run can be resumed
-- like an interrupted one.
--
-- SQLite cannot change a CHECK constraint, so `runs` is rebuilt: its rows are copied aside,
-- the table is dropped and created again under its own name, and the rows are copied back
-- with their ids. attempts and epochs reference runs (id) and foreign keys are on: with them
-- deferred (until the commit, which also switches the pragma off again), dropping the table
-- counts every referencing row as a violation, and inserting each run back with its id
-- settles those rows again, so the migration commits only if every reference is intact.
PRAGMA defer_foreign_keys = ON;

CREATE TEMP TABLE runs_before_migration_4 AS SELECT * FROM main.runs;
DROP TABLE main.runs;  -- and its index runs_by_command

CREATE TABLE runs (
  id           INTEGER PRIMARY KEY,       -- local to this database file
  uuid         TEXT NOT NULL UNIQUE,      -- global identity, stable across shard merges
  command      TEXT NOT NULL,             -- the subcommand, e.g. 'score'
  argv         TEXT NOT NULL CHECK (json_valid(argv)),       -- JSON array of the arguments
  started_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  ended_at     TEXT,                      -- NULL while running
  status       TEXT NOT NULL DEFAULT 'running'
               CONSTRAINT known_run_status
               CHECK (status IN ('running', 'completed', 'failed', 'interrupted', 'abandoned')),
  toolchain    TEXT NOT NULL,             -- identity of the Lean toolchain
  repl         TEXT NOT NULL,             -- command line / identity of the REPL
  settings     TEXT NOT NULL CHECK (json_valid(settings)),   -- JSON object of every setting
  input_path   TEXT NOT NULL,             -- the tasks or candidates file ('' when none)
  input_sha256 TEXT,                      -- hex SHA-256 of the input, NULL when not a file
  summary      TEXT CHECK (summary IS NULL OR json_valid(summary)),  -- set by finish_run
  host         TEXT,                      -- machine that ran it, for merged shards
  -- The process that runs it on `host` (the last one, for a resumed run); NULL before
  -- migration 4.
  pid          INTEGER CHECK (pid IS NULL OR pid > 0),
  pid_start    INTEGER,                   -- its start, clock ticks after boot
  boot_id      TEXT,                      -- /proc/sys/kernel/random/boot_id of its boot
  pid_ns       TEXT,                      -- its pid namespace, e.g. 'pid:[4026531836]'
  CONSTRAINT ended_iff_finished CHECK ((status = 'running') = (ended_at IS NULL))
) STRICT;

INSERT INTO runs (id, uuid, command, argv, started_at, ended_at, status, toolchain, repl,
                  settings, input_path, input_sha256, summary, host)
SELECT id, uuid, command, argv, started_at, ended_at, status, toolchain, repl,
       settings, input_path, input_sha256, summary, host
FROM temp.runs_before_migration_4;
DROP TABLE temp.runs_before_migration_4;

-- latest_run: the newest run of a command.
CREATE INDEX runs_by_command ON runs (command);

-- migration 5: retention: attempts by age

-- `harness prune` and `harness serve --retain-days` delete the attempts older than a number of
-- days (with their search_attempts and proof_metrics rows), oldest first and in bounded
-- chunks so that a store in use is never locked for long; runs, tasks, the verification cache,
-- epochs, checkpoints and metrics computations stay. This index finds those attempts without
-- reading every attempt.
CREATE INDEX attempts_by_created ON attempts (created_at);

-- migration 6: merged stores: where each run came from

-- `harness merge` brings the stores of several machines (serve replicas, Slurm shards) into
-- one: runs by uuid, tasks and cache entries by content key, every row of a run re-keyed onto
-- the run's id in the merged store. Each run merged records here the file it came from and its
-- id in that file; rows of the source's own run_sources come along, so a store merged from
-- merged stores still names every file a run passed through. Merging the same file again adds
-- nothing (INSERT OR IGNORE on the key).
CREATE TABLE run_sources (
  run_id        INTEGER NOT NULL REFERENCES runs (id),
  source        TEXT NOT NULL,            -- the merged file's absolute path
  source_run_id INTEGER NOT NULL,         -- the run's id in that file
  merged_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  PRIMARY KEY (run_id, source)
) STRICT;

-- migration 7: search revisions: the round of an attempt and the attempt it revises

-- `harness search --revisions R`: a whole proof that fails gets up to R more rounds, each a new
-- attempt given the previous one and Lean's messages. round is 0 for a first try, r for the
-- r-th revision; revises is the line (same run) of the attempt it revises, NULL for a first
-- try. Rows written before this migration are first tries.
ALTER TABLE search_attempts ADD COLUMN round INTEGER NOT NULL DEFAULT 0 CHECK (round >= 0);
ALTER TABLE search_attempts ADD COLUMN revises INTEGER
  CHECK (revises IS NULL OR (revises >= 1 AND revises < line));

-- migration 8: the lemma library: lemmas, their sources, library versions with their members and rewrites; the library on the learning curve

-- `harness library grow` (and `search --grow-library`, between epochs) lifts candidate lemmas
-- from verified proofs, checks each as a standalone theorem through the same pipeline as
-- `score`, rewrites proofs to use it (each rewrite a Lean check) and keeps it when the whole
-- network of proofs gets shorter (description length: zstd bytes). What it kept is a library
-- version: a list of lemmas in library order, named by a hash over their digests, that grew
-- from a parent version. Lemmas are content-addressed (one row per digest, whichever versions
-- hold it), so a lemma kept by many versions is stored once and its sources accumulate.
-- Recording a version again (a resumed grow) changes nothing. Nothing here is ever rewritten
-- or deleted: retention (prune) only cuts a source's link to a pruned attempt.

-- A verified lemma: `theorem NAME BINDERS : TYPE := PROOF` under a task header. digest is
-- 'lemma-v1:<64 hex>' over (header, statement, proof), computed by the caller; name is
-- 'lib_<12 hex>'; statement is the text before ':=' ('theorem NAME BINDERS : TYPE').
CREATE TABLE lemmas (
  digest            TEXT PRIMARY KEY
                    CHECK (length(digest) = 73 AND substr(digest, 1, 9) = 'lemma-v1:' AND
                           substr(digest, 10) NOT GLOB '*[^0-9a-f]*'),
  name              TEXT NOT NULL
                    CHECK (length(name) = 16 AND substr(name, 1, 4) = 'lib_' AND
                           substr(name, 5) NOT GLOB '*[^0-9a-f]*'),
  header            TEXT NOT NULL,          -- the task header it was verified under
  statement         TEXT NOT NULL
                    CHECK (substr(statement, 1, 8 + length(name)) = 'theorem ' || name),
  proof             TEXT NOT NULL,          -- the text after ':='
  origin            TEXT NOT NULL           -- of its first source
                    CONSTRAINT known_origin
                    CHECK (origin IN ('have', 'subproof', 'task', 'remote')),
  verdict_key       TEXT NOT NULL,          -- verification cache key of its standalone check
  description_bytes INTEGER NOT NULL CHECK (description_bytes >= 0),  -- C(statement + proof)
  created_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

-- The proofs a lemma was lifted from, in the order they were recorded. proof_key names the
-- verified attempt as `harness traces` does ('RUN-UUID:LINE'); the store links it to that
-- attempts row while the row is in this file (attempt_run_id, attempt_line). Pruning the
-- attempt unlinks it (ON DELETE SET NULL): the proof key and the task id stay.
CREATE TABLE lemma_sources (
  id             INTEGER PRIMARY KEY,       -- local: the order of recording
  lemma          TEXT NOT NULL REFERENCES lemmas (digest),
  proof_key      TEXT NOT NULL,
  task_id        TEXT NOT NULL,             -- the task of that proof
  origin         TEXT NOT NULL
                 CONSTRAINT known_origin
                 CHECK (origin IN ('have', 'subproof', 'task', 'remote')),
  step           INTEGER NOT NULL CHECK (step >= -1),  -- the trace step lifted; -1: none
  attempt_run_id INTEGER,
  attempt_line   INTEGER,
  UNIQUE (lemma, proof_key, origin, step),
  CONSTRAINT attempt_whole CHECK ((attempt_run_id IS NULL) = (attempt_line IS NULL)),
  FOREIGN KEY (attempt_run_id, attempt_line) REFERENCES attempts (run_id, line)
    ON DELETE SET NULL
) STRICT;

-- Unlinking the sources of deleted attempts (prune, discard_after_epoch) without a scan.
CREATE INDEX lemma_sources_by_attempt ON lemma_sources (attempt_run_id, attempt_line);

-- The tasks a lemma is derived from: its sources' tasks and any the caller names. A policy
-- never offers the lemma for them, and a candidate for one of them that names it is rejected.
CREATE TABLE lemma_derived_from (
  lemma   TEXT NOT NULL REFERENCES lemmas (digest),
  task_id TEXT NOT NULL,
  PRIMARY KEY (lemma, task_id)
) STRICT;

-- One version of the library. version is 'library-v1:<64 hex>' (over its lemma digests in
-- order, computed by the caller); parent the version it grew from ('' for a first one); run
-- the `library grow` or search run that grew it. params: what decided the selection (order,
-- caps, zstd level, ...). 'latest' is the highest id (the most recently recorded here).
CREATE TABLE library_versions (
  id             INTEGER PRIMARY KEY,       -- local: the order of recording
  version        TEXT NOT NULL UNIQUE
                 CHECK (length(version) = 75 AND substr(version, 1, 11) = 'library-v1:' AND
                        substr(version, 12) NOT GLOB '*[^0-9a-f]*'),
  parent         TEXT NOT NULL DEFAULT ''
                 CHECK (parent = '' OR (parent != version AND
                                        substr(parent, 1, 11) = 'library-v1:')),
  run_id         INTEGER REFERENCES runs (id),
  created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  params         TEXT NOT NULL CHECK (json_valid(params)),
  proofs_bytes   INTEGER NOT NULL CHECK (proofs_bytes >= 0),   -- C of the proofs, rewritten
  library_bytes  INTEGER NOT NULL CHECK (library_bytes >= 0),  -- C of the library
  rewrite_checks INTEGER NOT NULL CHECK (rewrite_checks >= 0), -- Lean checks of rewrites
  candidates     INTEGER NOT NULL CHECK (candidates >= 0)      -- candidates considered
) STRICT;

-- The lemmas a version keeps, in library order (position from 0), with what the selection
-- measured: gain in bytes, the verified rewrites counted in it, and the mutual information of
-- the statement with the rest of the library, C(rest) - C(rest | statement), in bytes.
CREATE TABLE library_members (
  version            TEXT NOT NULL REFERENCES library_versions (version),
  position           INTEGER NOT NULL CHECK (position >= 0),
  lemma              TEXT NOT NULL REFERENCES lemmas (digest),
  gain               INTEGER NOT NULL,
  uses               INTEGER NOT NULL CHECK (uses >= 0),
  mutual_information REAL NOT NULL,
  PRIMARY KEY (version, position),
  UNIQUE (version, lemma)
) STRICT;

-- Every proof the growth of a version rewrote to use a lemma (kept or not), with Lean's
-- verdict of the rewritten proof and the description lengths before and after; counted: the
-- rewrite was verified and counts in the lemma's gain. seq: the order of recording.
CREATE TABLE library_rewrites (
  version     TEXT NOT NULL REFERENCES library_versions (version),
  seq         INTEGER NOT NULL CHECK (seq >= 0),
  lemma       TEXT NOT NULL REFERENCES lemmas (digest),
  proof_key   TEXT NOT NULL,                -- 'RUN-UUID:LINE' of the proof rewritten
  task_id     TEXT NOT NULL,
  before_text TEXT NOT NULL,
  after_text  TEXT NOT NULL,
  verdict     TEXT NOT NULL
              CONSTRAINT known_verdict
              CHECK (verdict IN ('pass', 'fail', 'incomplete', 'rejected',
                                 'timeout', 'error', 'invalid')),
  c_before    INTEGER NOT NULL CHECK (c_before >= 0),
  c_after     INTEGER NOT NULL CHECK (c_after >= 0),
  counted     INTEGER NOT NULL CHECK (counted IN (0, 1)),
  CONSTRAINT counted_if_verified CHECK (counted = 0 OR verdict = 'pass'),
  PRIMARY KEY (version, seq)
) STRICT;

-- The learning curve of `search --grow-library`: the library's size (lemmas) and the total
-- description length of library + proofs (bytes) at the end of an epoch; NULL without a
-- library, and in rows written before this migration.
ALTER TABLE epochs ADD COLUMN library_size INTEGER
  CHECK (library_size IS NULL OR library_size >= 0);
ALTER TABLE epochs ADD COLUMN description_bytes INTEGER
  CHECK (description_bytes IS NULL OR description_bytes >= 0);

-- migration 9: attempts by task: the attempts Lean checked, not the cache hits that repeat them

-- A cache hit (cached = 1: a verdict read from the verification cache, or an identical line's)
-- repeats an attempt that is already indexed under its task. Leaving the hits out of this
-- index saves each of them a random insert into it (its keys are hashes): 7-8 µs, 40 % of what
-- recording a cache hit cost. A query by task that wants every attempt, hits included, still
-- gets them (SQLite reads the table for it); one that asks `AND cached = 0` uses the index.
DROP INDEX attempts_by_task;
CREATE INDEX attempts_by_task ON attempts (task_id) WHERE cached = 0;
