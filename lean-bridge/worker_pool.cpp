#include "lean-bridge/worker_pool.hpp"

#include <signal.h>
#include <sys/types.h>

#include <algorithm>
#include <map>
#include <string_view>

#include <fmt/format.h>

#include "common/thread_name.hpp"
#include "common/thread_policy.hpp"
#include "lean-bridge/child_process.hpp"

namespace lean_bridge {
namespace {

// Consecutive start failures, with no worker ever started, after which Lean counts as
// impossible to start on this machine.
constexpr int kFatalStartFailures = 3;

CheckResult infrastructure_error(const CheckRequest& request, std::string reason, int tries) {
  CheckResult r;
  r.id = request.id;
  r.verdict = Verdict::error;
  r.decided_by = DecidedBy::worker;
  r.reason = std::move(reason);
  r.tries = tries;
  return r;
}

}  // namespace

WorkerPool::WorkerPool(PoolOptions options) : m_options(std::move(options)) {
  signal(SIGPIPE, SIG_IGN);  // a dead REPL's stdin must give EPIPE, not end the harness
  if (m_options.workers < 1) m_options.workers = 1;
  if (m_options.max_tries < 1) m_options.max_tries = 1;
  if (m_options.queue_limit == 0) {
    m_options.queue_limit = std::max<size_t>(64, 32 * static_cast<size_t>(m_options.workers));
  }
  if (m_options.spares.count != 0) {
    m_spares = std::make_unique<SpareSet>(m_options.worker, m_options.spares);
  }
  m_slots.resize(static_cast<size_t>(m_options.workers));
  for (Slot& slot : m_slots) {
    slot.worker = std::make_unique<Worker>(m_options.worker);
    slot.worker->set_source(m_spares.get());
    slot.thread = std::thread([this, &slot] {
      common::name_this_thread("lean-worker");
      common::run_this_thread_as_batch();  // reads its REPL's answers in one wake-up
      run_slot(slot);
    });
  }
  // Once every slot has its worker: the probe reads them from the spares' threads.
  if (m_spares) m_spares->set_risk_probe([this] { return checks_at_risk(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(m_mutex);
    m_closed = true;
    m_stopping = true;
    m_queue.clear();
  }
  m_work_ready.notify_all();
  m_space_ready.notify_all();
  if (m_spares) m_spares->stop();  // wakes a worker waiting for a spare
  for (Slot& slot : m_slots) {
    if (pid_t group = slot.worker->current_group(); group > 0) ::kill(-group, SIGKILL);
  }
  for (Slot& slot : m_slots) {
    if (slot.thread.joinable()) slot.thread.join();
  }
  m_spares.reset();
}

void WorkerPool::submit(CheckRequest request) {
  std::unique_lock lock(m_mutex);
  m_space_ready.wait(lock, [&] { return m_queue.size() < m_options.queue_limit || m_stopping; });
  if (m_closed) throw std::logic_error("WorkerPool::submit after close");
  ++m_in_flight;
  std::string imports = m_spares ? request.imports : std::string();
  m_queue.push_back(std::move(request));
  lock.unlock();
  m_work_ready.notify_one();
  if (m_spares) m_spares->note_request(imports);
}

void WorkerPool::close() {
  {
    std::lock_guard lock(m_mutex);
    m_closed = true;
  }
  m_work_ready.notify_all();
  m_result_ready.notify_all();
}

std::optional<CheckResult> WorkerPool::next_result() {
  bool drained = false;
  for (;;) {
    auto result = next_result_for(std::chrono::hours(1), drained);
    if (result || drained) return result;
  }
}

std::optional<CheckResult> WorkerPool::next_result_for(std::chrono::milliseconds wait,
                                                       bool& drained) {
  std::unique_lock lock(m_mutex);
  if (wait > std::chrono::milliseconds(0)) {
    m_result_ready.wait_for(lock, wait,
                            [&] { return !m_results.empty() || (m_closed && m_in_flight == 0); });
  }
  drained = m_results.empty() && m_closed && m_in_flight == 0;
  if (m_results.empty()) return std::nullopt;
  CheckResult result = std::move(m_results.front());
  m_results.pop_front();
  --m_in_flight;
  return result;
}

size_t WorkerPool::take_results(std::vector<CheckResult>& out, std::chrono::milliseconds wait,
                                bool& drained) {
  std::unique_lock lock(m_mutex);
  // A look without waiting (the reading thread's, once per line) costs no system call.
  if (wait > std::chrono::milliseconds(0)) {
    m_result_ready.wait_for(lock, wait,
                            [&] { return !m_results.empty() || (m_closed && m_in_flight == 0); });
  }
  size_t taken = m_results.size();
  drained = taken == 0 && m_closed && m_in_flight == 0;
  for (CheckResult& result : m_results) out.push_back(std::move(result));
  m_results.clear();
  m_in_flight -= taken;
  return taken;
}

std::optional<std::string> WorkerPool::fatal_error() const {
  std::lock_guard lock(m_mutex);
  return m_fatal;
}

PoolStats WorkerPool::stats() const {
  std::optional<SpareStats> spares;
  if (m_spares) spares = m_spares->stats();  // before the pool's lock: the spares take theirs first
  std::lock_guard lock(m_mutex);
  PoolStats out = m_stats;
  for (const Slot& slot : m_slots) {
    out += slot.counters;
    out.busy += slot.working;
  }
  out.workers = static_cast<int>(m_slots.size());
  if (spares) {
    out.spare_starts = spares->counters.starts;
    out.spares_target = spares->target;
    out.spares_discarded = spares->discarded;
    out.spares_ready = spares->ready;
  }
  return out;
}

ResidentMemory WorkerPool::resident_memory() const {
  // The process groups are atomics of their workers and of the spares: no pool lock needed.
  std::vector<pid_t> groups;
  for (const Slot& slot : m_slots) groups.push_back(slot.worker->current_group());
  size_t n = groups.size();
  if (m_spares) {
    auto spares = m_spares->ready_groups();
    groups.insert(groups.end(), spares.begin(), spares.end());
  }
  std::vector<uint64_t> bytes = resident_bytes_of_groups(groups);
  ResidentMemory out;
  out.workers.assign(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
  for (size_t i = n; i < bytes.size(); ++i) out.spares += bytes[i];
  return out;
}

int WorkerPool::checks_at_risk() const {
  int64_t now = Clock::now().time_since_epoch().count();
  int n = 0;
  for (const Slot& slot : m_slots) {
    int64_t started = slot.worker->proof_started_ns();
    int64_t budget_ns = slot.budget_ms->load() * 1'000'000;
    n += started != 0 && now - started > budget_ns / 4;
  }
  return n;
}

bool WorkerPool::cancel(uint64_t id) {
  std::unique_lock lock(m_mutex);
  auto it = std::find_if(m_queue.begin(), m_queue.end(),
                         [&](const CheckRequest& r) { return r.id == id; });
  if (it == m_queue.end()) return false;
  m_queue.erase(it);
  --m_in_flight;
  lock.unlock();
  m_space_ready.notify_one();
  m_result_ready.notify_all();  // a closed pool may now be drained
  return true;
}

// Among the requests of the given priority: the oldest for imports this worker's process holds
// (the set it used last first); else, for a worker without a process, the oldest of the imports
// the fewest workers hold; else the oldest for imports no worker holds; else, once idle as long
// as an import takes, the oldest. end(): wait.
std::deque<CheckRequest>::iterator WorkerPool::choose(const Slot& slot, int priority,
                                                      Clock::duration idle) {
  const Worker& worker = *slot.worker;
  auto first = std::find_if(m_queue.begin(), m_queue.end(),
                            [&](const CheckRequest& r) { return r.priority == priority; });
  auto oldest = [&](auto&& accept) {
    return std::find_if(first, m_queue.end(), [&](const CheckRequest& r) {
      return r.priority == priority && accept(r);
    });
  };
  const std::optional<std::string> imports = worker.imports();
  if (imports) {
    if (auto it = oldest([&](const CheckRequest& r) { return r.imports == *imports; });
        it != m_queue.end()) {
      return it;
    }
    if (auto it = oldest([&](const CheckRequest& r) { return worker.holds(r.imports); });
        it != m_queue.end()) {
      return it;
    }
  }
  // How many other workers hold each import set: counted once, then looked up per request.
  std::map<std::string_view, int> held_by_others;
  for (const Slot& other : m_slots) {
    if (&other == &slot) continue;
    for (const std::string& set : other.held) ++held_by_others[set];
  }
  auto holders = [&](const std::string& set) {
    auto it = held_by_others.find(set);
    return it == held_by_others.end() ? 0 : it->second;
  };
  if (!imports) {
    // It must start a process anyway: for the imports the fewest others hold.
    auto best = first;
    int fewest = holders(first->imports);
    for (auto it = first; it != m_queue.end() && fewest > 0; ++it) {
      if (it->priority != priority) continue;
      if (int n = holders(it->imports); n < fewest) {
        fewest = n;
        best = it;
      }
    }
    return best;
  }
  if (auto it = oldest([&](const CheckRequest& r) { return holders(r.imports) == 0; });
      it != m_queue.end()) {
    return it;
  }
  int64_t paid = 0, import_ms = 0;
  for (const Slot& s : m_slots) {
    paid += s.counters.imports;
    import_ms += s.counters.import_ms;
  }
  auto import_time = std::chrono::milliseconds(paid > 0 ? import_ms / paid : 0);
  return idle >= import_time ? first : m_queue.end();
}

std::optional<CheckRequest> WorkerPool::take(Slot& slot) {
  std::unique_lock lock(m_mutex);
  auto idle_since = Clock::now();
  for (;;) {
    m_work_ready.wait(lock, [&] { return !m_queue.empty() || m_closed; });
    if (m_queue.empty()) return std::nullopt;
    int top = m_queue.front().priority;
    for (const auto& r : m_queue) top = std::max(top, r.priority);
    auto it = choose(slot, top, Clock::now() - idle_since);
    if (it != m_queue.end()) {
      CheckRequest request = std::move(*it);
      m_queue.erase(it);
      slot.working = true;
      // A submitter waiting for room is woken once the queue is half empty, not for every
      // request taken: a wake-up per check is what the submitting thread cannot afford.
      bool room = m_queue.size() <= m_options.queue_limit / 2;
      lock.unlock();
      if (room) m_space_ready.notify_one();
      return request;
    }
    // Its imports' work may come, or the others' work may pile up: look again soon.
    m_work_ready.wait_for(lock, std::chrono::milliseconds(20));
  }
}

// Results are taken all at once (take_results): only the first of a batch, the one that finds
// none waiting, wakes the taker and runs the hook; the others join it without a wake-up.
void WorkerPool::deliver(CheckResult result) {
  bool first;
  {
    std::lock_guard lock(m_mutex);
    first = m_results.empty();
    m_results.push_back(std::move(result));
  }
  if (!first) return;
  m_result_ready.notify_all();
  if (m_on_result) m_on_result();
}

void WorkerPool::on_result(std::function<void()> hook) { m_on_result = std::move(hook); }

void WorkerPool::note_start_failure(const std::string& reason) {
  std::lock_guard lock(m_mutex);
  if (m_any_started) return;
  if (++m_start_failures >= kFatalStartFailures && !m_fatal) {
    m_fatal = fmt::format("Lean cannot be started: {}", reason);
  }
}

CheckResult WorkerPool::run_with_retries(Worker& worker, const CheckRequest& request,
                                         const Worker::NextRequest& next) {
  std::string last;
  bool during_start = false;
  for (int tries = 1; tries <= m_options.max_tries; ++tries) {
    if (auto fatal = fatal_error()) return infrastructure_error(request, *fatal, tries - 1);
    if (stopping()) return infrastructure_error(request, "the pool was stopped", tries - 1);
    Outcome outcome = worker.check(request, next);
    if (auto* result = std::get_if<CheckResult>(&outcome)) {
      result->tries = tries;
      return std::move(*result);
    }
    auto& failure = std::get<InfraFailure>(outcome);
    last = failure.reason;
    during_start = failure.during_start;
    {
      std::lock_guard lock(m_mutex);
      m_any_started = m_any_started || worker.ever_started();
      if (tries < m_options.max_tries) ++m_stats.retries;
    }
    if (failure.permanent) {
      std::lock_guard lock(m_mutex);
      if (!m_fatal) m_fatal = fmt::format("Lean cannot be started: {}", failure.reason);
      return infrastructure_error(request, *m_fatal, tries);
    }
    if (failure.during_start) note_start_failure(failure.reason);
  }
  if (during_start) {
    return infrastructure_error(
        request, fmt::format("failed on {} workers; last: {}", m_options.max_tries, last),
        m_options.max_tries);
  }
  // The proof took down every fresh worker it was given: it is charged for it, so a policy
  // cannot trade a 0 for an `error` by crashing Lean.
  CheckResult charged = infrastructure_error(
      request,
      fmt::format("resource: the proof took down {} fresh workers; last: {}", m_options.max_tries,
                  last),
      m_options.max_tries);
  charged.verdict = Verdict::fail;
  return charged;
}

// A check's successor for the same imports is taken as its closing request goes out
// (Worker::check): two checks in flight per worker, one write and one wake-up per check.
void WorkerPool::run_slot(Slot& slot) {
  Worker& worker = *slot.worker;
  Worker::NextRequest next = [this](const std::string& imports) { return take_next(imports); };
  std::optional<CheckRequest> request = take(slot);
  while (request) {
    slot.budget_ms->store(request->budget.wall.value_or(m_options.worker.proof_timeout).count());
    CheckResult result = run_with_retries(worker, *request, next);
    worker.recycle_if_due();
    std::optional<CheckRequest> ahead = worker.take_ahead();
    {
      std::lock_guard lock(m_mutex);
      m_any_started = m_any_started || worker.ever_started();
      if (m_any_started) m_start_failures = 0;
      slot.counters = worker.counters();
      slot.held = worker.held();
      slot.working = ahead.has_value();
    }
    deliver(std::move(result));
    request = ahead ? std::move(ahead) : take(slot);
  }
  worker.stop();
}

std::optional<CheckRequest> WorkerPool::take_next(const std::string& imports) {
  std::unique_lock lock(m_mutex);
  if (m_queue.empty() || m_stopping) return std::nullopt;
  int top = m_queue.front().priority;
  for (const auto& r : m_queue) top = std::max(top, r.priority);
  auto it = std::find_if(m_queue.begin(), m_queue.end(), [&](const CheckRequest& r) {
    return r.priority == top && r.imports == imports;
  });
  if (it == m_queue.end()) return std::nullopt;
  CheckRequest request = std::move(*it);
  m_queue.erase(it);
  bool room = m_queue.size() <= m_options.queue_limit / 2;
  lock.unlock();
  if (room) m_space_ready.notify_one();
  return request;
}

bool WorkerPool::stopping() const {
  std::lock_guard lock(m_mutex);
  return m_stopping;
}

}  // namespace lean_bridge
