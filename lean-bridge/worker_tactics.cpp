// Tactic mode of the Worker (see worker.hpp): opening a proof on a task's statement and
// running tactics on its proof states, for proof search.
#include <fmt/format.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "lean-bridge/worker.hpp"

namespace lean_bridge {
namespace {

std::string tactic_request(const std::string& tactic, int64_t state) {
  nlohmann::json request = {{"tactic", tactic}, {"proofState", state}};
  return request.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string first_error(const std::vector<Message>& messages) {
  auto it = std::find_if(messages.begin(), messages.end(), is_error);
  return it == messages.end() ? std::string() : it->data;
}

CheckResult unusable(std::string why) {
  CheckResult r;
  r.verdict = Verdict::error;
  r.decided_by = DecidedBy::statement;
  r.reason = std::move(why);
  return r;
}

}  // namespace

OpenOutcome Worker::open_proof(const ProofStart& start, std::chrono::milliseconds timeout) {
  if (auto failure = ensure_process(start.imports)) {
    if (auto* infra = std::get_if<InfraFailure>(&*failure)) return *infra;
    return std::get<CheckResult>(*failure);
  }
  auto env = header_env(start.header_rest);
  if (env.failure) {
    if (auto* infra = std::get_if<InfraFailure>(&*env.failure)) return *infra;
    return std::get<CheckResult>(*env.failure);
  }
  if (auto failed = header_failure(start.header_rest)) {
    CheckResult r = unusable(*failed);
    r.decided_by = DecidedBy::worker;
    return r;
  }
  auto base = layer_env(start.header_rest, start.library, *env.env, 0);
  if (base.failure) {
    if (auto* infra = std::get_if<InfraFailure>(&*base.failure)) return *infra;
    return std::get<CheckResult>(*base.failure);
  }
  std::string text = start.statement;
  if (!text.empty() && text.back() != '\n') text += '\n';
  text += "  sorry\n";
  ++m_uses;
  Reply reply = command(text, *base.env, Clock::now() + timeout);
  if (std::holds_alternative<TimedOut>(reply)) {
    ++m_counters.timeouts;
    discard_process();
    return unusable(fmt::format("the statement did not elaborate within {} ms", timeout.count()));
  }
  if (auto* died = std::get_if<WorkerDied>(&reply)) {
    ++m_counters.deaths;
    discard_process();
    return InfraFailure{"the REPL died on the statement: " + died->status};
  }
  if (auto* bad = std::get_if<ProtocolError>(&reply)) {
    discard_process();
    return InfraFailure{"an answer out of step with the requests: " + bad->problem};
  }
  const auto* answer = std::get_if<CommandAnswer>(&std::get<Answer>(reply));
  if (answer == nullptr) {
    discard_process();
    return InfraFailure{"the answer to the statement is not a command's"};
  }
  if (std::string error = first_error(answer->messages); !error.empty()) {
    return unusable("the task's statement does not elaborate: " + error);
  }
  if (answer->sorries.size() != 1 || !answer->sorries[0].proof_state) {
    return unusable(fmt::format("expected one proof state for the statement, Lean opened {}",
                                answer->sorries.size()));
  }
  ProofState root;
  root.id = *answer->sorries[0].proof_state;
  root.generation = m_generation;
  root.goals.push_back(answer->sorries[0].goal.value_or(""));
  return root;
}

TacticOutcome Worker::run_tactic(const ProofState& state, const std::string& tactic,
                                 std::chrono::milliseconds timeout) {
  TacticStep step;
  if (!m_process || !m_process->alive() || state.generation != m_generation) {
    return InfraFailure{"the proof state belongs to a REPL process that is gone"};
  }
  Reply reply = m_process->request(tactic_request(tactic, state.id), Clock::now() + timeout);
  if (std::holds_alternative<TimedOut>(reply)) {
    ++m_counters.timeouts;
    discard_process();
    step.status = TacticStep::Status::timeout;
    step.reason = fmt::format("no answer within {} ms", timeout.count());
    return step;
  }
  if (auto* died = std::get_if<WorkerDied>(&reply)) {
    ++m_counters.deaths;
    discard_process();
    return InfraFailure{"the REPL died on a tactic: " + died->status};
  }
  if (auto* bad = std::get_if<ProtocolError>(&reply)) {
    discard_process();
    return InfraFailure{"an answer out of step with the requests: " + bad->problem};
  }
  const Answer& answer = std::get<Answer>(reply);
  if (auto* error = std::get_if<ReplError>(&answer)) {
    if (error->message == "Unknown proof state.") {
      discard_process();
      return InfraFailure{"the REPL lost a proof state (Unknown proof state.)"};
    }
    step.reason = error->message;  // the tactic failed; the REPL allocated no state
    return step;
  }
  const auto* tactic_answer = std::get_if<TacticAnswer>(&answer);
  if (tactic_answer == nullptr || !tactic_answer->proof_state) {
    discard_process();
    return InfraFailure{"the answer to a tactic is not a tactic answer"};
  }
  // Every state the answer names must be new to this process: a stale or forged frame is
  // taken for what it is and the process replaced.
  int64_t lowest = *tactic_answer->proof_state;
  for (const Sorry& sorry : tactic_answer->sorries) {
    if (sorry.proof_state) lowest = std::min(lowest, *sorry.proof_state);
  }
  if (lowest <= m_max_proof_state) {
    discard_process();
    return InfraFailure{fmt::format("proof-state numbering: expected a state above {}, got {}",
                                    m_max_proof_state, lowest)};
  }
  m_max_proof_state = *tactic_answer->proof_state;
  for (const Sorry& sorry : tactic_answer->sorries) {
    if (sorry.proof_state) m_max_proof_state = std::max(m_max_proof_state, *sorry.proof_state);
  }
  step.state.id = *tactic_answer->proof_state;
  step.state.generation = m_generation;
  step.state.goals = tactic_answer->goals;
  const std::string& status = tactic_answer->proof_status;
  if (std::string error = first_error(tactic_answer->messages); !error.empty()) {
    step.reason = error;
  } else if (!tactic_answer->sorries.empty()) {
    step.reason = "the tactic leaves a sorry";
  } else if (status == "Completed" && tactic_answer->goals.empty()) {
    step.status = TacticStep::Status::completed;
  } else if (status.starts_with("Incomplete: open goals remain") &&
             !tactic_answer->goals.empty()) {
    step.status = TacticStep::Status::progress;
  } else {
    step.reason = status.empty() ? "the tactic answer has no proof status" : status;
  }
  return step;
}

}  // namespace lean_bridge
