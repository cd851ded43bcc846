#include "harness/score_run.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <random>

#include "harness/assembly.hpp"
#include "harness/interrupt.hpp"
#include "harness/reward.hpp"
#include "store/cache_key.hpp"

namespace harness {
namespace {

using lean_bridge::DecidedBy;
using lean_bridge::Verdict;
using nlohmann::json;
using ojson = nlohmann::ordered_json;

constexpr size_t kBatchRows = 256;
constexpr uint64_t kCanaryBit = uint64_t{1} << 63;  // check ids of canaries
constexpr auto kFlushEvery = std::chrono::milliseconds(500);

ojson json_or_null(const std::optional<std::string>& text) {
  return text ? ojson::parse(*text) : ojson(nullptr);
}

std::string out_line(const Row& row) {
  auto reward = reward_for(row.verdict);
  ojson out = {{"line", row.line},
               {"name", row.name},
               {"task_id", row.task ? ojson(row.task->task_id) : ojson(nullptr)},
               {"verdict", lean_bridge::to_string(row.verdict)},
               {"decided_by", lean_bridge::to_string(row.decided_by)},
               {"reason", row.reason},
               {"reward", reward ? ojson(*reward) : ojson(nullptr)},
               {"elapsed_ms", row.elapsed_ms},
               {"cached", row.cached},
               {"axioms", json_or_null(row.axioms_json)},
               {"messages", ojson::parse(row.messages_json)},
               {"error", row.error.empty() ? ojson(nullptr) : ojson(row.error)}};
  return out.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

}  // namespace

ScoreRun::ScoreRun(const ScoreSettings& settings, store::Store& store, int64_t run_id,
                   lean_bridge::PoolOptions pool, std::string toolchain, std::string repl,
                   std::vector<Canary> canaries, const lean_bridge::Guard& guard,
                   std::string sandbox_mode)
    : m_settings(settings),
      m_guard(guard),
      m_store(store),
      m_run_id(run_id),
      m_toolchain(std::move(toolchain)),
      m_repl(std::move(repl)),
      m_sandbox_mode(std::move(sandbox_mode)),
      m_pool_options(std::move(pool)),
      m_out(settings.out, std::ios::binary | std::ios::trunc),
      m_last_flush(std::chrono::steady_clock::now()),
      m_start(std::chrono::steady_clock::now()),
      m_progress(settings.progress, settings.progress ? count_lines(settings.input) : -1) {
  if (!m_out) throw std::runtime_error(fmt::format("{}: cannot write the OUT file", settings.out));
  m_canaries = std::move(canaries);
  int64_t lines = std::max<int64_t>(1, count_lines(settings.input));
  std::mt19937_64 random(std::random_device{}());
  for (size_t i = 0; i < m_canaries.size(); ++i) {
    m_canary_at.push_back(static_cast<int64_t>(random() % static_cast<uint64_t>(lines)));
  }
  std::sort(m_canary_at.begin(), m_canary_at.end());
}

std::string ScoreRun::cache_key_for(const tasks::Candidate& c) const {
  return verification_key({m_toolchain, m_repl, m_guard.version(), m_sandbox_mode}, c);
}

void ScoreRun::run(tasks::CandidateReader& reader) {
  while (!m_fatal && !m_strict_stop && !m_canary_failure) {
    if (interrupt_requested()) {
      m_interrupted = true;
      break;
    }
    auto entry = reader.next();
    if (!entry) break;
    if (auto* candidate = std::get_if<tasks::Candidate>(&*entry)) {
      take(std::move(*candidate));
    } else {
      take(std::get<tasks::InvalidLine>(*entry));
    }
    submit_due_canaries(false);
    drain(std::chrono::milliseconds(0));
    write_ready(false);
  }
  if (!m_fatal && !m_interrupted) submit_due_canaries(true);
  if (m_pool) {
    m_pool->close();
    while ((!m_in_flight.empty() || !m_in_flight_canaries.empty()) && !m_interrupted &&
           !m_canary_failure) {
      m_interrupted = interrupt_requested();
      drain(std::chrono::milliseconds(100));
      write_ready(false);
    }
    m_pool_stats = m_pool->stats();
    m_pool.reset();  // on interruption this kills the checks still running
  }
  write_ready(true);
  m_progress.finish();
}

void ScoreRun::take(const tasks::InvalidLine& invalid) {
  Row row;
  row.line = invalid.line;
  row.name = invalid.name;
  row.verdict = Verdict::invalid;
  row.decided_by = DecidedBy::input;
  row.error = invalid.error;
  finish(m_next_seq++, std::move(row));
  if (m_settings.strict) m_strict_stop = true;
}

void ScoreRun::take(tasks::Candidate candidate) {
  int64_t seq = m_next_seq++;
  Row row = candidate_row(candidate);
  Assembly assembly = assemble(candidate, m_guard);
  if (assembly.early) {
    set_verdict(row, assembly.early->verdict, assembly.early->decided_by, assembly.early->reason);
    if (row.verdict == Verdict::invalid) {
      row.error = fmt::format("{}:{}: {}: {}", m_settings.input, row.line, assembly.early->field,
                              assembly.early->reason);
    }
    return finish(seq, std::move(row));
  }
  m_last_request.imports = assembly.request.imports;  // canaries follow the input's header
  m_last_request.header_rest = assembly.request.header_rest;
  row.cache_key = cache_key_for(candidate);
  if (m_settings.use_cache) {
    // A verdict cached without the constants a run asks for is checked again.
    auto hit = m_store.lookup_cache(*row.cache_key);
    if (hit && (!m_settings.used_constants || hit->used_constants_json)) {
      ++m_cache_hits;
      apply_cached(row, *hit);
      return finish(seq, std::move(row));
    }
  }
  if (auto same = m_key_in_flight.find(*row.cache_key); same != m_key_in_flight.end()) {
    m_waiting[*row.cache_key].push_back(Pending{seq, std::move(row)});
    return;
  }
  uint64_t id = static_cast<uint64_t>(seq);
  assembly.request.id = id;
  assembly.request.used_constants = m_settings.used_constants;
  m_key_in_flight[*row.cache_key] = id;
  m_in_flight.emplace(id, Pending{seq, std::move(row)});
  ++m_lean_checks;
  submit(std::move(assembly.request));
}

void ScoreRun::submit(lean_bridge::CheckRequest request) {
  if (!m_pool) m_pool = std::make_unique<lean_bridge::WorkerPool>(m_pool_options);
  m_pool->submit(std::move(request));
}

// Canaries go in at random points of the input, under the header of the latest real check, so
// they exercise the same workers; never through the cache.
void ScoreRun::submit_due_canaries(bool all) {
  while (m_next_canary < m_canaries.size() &&
         (all || m_canary_at[m_next_canary] < m_next_seq)) {
    const Canary& c = m_canaries[m_next_canary];
    lean_bridge::CheckRequest r;
    r.id = kCanaryBit | m_next_canary++;
    r.imports = m_last_request.imports;
    r.header_rest = m_last_request.header_rest;
    r.body = c.statement + c.proof;
    r.statement = c.statement;
    r.target = c.name;
    m_in_flight_canaries.insert(r.id);
    submit(std::move(r));
  }
}

void ScoreRun::on_canary(const lean_bridge::CheckResult& result) {
  m_in_flight_canaries.erase(result.id);
  const Canary& c = m_canaries[result.id & ~kCanaryBit];
  ++m_canaries_done;
  if (result.verdict == Verdict::pass) {
    m_canary_failure = fmt::format(
        "canary `{}` passed: Lean's answers, as read by this harness, accepted a false statement;"
        " the verdicts of this run cannot be trusted", c.name);
  } else if (result.verdict != Verdict::error) {
    ++m_canaries_refused;
  }
}

void ScoreRun::on_result(lean_bridge::CheckResult result) {
  if (result.id & kCanaryBit) return on_canary(result);
  auto it = m_in_flight.find(result.id);
  if (it == m_in_flight.end()) return;
  Pending pending = std::move(it->second);
  m_in_flight.erase(it);
  Row& row = pending.row;
  apply_result(row, result);
  std::string key = *row.cache_key;
  m_key_in_flight.erase(key);
  if (auto waiting = m_waiting.find(key); waiting != m_waiting.end()) {
    for (Pending& twin : waiting->second) {
      Row copy = row;
      copy.line = twin.row.line;
      copy.name = twin.row.name;
      copy.task = twin.row.task;
      copy.cached = true;  // answered by the identical check earlier in this run
      finish(twin.seq, std::move(copy));
    }
    m_waiting.erase(waiting);
  }
  if (!m_fatal) m_fatal = m_pool->fatal_error();
  finish(pending.seq, std::move(row));
}

void ScoreRun::drain(std::chrono::milliseconds wait) {
  if (!m_pool) return;
  bool drained = false;
  while (auto result = m_pool->next_result_for(wait, drained)) {
    on_result(std::move(*result));
    wait = std::chrono::milliseconds(0);
  }
}

void ScoreRun::finish(int64_t seq, Row row) {
  ++m_counts[static_cast<size_t>(row.verdict)];
  m_ready.emplace(seq, std::move(row));
}

void ScoreRun::write_ready(bool force_flush) {
  while (!m_ready.empty() && m_ready.begin()->first == m_written_seq) {
    Row& row = m_ready.begin()->second;
    m_out_lines.push_back(out_line(row));
    m_batch.push_back(attempt_record(m_run_id, row));
    m_ready.erase(m_ready.begin());
    ++m_written_seq;
  }
  auto now = std::chrono::steady_clock::now();
  if (force_flush || m_batch.size() >= kBatchRows || now - m_last_flush >= kFlushEvery) flush();
  m_progress.update(m_written_seq, m_counts, force_flush);
}

// The store first, then OUT: every OUT row is also in the store.
void ScoreRun::flush() {
  m_last_flush = std::chrono::steady_clock::now();
  if (m_batch.empty()) return;
  m_store.record(m_batch);
  m_batch.clear();
  for (const auto& line : m_out_lines) m_out << line << '\n';
  m_out.flush();
  m_out_lines.clear();
  if (!m_out) throw std::runtime_error(fmt::format("{}: write failed", m_settings.out));
}

std::string ScoreRun::summary_json() const {
  ojson counts = ojson::object();
  for (size_t i = 0; i < m_counts.size(); ++i) {
    counts[std::string(lean_bridge::to_string(static_cast<Verdict>(i)))] = m_counts[i];
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
  ojson out = {{"lines", m_written_seq},     {"verdicts", counts},
              {"cache_hits", m_cache_hits}, {"lean_checks", m_lean_checks},
              {"seconds", seconds},         {"lines_per_second", seconds > 0 ? m_written_seq / seconds : 0}};
  if (!m_canaries.empty()) {
    out["canaries"] = {{"mixed_in", m_canaries.size()}, {"checked", m_canaries_done},
                       {"refused", m_canaries_refused}};
  }
  if (m_pool_stats) {
    const auto& s = *m_pool_stats;
    out["workers"] = {{"started", s.starts}, {"recycled", s.recycles}, {"died", s.deaths},
                      {"timeouts", s.timeouts}, {"retries", s.retries}};
  }
  return out.dump();
}

void ScoreRun::print_summary() const {
  auto s = ojson::parse(summary_json());
  std::string counts;
  for (auto& [verdict, n] : s["verdicts"].items()) counts += fmt::format(" {} {},", verdict, n.get<int64_t>());
  if (!counts.empty()) counts.pop_back();
  fmt::print(stderr, "scored {} lines in {:.1f} s ({:.1f} lines/s):{}\n", s["lines"].get<int64_t>(),
             s["seconds"].get<double>(), s["lines_per_second"].get<double>(), counts);
  fmt::print(stderr, "cache hits {}, Lean checks {}", s["cache_hits"].get<int64_t>(),
             s["lean_checks"].get<int64_t>());
  if (s.contains("workers")) {
    auto& w = s["workers"];
    fmt::print(stderr, "; REPL processes started {}, recycled {}, died {}, timed out {}",
               w["started"].get<int>(), w["recycled"].get<int>(), w["died"].get<int>(),
               w["timeouts"].get<int>());
  }
  if (s.contains("canaries")) {
    auto& c = s["canaries"];
    fmt::print(stderr, "\ncanaries: {} mixed in, {} checked, {} refused by Lean",
               c["mixed_in"].get<int64_t>(), c["checked"].get<int64_t>(),
               c["refused"].get<int64_t>());
  }
  fmt::print(stderr, "\nOUT: {}\n", m_settings.out);
}

}  // namespace harness
