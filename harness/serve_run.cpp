#include "harness/serve_run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "common/thread_name.hpp"
#include "harness/reward.hpp"
#include "harness/rows.hpp"
#include "lean-bridge/worker_pool.hpp"

namespace harness {
namespace {

using nlohmann::json;

// Retention: attempts deleted per round of the loop (a few milliseconds of the dispatcher's
// time), and the pause between two prunings.
constexpr int64_t kPruneChunk = 2000;
constexpr auto kPruneEvery = std::chrono::hours(1);

}  // namespace

ServeDispatcher::ServeDispatcher(const Engine& engine, store::Store& store, int64_t run_id,
                                 const tasks::TaskIndex* tasks, size_t max_queued,
                                 int retain_days)
    : m_engine(engine),
      m_store(store),
      m_run_id(run_id),
      m_tasks(tasks),
      m_max_queued(max_queued),
      m_cache(store),
      m_retain_days(retain_days) {
  PipelineOptions options{engine.identity, true, engine.used_constants, "serve", 0};
  options.ordered = false;
  options.library = engine.library;
  m_pipeline = std::make_unique<Pipeline>(
      engine.guard, &m_cache,
      [&engine] { return std::make_unique<lean_bridge::WorkerPool>(engine.pool); }, options);
  m_pipeline->on_results([this] {
    {
      std::lock_guard lock(m_mutex);
      m_results_ready = true;
    }
    m_wake.notify_all();
  });
  m_thread = std::thread([this] {
    common::name_this_thread("serve-dispatch");
    run();
  });
}

ServeDispatcher::~ServeDispatcher() {
  drain();
  if (m_thread.joinable()) m_thread.join();
}

bool ServeDispatcher::submit(std::vector<Item> items, std::shared_ptr<serve::Exchange> exchange,
                             Answer answer) {
  // The guard, the assembly and the cache key here, on the HTTP thread: the dispatcher
  // thread, which every request goes through, only adds.
  for (Item& item : items) {
    if (item.candidate) item.prepared = m_pipeline->prepare(*item.candidate, item.options);
  }
  auto job = std::make_shared<Job>();
  job->items = std::move(items);
  job->exchange = std::move(exchange);
  job->answer = std::move(answer);
  size_t n = job->items.size();
  {
    std::lock_guard lock(m_mutex);
    ++m_stats.requests;
    if (m_draining || m_queued + n > m_max_queued) {
      ++m_stats.refused;
      return false;
    }
    m_queued += n;
    m_stats.snippets += static_cast<int64_t>(n);
    m_incoming.push_back(job);
  }
  std::weak_ptr<Job> weak = job;
  job->exchange->on_cancel([this, weak] {
    {
      std::lock_guard lock(m_mutex);
      m_gone.push_back(weak);
    }
    m_wake.notify_all();
  });
  m_wake.notify_all();
  return true;
}

void ServeDispatcher::drain() {
  {
    std::lock_guard lock(m_mutex);
    m_draining = true;
  }
  m_wake.notify_all();
  if (m_thread.joinable()) m_thread.join();
}

ServeStats ServeDispatcher::stats() const {
  std::lock_guard lock(m_mutex);
  ServeStats out = m_stats;
  out.queued = static_cast<int64_t>(m_queued);
  return out;
}

PipelineStats ServeDispatcher::pipeline_stats() const {
  std::lock_guard lock(m_mutex);
  return m_pipeline_stats;
}

std::optional<std::string> ServeDispatcher::fatal_error() const {
  std::lock_guard lock(m_mutex);
  return m_fatal;
}

lean_bridge::ResidentMemory ServeDispatcher::resident_memory() const {
  std::lock_guard lock(m_mutex);
  return m_memory;
}

std::optional<lean_bridge::PoolStats> ServeDispatcher::checker_stats() const {
  std::lock_guard lock(m_mutex);
  return m_checker_stats;
}

// Each item into the pipeline; those decided without Lean keep their outcome.
void ServeDispatcher::start(std::shared_ptr<Job> job) {
  size_t n = job->items.size();
  job->outcomes.resize(n);
  job->remaining = n;
  for (size_t i = 0; i < n; ++i) {
    Item& item = job->items[i];
    if (!item.candidate) {
      job->outcomes[i] = item.decided;
      --job->remaining;
      continue;
    }
    item.prepared->row.line = m_next_line++;
    uint64_t seq = m_pipeline->add(std::move(*item.prepared));
    m_by_seq[seq] = {job, i};
    job->seqs.push_back(seq);
  }
  if (job->remaining == 0) finish(*job);
}

// The checks of a gone client that Lean has not started are dropped; the others finish and
// are recorded (and cached) as usual.
void ServeDispatcher::drop(const std::shared_ptr<Job>& job) {
  int64_t dropped = 0;
  for (uint64_t seq : job->seqs) {
    auto it = m_by_seq.find(seq);
    if (it == m_by_seq.end() || !m_pipeline->cancel(seq)) continue;
    m_by_seq.erase(it);
    ++dropped;
    --job->remaining;
  }
  {
    std::lock_guard lock(m_mutex);
    m_stats.dropped += dropped;
  }
  if (dropped > 0 && job->remaining == 0) finish(*job);
}

// The counts are taken before the answer leaves, so a client that reads /metrics after its
// answer sees its own items counted.
void ServeDispatcher::finish(Job& job) {
  {
    std::lock_guard lock(m_mutex);
    for (const auto& o : job.outcomes) ++m_stats.verdicts[std::string(to_string(o.verdict))];
    m_queued -= job.items.size();
    ++m_stats.answered;
    if (job.exchange->cancelled()) ++m_stats.cancelled;
  }
  job.exchange->respond(job.answer(job.outcomes));
}

void ServeDispatcher::run() {
  try {
    loop();
  } catch (const std::exception& e) {
    // The store or the pipeline failed: every request still owed gets 503 saying why, and no
    // new one is taken.
    std::string why = fmt::format("harness serve: {}", e.what());
    fmt::print(stderr, "{}\n", why);
    std::set<Job*> owed;
    std::vector<std::shared_ptr<Job>> jobs;
    for (auto& [_, entry] : m_by_seq) {
      if (owed.insert(entry.first.get()).second) jobs.push_back(entry.first);
    }
    std::lock_guard lock(m_mutex);
    m_draining = true;
    m_fatal = why;
    for (auto& job : m_incoming) jobs.push_back(job);
    m_incoming.clear();
    for (auto& job : jobs) {
      job->exchange->respond({503, "application/json", json{{"detail", why}}.dump(), {}});
    }
  }
}

// --retain-days: one chunk of the serve attempts past the retention, oldest first, when a
// pruning is due; the next round takes the next chunk, until none is left and the next pruning
// is an hour away. No VACUUM: it would hold the file against every write for as long as it
// rewrites it; the pages freed take the new attempts, so the file stops growing.
void ServeDispatcher::prune() {
  if (m_retain_days <= 0 || std::chrono::steady_clock::now() < m_next_prune) return;
  auto removed = m_store.prune_attempts(
      {.keep_days = m_retain_days, .command = "serve", .limit = kPruneChunk});
  m_pruned += removed.attempts;
  if (removed.attempts < kPruneChunk) {
    if (m_pruned > 0) {
      fmt::print(stderr, "harness serve: deleted {} serve attempts created before {} "
                         "(--retain-days {})\n", m_pruned, removed.cutoff, m_retain_days);
    }
    m_pruned = 0;
    m_next_prune = std::chrono::steady_clock::now() + kPruneEvery;
  }
}

void ServeDispatcher::loop() {
  for (;;) {
    prune();
    std::deque<std::shared_ptr<Job>> incoming;
    std::vector<std::weak_ptr<Job>> gone;
    bool draining = false;
    {
      std::unique_lock lock(m_mutex);
      auto due = [&] {
        return !m_incoming.empty() || !m_gone.empty() || m_draining || m_results_ready;
      };
      if (m_by_seq.empty()) {
        // Idle: wakes for work, to read the processes' memory again, or to prune when due.
        auto until = std::chrono::steady_clock::now() + kMemoryEvery;
        if (m_retain_days > 0) until = std::min(until, m_next_prune);
        m_wake.wait_until(lock, until, due);
      } else {
        m_wake.wait_for(lock, std::chrono::milliseconds(20), due);  // a checker without the hook
      }
      m_results_ready = false;
      incoming.swap(m_incoming);
      gone.swap(m_gone);
      draining = m_draining;
    }
    for (auto& job : incoming) start(std::move(job));
    for (auto& weak : gone) {
      if (auto job = weak.lock()) drop(job);
    }
    if (draining && incoming.empty() && m_by_seq.empty()) break;
    std::vector<store::AttemptRecord> batch;
    std::vector<std::shared_ptr<Job>> done;
    for (Row& row : m_pipeline->take_ready(std::chrono::milliseconds(0))) {
      auto it = m_by_seq.find(row.seq);
      if (it == m_by_seq.end()) continue;
      auto [job, index] = it->second;
      m_by_seq.erase(it);
      serve::kimina::Outcome& o = job->outcomes[index];
      o.verdict = row.verdict;
      o.decided_by = row.decided_by;
      o.reason = row.reason.empty() ? row.error : row.reason;
      bool known = job->items[index].known_task;
      o.reward = known ? reward_for(row.verdict) : std::nullopt;
      o.messages = json::parse(row.messages_json, nullptr, false);
      if (!o.messages.is_array()) o.messages = json::array();
      o.time_s = static_cast<double>(row.elapsed_ms) / 1000.0;
      store::AttemptRecord record = attempt_record(m_run_id, row);
      if (!known) record.reward = std::nullopt;
      batch.push_back(std::move(record));
      if (--job->remaining == 0) done.push_back(job);
    }
    // The store first, then the answers: every verification answered is recorded.
    if (!batch.empty()) {
      m_store.record(batch);
      m_pipeline->forget_decided();
    }
    for (auto& job : done) finish(*job);
    auto checker_stats = m_pipeline->checker_stats();
    // The processes' memory (a reading of /proc) once a second, outside the lock the HTTP
    // threads take.
    std::optional<lean_bridge::ResidentMemory> memory;
    auto now = std::chrono::steady_clock::now();
    if (now - m_memory_read >= kMemoryEvery || (m_memory_empty && checker_stats)) {
      m_memory_read = now;
      memory = m_pipeline->checker_memory();
      m_memory_empty = memory->workers.empty();
    }
    std::lock_guard lock(m_mutex);
    m_stats.in_flight = static_cast<int64_t>(m_by_seq.size());
    m_pipeline_stats = m_pipeline->stats();
    m_checker_stats = std::move(checker_stats);
    if (memory) m_memory = std::move(*memory);
  }
  m_pipeline->close();
}

}  // namespace harness
