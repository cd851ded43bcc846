#pragma once
// The harness's SQLite store: runs, tasks, attempts and the verification cache.
// The only code in the project that writes SQL; it knows nothing about Lean or policies.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/cache_key.hpp"
#include "store/records.hpp"
#include "store/store_error.hpp"

namespace store {

// One open database file. Movable, not copyable; closes the file on destruction. A
// moved-from Store may only be destroyed or assigned to. Not thread-safe: use one Store per
// thread (several Stores, in one process or many, may share a file; SQLite serialises their
// writes and each waits up to 5 s for the lock). Every failure throws StoreError naming the
// file, the operation and SQLite's message.
class Store {
 public:
  // Opens `path`, creating it if needed, sets WAL journaling, synchronous=NORMAL, foreign
  // keys and a 5 s busy timeout, and applies pending migrations of store/schema.sql. Refuses
  // an unwritable path, a file that is not a SQLite database and a database written by a
  // newer harness (schema version above latest_schema_version()).
  static Store open(const std::string& path);

  Store(Store&& other) noexcept;
  Store& operator=(Store&& other) noexcept;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  ~Store();

  const std::string& path() const;

  // Records a new run with status 'running' and a fresh random uuid; returns its id.
  int64_t begin_run(const RunInfo& info);
  // Gives a running run its final status, its end time and its summary (JSON text).
  // Throws if `run_id` is not a running run, or if `status` is RunStatus::running.
  void finish_run(int64_t run_id, RunStatus status, const std::string& summary_json);

  // Writes a batch in ONE transaction: each attempt's task (kept if already present: tasks
  // are content-addressed), the attempt itself, and, when the attempt carries a cache_key,
  // was not itself served from the cache and is_cacheable(verdict), its verification cache
  // entry (replacing an older entry for the key, keeping the hit count). Either the whole
  // batch is written or, with a StoreError, none of it; earlier batches are unaffected.
  void record(const std::vector<AttemptRecord>& batch);

  // The cache entry for `key`, counting the hit; nullopt on a miss.
  std::optional<CachedVerdict> lookup_cache(const std::string& key);

  // Read side, for reports and tests.
  std::optional<RunRow> run(int64_t id) const;
  std::vector<AttemptRow> attempts(int64_t run_id) const;  // ordered by line
  std::optional<TaskRecord> task(const std::string& task_id) const;
  int64_t count_cache_entries() const;

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
