#include "lean-bridge/checker.hpp"

#include <variant>

namespace lean_bridge {

size_t Checker::take_results(std::vector<CheckResult>& out, std::chrono::milliseconds wait,
                             bool& drained) {
  size_t taken = 0;
  while (auto result = next_result_for(wait, drained)) {
    out.push_back(std::move(*result));
    ++taken;
    wait = std::chrono::milliseconds(0);
  }
  return taken;
}

void WorkerChecker::submit(CheckRequest request) {
  Outcome outcome = m_worker.check(request);
  if (auto* result = std::get_if<CheckResult>(&outcome)) {
    result->tries = 1;
    m_results.push_back(std::move(*result));
    return;
  }
  CheckResult failed;
  failed.id = request.id;
  failed.verdict = Verdict::error;
  failed.decided_by = DecidedBy::worker;
  failed.reason = std::get<InfraFailure>(outcome).reason;
  failed.tries = 1;
  m_results.push_back(std::move(failed));
}

std::optional<CheckResult> WorkerChecker::next_result_for(std::chrono::milliseconds,
                                                          bool& drained) {
  drained = m_results.empty() && m_closed;
  if (m_results.empty()) return std::nullopt;
  CheckResult result = std::move(m_results.front());
  m_results.pop_front();
  return result;
}

PoolStats WorkerChecker::stats() const {
  PoolStats out;
  static_cast<WorkerCounters&>(out) = m_worker.counters();
  return out;
}

}  // namespace lean_bridge
