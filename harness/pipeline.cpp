#include "harness/pipeline.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "harness/assembly.hpp"
#include "harness/interrupt.hpp"
#include "store/cache_key.hpp"

namespace harness {
namespace {

using lean_bridge::DecidedBy;
using lean_bridge::Verdict;

// Check ids of unrowed checks; rowed checks use their sequence number.
constexpr uint64_t kUnrowedBit = uint64_t{1} << 63;

// `twin`'s row answered by `answered`'s verdict: the same text under the same key.
Row answered_like(const Row& answered, Row twin) {
  twin.verdict = answered.verdict;
  twin.decided_by = answered.decided_by;
  twin.reason = answered.reason;
  twin.elapsed_ms = answered.elapsed_ms;
  twin.axioms_json = answered.axioms_json;
  twin.messages_json = answered.messages_json;
  twin.used_constants_json = answered.used_constants_json;
  twin.cached = true;
  return twin;
}

bool infrastructure_error(const lean_bridge::CheckResult& result) {
  return result.verdict == Verdict::error && result.decided_by == DecidedBy::worker;
}

}  // namespace

Pipeline::Pipeline(const lean_bridge::Guard& guard, VerdictCache* cache,
                   CheckerFactory make_checker, PipelineOptions options)
    : m_guard(guard),
      m_cache(cache),
      m_make_checker(std::move(make_checker)),
      m_options(std::move(options)) {}

Pipeline::~Pipeline() = default;

void Pipeline::finish(uint64_t seq, Row row) {
  row.seq = seq;
  m_ready.emplace(seq, std::move(row));
}

uint64_t Pipeline::add_row(Row row) {
  uint64_t seq = m_next_seq++;
  finish(seq, std::move(row));
  return seq;
}

Pipeline::Prepared Pipeline::prepare(const tasks::Candidate& candidate,
                                     const AddOptions& options) const {
  Prepared p;
  p.row = candidate_row(candidate);
  p.assembly = assemble(candidate, m_guard, m_options.identity.heartbeats);
  const auto& library = options.library ? options.library : m_options.library;
  if (library) apply_library(*library, candidate, p.assembly);
  if (!p.assembly.early) {
    p.key = verification_key(m_options.identity, candidate, p.assembly.request.library.version);
  }
  p.options = options;
  return p;
}

uint64_t Pipeline::add(Prepared prepared) {
  uint64_t seq = m_next_seq++;
  Row& row = prepared.row;
  Assembly& assembly = prepared.assembly;
  const AddOptions& add = prepared.options;
  if (assembly.early) {
    ++m_stats.decided_early;
    set_verdict(row, assembly.early->verdict, assembly.early->decided_by, assembly.early->reason);
    if (row.verdict == Verdict::invalid) {
      row.error = fmt::format("{}:{}: {}: {}", m_options.input, row.line, assembly.early->field,
                              assembly.early->reason);
    }
    finish(seq, std::move(row));
    return seq;
  }
  const std::string& key = prepared.key;
  row.cache_key = key;
  if (auto same = m_key_in_flight.find(key); same != m_key_in_flight.end()) {
    ++m_stats.duplicates;
    m_twins[key].push_back(Waiting{seq, std::move(row)});
    return seq;
  }
  if (auto decided = add.use_cache ? m_decided.find(key) : m_decided.end();
      decided != m_decided.end()) {
    ++m_stats.duplicates;
    finish(seq, answered_like(decided->second, std::move(row)));
    return seq;
  }
  if (m_options.use_cache && add.use_cache && m_cache != nullptr) {
    // A verdict cached without the constants this run asks for is checked again.
    auto hit = m_cache->lookup(key);
    if (hit && (!m_options.used_constants || hit->used_constants_json)) {
      ++m_stats.cache_hits;
      apply_cached(row, *hit);
      finish(seq, std::move(row));
      return seq;
    }
  }
  assembly.request.id = seq;
  assembly.request.used_constants = m_options.used_constants;
  assembly.request.priority = m_options.priority;
  if (add.wall) assembly.request.budget.wall = *add.wall;
  m_key_in_flight[key] = seq;
  m_in_flight.emplace(seq, Waiting{seq, std::move(row)});
  m_last_request.imports = assembly.request.imports;
  m_last_request.header_rest = assembly.request.header_rest;
  submit(std::move(assembly.request));
  return seq;
}

void Pipeline::add_unrowed(lean_bridge::CheckRequest request, CheckDone done) {
  request.id = kUnrowedBit | m_next_unrowed++;
  request.priority = m_options.priority;
  m_unrowed.emplace(request.id, std::move(done));
  submit(std::move(request));
}

void Pipeline::submit(lean_bridge::CheckRequest request) {
  if (!m_checker) {
    m_checker = m_make_checker();
    if (m_on_results) m_checker->on_result(m_on_results);
  }
  m_checker->submit(std::move(request));
}

bool Pipeline::cancel(uint64_t seq) {
  if (m_options.ordered) return false;  // a hole would hold back every later row
  for (auto group = m_twins.begin(); group != m_twins.end(); ++group) {
    auto& twins = group->second;
    auto it = std::find_if(twins.begin(), twins.end(), [&](const Waiting& w) { return w.seq == seq; });
    if (it == twins.end()) continue;
    twins.erase(it);
    if (twins.empty()) m_twins.erase(group);
    ++m_returned;
    return true;
  }
  auto it = m_in_flight.find(seq);
  if (it == m_in_flight.end() || !m_checker) return false;
  const std::string key = *it->second.row.cache_key;
  if (m_twins.count(key) > 0) return false;  // an identical addition waits for its answer
  if (!m_checker->cancel(seq)) return false;  // already at Lean: its answer will come
  m_in_flight.erase(it);
  m_key_in_flight.erase(key);
  ++m_returned;
  return true;
}

void Pipeline::on_result(lean_bridge::CheckResult result) {
  if (!m_fatal && m_checker) m_fatal = m_checker->fatal_error();
  if (infrastructure_error(result)) {
    ++m_stats.infra_errors;
  } else {
    ++m_stats.lean_checks;
  }
  if (result.id & kUnrowedBit) {
    auto it = m_unrowed.find(result.id);
    if (it == m_unrowed.end()) return;
    CheckDone done = std::move(it->second);
    m_unrowed.erase(it);
    done(result);
    return;
  }
  auto it = m_in_flight.find(result.id);
  if (it == m_in_flight.end()) return;
  Waiting answered = std::move(it->second);
  m_in_flight.erase(it);
  apply_result(answered.row, result);
  const std::string key = *answered.row.cache_key;
  m_key_in_flight.erase(key);
  if (auto twins = m_twins.find(key); twins != m_twins.end()) {
    for (Waiting& twin : twins->second) finish(twin.seq, answered_like(answered.row, std::move(twin.row)));
    m_twins.erase(twins);
  }
  if (store::is_cacheable(lean_bridge::to_string(answered.row.verdict))) {
    // What answered_like gives an identical addition, and the seq forget_decided_before reads.
    Row memo;
    memo.seq = answered.seq;
    memo.verdict = answered.row.verdict;
    memo.decided_by = answered.row.decided_by;
    memo.reason = answered.row.reason;
    memo.elapsed_ms = answered.row.elapsed_ms;
    memo.axioms_json = answered.row.axioms_json;
    memo.messages_json = answered.row.messages_json;
    memo.used_constants_json = answered.row.used_constants_json;
    m_decided.emplace(key, std::move(memo));
  }
  finish(answered.seq, std::move(answered.row));
}

std::vector<Row> Pipeline::take_ready(std::chrono::milliseconds wait) {
  if (m_checker && !m_stopped && (!m_in_flight.empty() || !m_unrowed.empty())) {
    // Every answer that has arrived, in one hand-off.
    bool drained = false;
    m_results.clear();
    m_checker->take_results(m_results, wait, drained);
    for (lean_bridge::CheckResult& result : m_results) on_result(std::move(result));
    m_results.clear();
  }
  std::vector<Row> rows;
  while (!m_ready.empty() && (!m_options.ordered || m_ready.begin()->first == m_returned)) {
    rows.push_back(std::move(m_ready.begin()->second));
    m_ready.erase(m_ready.begin());
    ++m_returned;
  }
  return rows;
}

size_t Pipeline::pending() const {
  return static_cast<size_t>(m_next_seq - m_returned) + m_unrowed.size();
}

void Pipeline::close() {
  if (m_checker) m_checker->close();
}

void Pipeline::forget_decided() { m_decided.clear(); }

void Pipeline::forget_decided_before(uint64_t seq) {
  std::erase_if(m_decided, [seq](const auto& entry) { return entry.second.seq < seq; });
}

void Pipeline::stop() {
  m_stopped = true;
  if (m_checker) {
    m_stopped_stats = m_checker->stats();
    if (!m_fatal) m_fatal = m_checker->fatal_error();
  }
  m_checker.reset();  // a pool kills the checks still running
}

std::optional<std::string> Pipeline::fatal_error() const {
  if (m_fatal) return m_fatal;
  return m_checker ? m_checker->fatal_error() : std::nullopt;
}

std::optional<lean_bridge::PoolStats> Pipeline::checker_stats() const {
  if (!m_checker) return m_stopped_stats;
  return m_checker->stats();
}

lean_bridge::ResidentMemory Pipeline::checker_memory() const {
  return m_checker ? m_checker->resident_memory() : lean_bridge::ResidentMemory{};
}

std::optional<std::vector<Row>> check_batch(Pipeline& pipeline,
                                            const std::vector<tasks::Candidate>& candidates) {
  for (const auto& candidate : candidates) pipeline.add(candidate);
  std::vector<Row> rows;
  rows.reserve(candidates.size());
  while (rows.size() < candidates.size()) {
    if (interrupt_requested()) {
      pipeline.stop();
      return std::nullopt;
    }
    for (Row& row : pipeline.take_ready(std::chrono::milliseconds(100))) {
      rows.push_back(std::move(row));
    }
  }
  pipeline.forget_decided();
  return rows;
}

}  // namespace harness
