#include "lean-bridge/spares.hpp"

#include <signal.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "common/thread_name.hpp"

namespace lean_bridge {
namespace {

constexpr auto kRateWindow = std::chrono::seconds(60);
constexpr double kDemandDecay = 0.98;  // per request submitted
constexpr size_t kDemandEntries = 256;
constexpr double kMemoryShare = 0.8;   // of MemAvailable, for auto sizing

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

uint64_t available_memory_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("MemAvailable:", 0) != 0) continue;
    std::istringstream fields(line.substr(13));
    uint64_t kib = 0;
    if (fields >> kib) return kib * 1024;
  }
  return 0;
}

SpareSet::SpareSet(WorkerOptions worker, SpareOptions options)
    : m_worker(std::move(worker)), m_options(options) {
  signal(SIGPIPE, SIG_IGN);
  // Warmers bound how many spares import at once: the most the target can be, plus room for
  // the replacements that recycling workers want.
  int most = m_options.count >= 0 ? m_options.count : std::max(1, m_options.max_auto);
  size_t threads = static_cast<size_t>(most) + 2;
  m_groups.reserve(threads);
  for (size_t i = 0; i < threads; ++i) m_groups.push_back(std::make_unique<std::atomic<pid_t>>(0));
  for (size_t i = 0; i < threads; ++i) {
    m_threads.emplace_back([this, i] {
      common::name_this_thread("lean-spare");
      run_warmer(i);
    });
  }
}

SpareSet::~SpareSet() {
  stop();
  for (auto& group : m_groups) {
    if (pid_t g = group->load(); g > 0) ::kill(-g, SIGKILL);
  }
  for (std::thread& t : m_threads) {
    if (t.joinable()) t.join();
  }
  std::lock_guard lock(m_mutex);
  m_ready.clear();  // each ReplProcess kills its group as it goes
}

void SpareSet::stop() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_changed.notify_all();
}

std::optional<StartedRepl> SpareSet::take(const std::string& imports, bool wait) {
  std::unique_lock lock(m_mutex);
  auto ready = [&] {
    return std::find_if(m_ready.begin(), m_ready.end(),
                        [&](const StartedRepl& r) { return r.imports == imports; });
  };
  auto it = ready();
  if (it == m_ready.end() && wait && m_importing[imports] > m_waiters[imports]) {
    ++m_waiters[imports];
    m_changed.wait(lock, [&] {
      it = ready();
      return m_stopping || it != m_ready.end() || m_importing[imports] == 0;
    });
    --m_waiters[imports];
  }
  if (it == m_ready.end()) return std::nullopt;
  StartedRepl repl = std::move(*it);
  m_ready.erase(it);
  ++m_stats.taken;
  lock.unlock();
  m_changed.notify_all();
  return repl;
}

void SpareSet::want(const std::string& imports, bool wanted) {
  {
    std::lock_guard lock(m_mutex);
    int& n = m_wanted[imports];
    n = std::max(0, n + (wanted ? 1 : -1));
    if (n == 0) m_wanted.erase(imports);
  }
  m_changed.notify_all();
}

void SpareSet::note_replacement(std::optional<std::chrono::milliseconds> imported) {
  {
    std::lock_guard lock(m_mutex);
    m_replacements.push_back(Clock::now());
    if (imported) note_import_locked(*imported);
  }
  m_changed.notify_all();
}

void SpareSet::note_import_locked(std::chrono::milliseconds took) {
  double s = took.count() / 1000.0;
  m_import_s = m_import_s == 0 ? s : 0.7 * m_import_s + 0.3 * s;
  if (!m_first_ready) m_first_ready = Clock::now();
}

void SpareSet::set_risk_probe(std::function<int()> probe) {
  std::lock_guard lock(m_mutex);
  m_risk = std::move(probe);
}

void SpareSet::note_request(const std::string& imports) {
  bool new_imports = false;
  {
    std::lock_guard lock(m_mutex);
    for (auto& [_, d] : m_demand) d *= kDemandDecay;
    auto [it, inserted] = m_demand.try_emplace(imports, 0.0);
    it->second += 1;
    new_imports = inserted;
    if (m_demand.size() > kDemandEntries) {
      auto least = std::min_element(m_demand.begin(), m_demand.end(),
                                    [](const auto& a, const auto& b) { return a.second < b.second; });
      m_demand.erase(least);
    }
  }
  // Imports asked for before change the warmers' picks only slowly: they look again every
  // 100 ms. Waking them for every request would cost a wake-up per check.
  if (new_imports) m_changed.notify_all();
}

SpareStats SpareSet::stats() const {
  std::lock_guard lock(m_mutex);
  SpareStats out = m_stats;
  out.ready = static_cast<int>(m_ready.size());
  return out;
}

std::vector<pid_t> SpareSet::ready_groups() const {
  std::lock_guard lock(m_mutex);
  std::vector<pid_t> out;
  for (const StartedRepl& r : m_ready) out.push_back(r.process->pid());
  return out;
}

int SpareSet::held_locked(const std::string& imports) const {
  int n = static_cast<int>(std::count_if(m_ready.begin(), m_ready.end(),
                                         [&](const StartedRepl& r) { return r.imports == imports; }));
  if (auto it = m_importing.find(imports); it != m_importing.end()) n += it->second;
  return n;
}

int SpareSet::target_locked() {
  if (m_options.count >= 0) return m_stats.target = m_options.count;
  auto now = Clock::now();
  while (!m_replacements.empty() && now - m_replacements.front() > kRateWindow) {
    m_replacements.pop_front();
  }
  int target = std::max(1, m_options.initial);
  size_t events = m_replacements.size() + (m_risk ? static_cast<size_t>(std::max(0, m_risk())) : 0);
  if (m_import_s > 0 && m_first_ready && events > 0) {
    double window = std::clamp(seconds(now - *m_first_ready), 1.0, seconds(kRateWindow));
    double rate = static_cast<double>(events) / window;
    target = static_cast<int>(std::ceil(2 * rate * m_import_s));
  }
  target = std::clamp(target, 1, std::max(1, m_options.max_auto));
  m_memory_capped = false;
  if (m_spare_rss > 0) {
    if (now - m_available_read > std::chrono::seconds(1)) {
      m_available = available_memory_bytes();
      m_available_read = now;
    }
    int spares = static_cast<int>(m_ready.size());
    for (const auto& [_, n] : m_importing) spares += n;
    uint64_t room = m_options.memory_bytes > 0
                        ? m_options.memory_bytes / m_spare_rss
                        : spares + static_cast<uint64_t>(kMemoryShare * static_cast<double>(m_available)) /
                                       m_spare_rss;
    if (static_cast<uint64_t>(target) > room) {
      target = static_cast<int>(room);
      m_memory_capped = true;
      ++m_stats.memory_capped;
    }
  }
  return m_stats.target = target;
}

void SpareSet::trim_locked() {
  if (!m_memory_capped) return;
  int have = static_cast<int>(m_ready.size());
  for (const auto& [_, n] : m_importing) have += n;
  int over = have - m_stats.target;
  while (over-- > 0 && !m_ready.empty()) {
    m_ready.pop_front();  // its process is killed as it goes
    ++m_stats.discarded;
  }
}

int SpareSet::needed_locked() {
  int want = target_locked();
  for (const auto& [imports, n] : m_wanted) want += n;
  int have = static_cast<int>(m_ready.size());
  for (const auto& [_, n] : m_importing) have += n;
  return want - have;
}

// Imports a recycling worker wants first; else the ones with the most demand per spare held.
std::optional<std::string> SpareSet::pick_imports_locked() {
  for (const auto& [imports, n] : m_wanted) {
    if (held_locked(imports) < n) return imports;
  }
  std::optional<std::string> best;
  double best_score = 0;
  for (const auto& [imports, demand] : m_demand) {
    double score = demand / (1 + held_locked(imports));
    if (score > best_score) {
      best_score = score;
      best = imports;
    }
  }
  return best;
}

void SpareSet::run_warmer(size_t index) {
  std::atomic<pid_t>& group = *m_groups[index];
  std::unique_lock lock(m_mutex);
  for (;;) {
    std::optional<std::string> imports;
    // Woken by every change, and every 100 ms for auto sizing (checks grow old).
    while (!m_changed.wait_for(lock, std::chrono::milliseconds(100), [&] {
      if (m_stopping) return true;
      int needed = needed_locked();
      trim_locked();
      if (needed <= 0) {
        // At the target: a ready spare whose imports are asked for far less than imports no
        // spare holds gives way to them.
        auto wanted = pick_imports_locked();
        if (!wanted || held_locked(*wanted) > 0) return false;
        double demand = m_demand[*wanted];
        auto stale = std::find_if(m_ready.begin(), m_ready.end(), [&](const StartedRepl& r) {
          auto d = m_demand.find(r.imports);
          double held = d == m_demand.end() ? 0 : d->second;
          return 4 * held + 1 < demand && !m_wanted.count(r.imports);
        });
        if (stale == m_ready.end()) return false;
        m_ready.erase(stale);
        ++m_stats.discarded;
      }
      imports = pick_imports_locked();
      return imports.has_value();
    })) {
    }
    if (m_stopping) return;
    ++m_importing[*imports];
    lock.unlock();
    WorkerCounters counters;
    StartOutcome started = start_repl(m_worker, *imports, counters, &group);
    std::optional<uint64_t> rss;
    if (auto* repl = std::get_if<StartedRepl>(&started)) rss = repl->process->rss_bytes();
    lock.lock();
    group = 0;
    if (--m_importing[*imports] == 0) m_importing.erase(*imports);
    m_stats.counters += counters;
    if (auto* repl = std::get_if<StartedRepl>(&started)) {
      m_start_failures = 0;
      note_import_locked(repl->took);
      m_spare_rss = std::max(m_spare_rss, *rss);
      if (!m_stopping) m_ready.push_back(std::move(*repl));
    } else {
      const auto& failure = std::get<InfraFailure>(started);
      if (failure.permanent) m_stopping = true;  // no start can work: the workers will say why
      ++m_start_failures;
      auto pause = std::chrono::milliseconds(250 << std::min(m_start_failures, 7));
      m_changed.notify_all();
      m_changed.wait_for(lock, pause, [&] { return m_stopping; });
    }
    m_changed.notify_all();
  }
}

}  // namespace lean_bridge
