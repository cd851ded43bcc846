#pragma once
// The one place where a candidate becomes a row: guard → assembly → verification cache →
// identical checks in flight → Lean (a lean_bridge::Checker) → verdict → row. `score`,
// whole-proof `search` and the step search's re-check of a found script all go through it;
// the commands only read their input and write the rows.
//
// Contract:
// - Rows come back from take_ready() in the order they were added, whatever order Lean
//   answers in; add_row() keeps a row decided elsewhere (an invalid line) in its place. With
//   PipelineOptions::ordered false (a server answering many clients), each row comes back as
//   soon as it is decided, and Row::seq says which addition it answers.
// - The guard reads every text first (a refusal means Lean is not asked); a candidate that
//   cannot be assembled gets its verdict without Lean.
// - Identical candidates (one cache key) are checked once: the others get the verdict of the
//   first with `cached` set. A verdict decided by this pipeline is remembered until
//   forget_decided(), which its owner calls once the rows are in the store (where the
//   verification cache answers from then on), so no identical candidate is checked twice in
//   between. Only what the store caches is remembered (never timeout, error, invalid).
// - A check the checker answers with an infrastructure `error` says nothing about the proof;
//   it counts in stats().infra_errors, not in lean_checks.
// - The checker is made on first use, so a run answered from the cache starts no Lean.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "harness/assembly.hpp"
#include "harness/library_layers.hpp"
#include "harness/rows.hpp"
#include "lean-bridge/checker.hpp"
#include "lean-bridge/guard.hpp"
#include "store/store.hpp"
#include "tasks/candidate.hpp"

namespace harness {

// The verification cache as the pipeline reads it.
class VerdictCache {
 public:
  virtual ~VerdictCache() = default;
  virtual std::optional<store::CachedVerdict> lookup(const std::string& key) = 0;
};

// The store's verification cache.
class StoreCache final : public VerdictCache {
 public:
  explicit StoreCache(store::Store& store) : m_store(store) {}
  std::optional<store::CachedVerdict> lookup(const std::string& key) override {
    return m_store.lookup_cache(key);
  }

 private:
  store::Store& m_store;
};

struct PipelineOptions {
  CheckIdentity identity;       // what the cache key holds beyond the candidate
  bool use_cache = true;        // read the verification cache
  bool used_constants = false;  // ask Lean for the constants each proof uses
  std::string input;            // the input's name, for `invalid` rows: FILE:LINE: field: why
  int priority = 0;             // of every check this pipeline submits
  bool ordered = true;          // rows in the order added; false: as they are decided
  // The lemma library (issue 15): each request gets its task header's layer, whose version
  // enters the cache key, and a candidate naming a lemma derived from its own task is rejected
  // without Lean (harness/library_layers.hpp). Null: no library.
  std::shared_ptr<const LibraryLayers> library = nullptr;
};

struct PipelineStats {
  int64_t decided_early = 0;  // by the guard, the input or the statement, without Lean
  int64_t cache_hits = 0;     // answered by the verification cache
  int64_t duplicates = 0;     // answered by an identical check of this pipeline
  int64_t lean_checks = 0;    // answered by Lean
  int64_t infra_errors = 0;   // the checker could not get an answer from Lean
};

using CheckerFactory = std::function<std::unique_ptr<lean_bridge::Checker>()>;
using CheckDone = std::function<void(const lean_bridge::CheckResult&)>;

class Pipeline {
 public:
  // `cache` may be null (no cache); it must outlive the pipeline.
  Pipeline(const lean_bridge::Guard& guard, VerdictCache* cache, CheckerFactory make_checker,
           PipelineOptions options);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // What one addition may ask beyond the pipeline's options (a served request's own).
  struct AddOptions {
    std::optional<std::chrono::milliseconds> wall;  // its check's wall clock (CheckBudget)
    bool use_cache = true;  // false: neither the cache nor a remembered verdict answers it
    // Its own library instead of PipelineOptions::library (`library grow` checks each rewrite
    // with the library as it is at that point); null: the pipeline's.
    std::shared_ptr<const LibraryLayers> library = nullptr;
  };
  // What an addition works out before it looks at the cache or at Lean: its row, the guard's
  // reading and the request for Lean (harness/assembly.hpp), and its cache key. prepare()
  // reads nothing of the pipeline's state but its guard and options, so any thread may call
  // it while the owner adds (a server prepares on its HTTP threads, and its one dispatcher
  // thread only adds).
  struct Prepared {
    Row row;
    Assembly assembly;
    std::string key;  // empty when the assembly decided the verdict
    AddOptions options;
  };
  Prepared prepare(const tasks::Candidate& candidate, const AddOptions& options) const;
  // Each returns the row's place in the order of additions (Row::seq of its row).
  uint64_t add(Prepared prepared);
  uint64_t add(const tasks::Candidate& candidate, const AddOptions& options) {
    return add(prepare(candidate, options));
  }
  uint64_t add(const tasks::Candidate& candidate) { return add(candidate, AddOptions{}); }
  uint64_t add_row(Row row);
  // A check that becomes no row (a canary): never cached nor deduplicated; `done` runs from
  // take_ready() when its result arrives.
  void add_unrowed(lean_bridge::CheckRequest request, CheckDone done);
  // Waits up to `wait` for Lean's answers and returns the rows whose turn has come.
  std::vector<Row> take_ready(std::chrono::milliseconds wait);
  // Runs `hook` (on the checker's thread) when Lean's answers arrive (once per batch of them:
  // take_ready takes every one that has arrived), so that the owner may wait on its own
  // condition variable and then take_ready(0). Set before the first addition; a checker that
  // cannot tell never runs it (lean_bridge::Checker::on_result).
  void on_results(std::function<void()> hook) { m_on_results = std::move(hook); }
  // Rows not yet returned, plus unrowed checks not yet done.
  size_t pending() const;
  // Unordered pipelines only: drops an addition whose row is not decided yet (its client went
  // away): a check still queued is cancelled at the checker, unless an identical addition waits
  // for it. True when dropped: its row never comes, and it no longer counts in pending().
  bool cancel(uint64_t seq);
  // No more additions: the checker finishes what it holds.
  void close();
  void forget_decided();
  // Forgets only the verdicts of additions before `seq` (Row::seq): an owner whose rows reach
  // the store later than it takes them (a writer thread) keeps the others until they are in.
  void forget_decided_before(uint64_t seq);
  // Kills the checks in progress (an interrupted run); pending rows are never returned.
  void stop();

  std::optional<std::string> fatal_error() const;
  const PipelineStats& stats() const { return m_stats; }
  std::optional<lean_bridge::PoolStats> checker_stats() const;
  // The Lean processes' resident memory (reads /proc); empty before the checker starts.
  lean_bridge::ResidentMemory checker_memory() const;
  // The imports and header rest of the latest candidate sent to Lean (canaries follow them).
  const lean_bridge::CheckRequest& last_request() const { return m_last_request; }

 private:
  struct Waiting {
    uint64_t seq;
    Row row;
  };
  void finish(uint64_t seq, Row row);
  void on_result(lean_bridge::CheckResult result);
  void submit(lean_bridge::CheckRequest request);

  const lean_bridge::Guard& m_guard;
  VerdictCache* m_cache;
  CheckerFactory m_make_checker;
  std::function<void()> m_on_results;
  PipelineOptions m_options;
  std::unique_ptr<lean_bridge::Checker> m_checker;
  uint64_t m_next_seq = 0;
  uint64_t m_returned = 0;  // rows returned (in ordered mode, also the next one's seq)
  std::map<uint64_t, Row> m_ready;
  std::map<uint64_t, Waiting> m_in_flight;                   // by check id (= seq)
  std::map<std::string, uint64_t> m_key_in_flight;           // cache key → check id
  std::map<std::string, std::vector<Waiting>> m_twins;       // identical to a check in flight
  std::unordered_map<std::string, Row> m_decided;  // cache key → the answer (verdict fields, seq)
  std::map<uint64_t, CheckDone> m_unrowed;                   // by check id
  uint64_t m_next_unrowed = 0;
  std::vector<lean_bridge::CheckResult> m_results;  // take_ready's hand-off, reused
  lean_bridge::CheckRequest m_last_request;
  PipelineStats m_stats;
  std::optional<std::string> m_fatal;
  std::optional<lean_bridge::PoolStats> m_stopped_stats;  // the checker's, when it went
  bool m_stopped = false;
};

// Adds every candidate and waits for all their rows, in the candidates' order; nothing when
// the run is interrupted meanwhile (the checks in progress are then killed). What the batch
// decided is forgotten at the end: the caller records the rows, and the cache takes over.
std::optional<std::vector<Row>> check_batch(Pipeline& pipeline,
                                            const std::vector<tasks::Candidate>& candidates);

}  // namespace harness
