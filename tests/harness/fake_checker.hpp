#pragma once
// An in-process stand-in for Lean behind the Checker seam (lean-bridge/checker.hpp), for unit
// tests of the pipeline. A FakeLean outlives the pipelines under test and sees everything their
// checkers are asked; each checker a pipeline makes forwards to it. Answers come from a
// function of the request, at once or held until the test releases them in the order it wants.
#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lean-bridge/checker.hpp"

namespace harness_test {

struct FakeLean {
  using Answer = std::function<lean_bridge::CheckResult(const lean_bridge::CheckRequest&)>;

  // Default: every check passes (decided by Lean).
  Answer answer = [](const lean_bridge::CheckRequest& r) {
    lean_bridge::CheckResult result;
    result.id = r.id;
    result.verdict = lean_bridge::Verdict::pass;
    result.decided_by = lean_bridge::DecidedBy::lean;
    result.axioms = std::vector<std::string>{};
    result.tries = 1;
    return result;
  };
  bool hold = false;  // keep answers until release()
  std::optional<std::string> fatal;
  std::vector<lean_bridge::CheckRequest> submitted;
  std::vector<uint64_t> cancelled;
  int checkers_made = 0;
  std::map<uint64_t, lean_bridge::CheckResult> held;
  std::deque<lean_bridge::CheckResult> answered;
  bool closed = false;

  void release(uint64_t id) {
    auto it = held.find(id);
    if (it == held.end()) throw std::logic_error("no held answer for that id");
    answered.push_back(std::move(it->second));
    held.erase(it);
  }
  // Ids of the checks submitted so far, in order.
  std::vector<uint64_t> ids() const {
    std::vector<uint64_t> out;
    for (const auto& r : submitted) out.push_back(r.id);
    return out;
  }
};

class FakeChecker final : public lean_bridge::Checker {
 public:
  explicit FakeChecker(FakeLean& lean) : m_lean(lean) { ++m_lean.checkers_made; }
  void submit(lean_bridge::CheckRequest request) override {
    m_lean.submitted.push_back(request);
    auto result = m_lean.answer(request);
    if (m_lean.fatal) {
      result.verdict = lean_bridge::Verdict::error;
      result.decided_by = lean_bridge::DecidedBy::worker;
      result.reason = *m_lean.fatal;
      result.tries = 0;
    }
    if (m_lean.hold) {
      m_lean.held.emplace(request.id, std::move(result));
    } else {
      m_lean.answered.push_back(std::move(result));
    }
  }
  bool cancel(uint64_t id) override {
    m_lean.cancelled.push_back(id);
    return m_lean.held.erase(id) > 0;
  }
  void close() override { m_lean.closed = true; }
  std::optional<lean_bridge::CheckResult> next_result_for(std::chrono::milliseconds,
                                                          bool& drained) override {
    drained = m_lean.closed && m_lean.answered.empty() && m_lean.held.empty();
    if (m_lean.answered.empty()) return std::nullopt;
    auto result = std::move(m_lean.answered.front());
    m_lean.answered.pop_front();
    return result;
  }
  std::optional<std::string> fatal_error() const override { return m_lean.fatal; }
  lean_bridge::PoolStats stats() const override { return {}; }

 private:
  FakeLean& m_lean;
};

// The factory a pipeline takes.
inline std::function<std::unique_ptr<lean_bridge::Checker>()> checker_of(FakeLean& lean) {
  return [&lean] { return std::make_unique<FakeChecker>(lean); };
}

}  // namespace harness_test
