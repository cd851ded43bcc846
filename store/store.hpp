#pragma once
// The harness's SQLite store: runs, tasks, attempts, the verification cache, what a search
// run adds (search attempts, checkpoints, the learning curve, per-task samples) and the proof
// compression metrics (computations, dictionaries, per-proof, per-task, per-declaration rows).
// The only code in the project that writes SQL; it knows nothing about Lean or policies.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/cache_key.hpp"
#include "store/library_records.hpp"
#include "store/records.hpp"
#include "store/store_error.hpp"

namespace store {

// What Store::open does with a path where no store exists yet.
enum class OpenMode {
  create,    // creates the file and its schema: commands that write runs (score, search)
  existing,  // refuses it: commands that read what runs wrote (metrics)
};

// One open database file. Movable, not copyable; closes the file on destruction. A
// moved-from Store may only be destroyed or assigned to. Not thread-safe: use one Store per
// thread (several Stores, in one process or many, may share a file; SQLite serialises their
// writes and each waits up to 5 s for the lock). Every failure throws StoreError naming the
// file, the operation and SQLite's message.
class Store {
 public:
  // Opens `path`, creating it if needed, sets WAL journaling, synchronous=NORMAL, foreign
  // keys and a 5 s busy timeout, and applies pending migrations of store/schema.sql. Refuses
  // an unwritable path (saying why: a read-only file system, a permission, a missing folder),
  // a file that is not a SQLite database and a database written by a newer harness (schema
  // version above latest_schema_version()).
  // With OpenMode::existing, a path where no file exists, or a database without the harness
  // schema (an empty file), is refused untouched, with "PATH: no such store (PURPOSE)";
  // `purpose` says why the caller needs an existing store and where one comes from. An
  // older schema is still migrated.
  static Store open(const std::string& path, OpenMode mode = OpenMode::create,
                    std::string_view purpose = {});

  Store(Store&& other) noexcept;
  Store& operator=(Store&& other) noexcept;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  ~Store();

  const std::string& path() const;

  // From now on the write-ahead log is copied into the file by a thread of this Store's own
  // (store/checkpointer.hpp) instead of by the commit that fills it: a commit waits at most for
  // the copy of the few pages committed while that thread worked, not for the whole log's and
  // its long syncs. For a process that answers after its commits (`serve`) or commits on a
  // busy thread (`score`'s writer). Does nothing without a write-ahead log (a network
  // filesystem's store) or when already on. The Store's close copies what is left, as before.
  void checkpoint_in_background();

  // --- Runs (runs.cpp) ---

  // Records a new run with status 'running', a fresh random uuid and its process
  // (info.process, else the calling one); returns its id. First, when info.host is given, the
  // runs of that host still 'running' whose process is gone become 'abandoned'
  // (abandon_gone_runs), in the same transaction.
  int64_t begin_run(const RunInfo& info);
  // Every run of `host` (this machine: the caller's word) still 'running' whose process is gone
  // (process_state, process.hpp: no such pid, a zombie, a later process that reuses the pid,
  // another boot) becomes 'abandoned', its ended_at now. Runs of other hosts, of another pid
  // namespace and runs without a recorded process (before schema version 4) are left as they
  // are. Returns how many runs it marked.
  int64_t abandon_gone_runs(const std::string& host);
  // Gives a running run its final status, its end time and its summary (JSON text).
  // Throws if `run_id` is not a running run, or if `status` is RunStatus::running.
  void finish_run(int64_t run_id, RunStatus status, const std::string& summary_json);
  // Resume: a completed, failed, interrupted or abandoned run goes back to 'running' (ended_at
  // NULL), run by the calling process from now on; its summary is kept until finish_run
  // replaces it. A run still 'running' (its process was killed) stays 'running' and takes the
  // calling process too. With `host`, the runs of that host whose process is gone are marked
  // abandoned first (as begin_run does) and the run's host becomes `host`. Throws if no run
  // has that id.
  void reopen_run(int64_t run_id, const std::optional<std::string>& host = std::nullopt);
  std::optional<RunRow> run(int64_t id) const;
  std::optional<RunRow> run_by_uuid(const std::string& uuid) const;
  std::optional<RunRow> latest_run(const std::string& command) const;  // highest id
  std::vector<RunRow> runs() const;  // every run, in the order they began

  // --- Tasks, attempts and the verification cache (attempts.cpp) ---

  // Writes a batch in ONE transaction: each attempt's task (kept if already present: tasks
  // are content-addressed), the attempt itself, and, when the attempt carries a cache_key,
  // was not itself served from the cache and is_cacheable(verdict), its verification cache
  // entry (replacing an older entry for the key, keeping the hit count). Either the whole
  // batch is written or, with a StoreError, none of it; earlier batches are unaffected.
  void record(const std::vector<AttemptRecord>& batch);

  // The cache entry for `key`, counting the hit; nullopt on a miss.
  std::optional<CachedVerdict> lookup_cache(const std::string& key);
  // The hits counted by lookup_cache and not yet written (record() writes them), taken away:
  // for another connection to the same file that records the attempts (add_cache_hits).
  CacheHits take_cache_hits();
  // Hits counted elsewhere, written with the next record() (or when the store closes).
  void add_cache_hits(const CacheHits& hits);
  int64_t count_cache_entries() const;

  std::vector<AttemptRow> attempts(int64_t run_id) const;  // ordered by line
  std::optional<TaskRecord> task(const std::string& task_id) const;
  // 1 + the highest attempts.line of the run; 1 when it has none.
  int64_t next_line(int64_t run_id) const;

  // --- What `harness report` reads (report_queries.cpp) ---

  // The run's attempts ordered by line, without their texts, with their task's name and split.
  std::vector<AttemptSummary> attempt_summaries(int64_t run_id) const;

  // --- Retention (prune.cpp) ---

  // Deletes the attempts created before now minus options.keep_days days (of runs of
  // options.command only, when given), the oldest first, at most options.limit of them, with
  // the rows that reference them: their search_attempts rows and their proof_metrics rows.
  // Everything else stays: runs with their summaries, tasks, the verification cache, epochs,
  // task samples, checkpoints, metrics computations with their task and declaration rows, the
  // lemma library (a lemma source's link to a deleted attempt becomes NULL; its proof key and
  // task stay). Works in transactions of a few thousand attempts, so that other writers of the
  // file (a serving harness) wait at most a moment; a failure keeps the chunks already committed.
  // With options.dry_run, counts what would go and deletes nothing.
  PruneCounts prune_attempts(const PruneOptions& options);
  // The database's size in bytes (pages × page size): the file's size once the write-ahead
  // log is checkpointed.
  int64_t size_bytes() const;
  // Rewrites the file without its free pages (VACUUM) and truncates the write-ahead log; holds
  // the file against every other writer while it runs and needs as much free disk as the
  // database's size. Returns size_bytes() after.
  int64_t vacuum();

  // --- Merging stores (merge.cpp) ---

  // Reads a store file's schema version and its runs' toolchains, read-only and without
  // migrating it. Refuses a missing file and a database without the harness schema
  // ("PATH: no such store").
  static StoreFacts inspect(const std::string& path);
  // Brings everything of the store at `source` (at this store's schema version, else refused;
  // never written to) into this one, in ONE transaction: runs by uuid (a run already here takes
  // the source's row when that one is further along: finished where this one is not, or
  // finished later), tasks and verification cache entries by key (INSERT OR IGNORE; a cache
  // entry keeps the larger hit count and the earlier creation), every row of a run (attempts,
  // search attempts, epochs, task samples, checkpoints, run_sources) re-keyed onto the run's
  // id here, the metrics computations over one run with their dictionaries and rows, and the
  // lemma library (lemmas by digest with their sources and tasks, versions by version string
  // with their members and rewrites; a version already here is skipped). Each
  // run records `source` (made absolute) in run_sources. Every table's columns are copied by
  // name as the schema lists them. Merging the same file again adds nothing; merging several
  // in any order gives the same rows (local ids aside). Refuses this store's own file.
  MergeCounts merge_from(const std::string& source);

  // --- Search runs: search attempts, epochs, task samples, checkpoints (search.cpp) ---

  // As record(), in ONE transaction, for a search: each attempt's task, the attempt, its
  // cache entry (same rule as record()) and its search_attempts row. All or nothing.
  void record_search(const std::vector<SearchAttemptRecord>& batch);

  // The end of an epoch, in ONE transaction: its learning-curve row, its per-task samples
  // and, if given, its checkpoint (the store computes the checkpoint's sha256). Every sample
  // and the checkpoint must carry the epoch's run_id and epoch. All or nothing: a failed
  // write (an epoch already finished, a task_id not in `tasks`, a full disk) leaves no trace.
  void finish_epoch(const EpochRecord& epoch, const std::vector<TaskSampleRecord>& samples,
                    const std::optional<CheckpointRecord>& checkpoint);

  // Resume: deletes, in ONE transaction, everything of `run_id` belonging to epochs after
  // `epoch` (-1: every epoch): search attempts with their attempts rows (and the
  // proof_metrics rows of those attempts), epochs, task samples and checkpoints. Attempts
  // without a search row, other runs, tasks and the verification cache are kept.
  void discard_after_epoch(int64_t run_id, int64_t epoch);

  // Search rows with their attempts, ordered by line; only `epoch`'s when given.
  std::vector<SearchAttemptRow> search_attempts(int64_t run_id,
                                                std::optional<int64_t> epoch = {}) const;
  // The checkpoint of the run's highest epoch that has one; nullopt when none. Both
  // checkpoint readers recompute the sha256 of the bytes and throw StoreError when it differs
  // from the stored one (a corrupt checkpoint is never handed out).
  std::optional<CheckpointRecord> latest_checkpoint(int64_t run_id) const;
  std::optional<CheckpointRecord> checkpoint(int64_t run_id, int64_t epoch) const;
  std::vector<EpochRecord> epochs(int64_t run_id) const;  // ordered by epoch
  // Ordered by epoch, then task_id; only `epoch`'s when given.
  std::vector<TaskSampleRecord> task_samples(int64_t run_id,
                                             std::optional<int64_t> epoch = {}) const;

  // --- Proof compression metrics (metrics.cpp) ---

  // The passing attempts (verdict 'pass') that have a task, of run `run_id` or of every run
  // when absent, with their task's name, statement and header, ordered by (run_id, line).
  // Duplicates, the same proof of the same task (task_id, proof), are listed once, as the
  // first of them; when that one has no used constants, it carries those of a duplicate that
  // has them.
  std::vector<VerifiedProof> verified_proofs(std::optional<int64_t> run_id) const;

  // Writes a whole computation in ONE transaction and returns its id: its
  // metrics_computations row, its dictionaries (the store computes each sha256; at most one
  // per fold), and every metrics row. A ProofMetricsRecord's dictionary_id names either one of
  // `dictionaries`, by its index, as dictionary_in_call(index), or a dictionary already in the
  // store, by its id; on read it is always the id. Every proof row must name an attempt, every
  // task row a task in `tasks`. All or nothing: a failed row (a bad index, an unknown attempt,
  // a repeated key, a violated CHECK, a full disk) leaves no trace of the computation.
  int64_t record_metrics(const MetricsComputation& computation,
                         const std::vector<DictionaryRecord>& dictionaries,
                         const std::vector<ProofMetricsRecord>& proofs,
                         const std::vector<TaskMetricsRecord>& tasks,
                         const std::vector<DeclarationMetricsRecord>& declarations);

  // The newest computation (highest id) of `scope` ("all" or a run id, metrics_scope());
  // nullopt when there is none.
  std::optional<MetricsComputation> latest_metrics(const std::string& scope) const;
  std::optional<MetricsComputation> metrics_computation(int64_t id) const;
  // A computation's rows: proofs ordered by (run_id, line); tasks and declarations in the
  // order record_metrics was given them.
  std::vector<ProofMetricsRecord> proof_metrics(int64_t computation) const;
  std::vector<TaskMetricsRecord> task_metrics(int64_t computation) const;
  std::vector<DeclarationMetricsRecord> declaration_metrics(int64_t computation) const;
  // A computation's dictionaries ordered by fold, and one dictionary by id. Both recompute
  // the sha256 of the bytes and throw StoreError when it differs from the stored one (a
  // corrupt dictionary is never handed out).
  std::vector<DictionaryRecord> dictionaries(int64_t computation) const;
  std::optional<DictionaryRecord> dictionary(int64_t id) const;

  // --- The lemma library: lemmas, versions, members, rewrites (library.cpp) ---

  // Writes a library version in ONE transaction: the lemmas (content-addressed by digest: a
  // digest already stored is kept as it is and only its new sources and derived-from tasks are
  // added; `lemmas` may hold lemmas that are not members, such as rejected candidates whose
  // rewrites are recorded), the version with its members, and the rewrites (recorded in the
  // order given). Every member and rewrite must name a lemma of the call or one already stored.
  // A source is linked to the attempts row its proof_key ("RUN-UUID:LINE") names when that row
  // is in this store. Recording a version already stored writes nothing (a resumed grow may
  // record again). Returns the version as stored (created_at filled, members in position
  // order). All or nothing: a StoreError names what failed.
  LibraryVersionRecord record_library(const LibraryVersionRecord& version,
                                      const std::vector<LemmaRecord>& lemmas,
                                      const std::vector<RewriteRecord>& rewrites);
  // "latest" (the most recently recorded here), a version string, or a unique prefix of its
  // hex (with or without "library-v1:"); nullopt when absent (and for ""). An ambiguous prefix
  // throws StoreError naming the versions it matches.
  std::optional<LibraryVersionRecord> library_version(const std::string& which) const;
  std::vector<LibraryVersionRecord> library_versions() const;  // oldest first, members filled
  // A version's member lemmas in position order, each with its sources (in recording order)
  // and derived_from; empty for an unknown version.
  std::vector<LemmaRecord> library_lemmas(const std::string& version) const;
  // One lemma by digest, with its sources and derived_from (member or not).
  std::optional<LemmaRecord> lemma(const std::string& digest) const;
  // The rewrites recorded with a version, in the order they were recorded.
  std::vector<RewriteRecord> library_rewrites(const std::string& version) const;

  // --- Test hook (store.cpp) ---

  // Test hook: caps the database at `pages` pages (at least its current size), so the next
  // write that needs to grow the file fails like a full disk. Lasts until the Store closes.
  // Returns the cap SQLite applied.
  int64_t set_max_page_count_for_test(int64_t pages);

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> m_impl;
};

}  // namespace store
