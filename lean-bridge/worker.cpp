#include "lean-bridge/worker.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <csignal>

#include <nlohmann/json.hpp>

#include "lean-bridge/closing_check.hpp"
#include "lean-bridge/repl_process.hpp"

namespace lean_bridge {
namespace {

using nlohmann::json;

std::string command_request(const std::string& text, std::optional<int64_t> env,
                            bool all_tactics) {
  json request = {{"cmd", text}};
  if (env) request["env"] = *env;
  if (all_tactics) request["allTactics"] = true;
  return request.dump(-1, ' ', false, json::error_handler_t::replace);
}

int64_t millis_since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

void shift_lines(std::vector<Message>& messages, int64_t offset) {
  if (offset == 0) return;
  for (Message& m : messages) {
    if (m.pos.has_value()) m.pos.value.line += offset;
    if (m.end_pos.has_value()) m.end_pos.value.line += offset;
  }
}

std::string describe_death(const WorkerDied& died) {
  std::string tail = died.stderr_tail;
  if (tail.size() > 600) tail = "..." + tail.substr(tail.size() - 600);
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == ' ')) tail.pop_back();
  return tail.empty() ? died.status : fmt::format("{}: {}", died.status, tail);
}

CheckResult judged(const CheckRequest& request, Verdict verdict, DecidedBy by, std::string why) {
  CheckResult r;
  r.id = request.id;
  r.verdict = verdict;
  r.decided_by = by;
  r.reason = std::move(why);
  return r;
}

}  // namespace

Worker::Worker(const WorkerOptions& options) : m_options(options) {
  signal(SIGPIPE, SIG_IGN);  // a dead REPL's stdin must give EPIPE, not end the harness
}
Worker::~Worker() = default;

void Worker::discard_process() {
  m_group = 0;
  if (m_process) m_process->kill();
  m_process.reset();
  m_imports.reset();
  m_header_envs.clear();
  m_header_failures.clear();
  m_reference_envs.clear();
  m_reference_failures.clear();
  m_next_env = 0;
  m_uses = 0;
  m_max_proof_state = -1;
  ++m_generation;
}

void Worker::stop() { discard_process(); }

std::optional<Outcome> Worker::ensure_process(const std::string& imports) {
  if (m_process && m_process->alive() && m_imports == imports) return std::nullopt;
  discard_process();
  ProcessSpec spec = m_options.process;
  if (m_options.launcher) {
    try {
      spec = m_options.launcher->prepare(m_options.process);
    } catch (const SpawnError& e) {
      return InfraFailure{fmt::format("cannot start the REPL: {}", e.what()), true, true};
    }
  }
  try {
    m_process = std::make_unique<ReplProcess>(spec);
  } catch (const SpawnError& e) {
    return InfraFailure{fmt::format("cannot start the REPL: {}", e.what()), true};
  }
  ++m_counters.starts;
  m_group = m_process->pid();
  m_ref_name = "harness_ref_" + random_nonce().substr(0, 16);
  auto deadline = Clock::now() + m_options.header_timeout;
  Reply reply = command(imports, std::nullopt, deadline);
  auto failure = [&](std::string why) -> std::optional<Outcome> {
    discard_process();
    return InfraFailure{std::move(why), true};
  };
  if (auto* died = std::get_if<WorkerDied>(&reply)) {
    ++m_counters.deaths;
    return failure("the REPL died while importing the header: " + describe_death(*died));
  }
  if (std::holds_alternative<TimedOut>(reply)) {
    return failure(fmt::format("the REPL did not finish importing the header within {} s",
                               m_options.header_timeout.count() / 1000));
  }
  if (auto* bad = std::get_if<ProtocolError>(&reply)) {
    return failure("unreadable answer to the imports: " + bad->problem);
  }
  auto* answer = std::get_if<CommandAnswer>(&std::get<Answer>(reply));
  if (answer == nullptr || !answer->env) return failure("the imports' answer names no environment");
  m_ever_started = true;
  m_imports = imports;
  m_import_env = *answer->env;
  if (auto error = judge_check(*answer); error && error->verdict == Verdict::fail) {
    m_header_failures[""] = "the header's imports failed: " + error->reason;
  }
  return std::nullopt;
}

Worker::EnvOrFailure Worker::header_env(const std::string& rest) {
  if (auto it = m_header_envs.find(rest); it != m_header_envs.end()) return {it->second, {}};
  if (rest.empty()) return {m_import_env, {}};
  auto deadline = Clock::now() + m_options.header_timeout;
  Reply reply = command(rest, m_import_env, deadline);
  if (auto* answer_variant = std::get_if<Answer>(&reply)) {
    if (auto* answer = std::get_if<CommandAnswer>(answer_variant); answer && answer->env) {
      if (auto error = judge_check(*answer); error && error->verdict == Verdict::fail) {
        m_header_failures[rest] = "the header failed to elaborate: " + error->reason;
      }
      m_header_envs[rest] = *answer->env;
      return {*answer->env, {}};
    }
  }
  std::string why = "the REPL gave no usable answer to the header";
  if (auto* died = std::get_if<WorkerDied>(&reply)) {
    ++m_counters.deaths;
    why = "the REPL died on the header: " + describe_death(*died);
  }
  if (std::holds_alternative<TimedOut>(reply)) why = "the header timed out";
  discard_process();
  return {std::nullopt, InfraFailure{why, false}};
}

Outcome Worker::check(const CheckRequest& request) {
  if (auto failure = ensure_process(request.imports)) return std::move(*failure);
  auto env = header_env(request.header_rest);
  if (env.failure) return std::move(*env.failure);
  for (const std::string& key : {std::string(), request.header_rest}) {
    if (auto it = m_header_failures.find(key); it != m_header_failures.end()) {
      return judged(request, Verdict::error, DecidedBy::worker, it->second);
    }
  }
  auto reference = reference_env(request, *env.env);
  if (reference.failure) return std::move(*reference.failure);
  ++m_uses;
  return run_proof(request, *reference.env);
}

Worker::EnvOrFailure Worker::reference_env(const CheckRequest& request, int64_t header_env) {
  if (request.statement.empty()) return {header_env, {}};
  std::string key = request.header_rest + '\x1f' + request.statement;
  if (auto it = m_reference_failures.find(key); it != m_reference_failures.end()) {
    return {std::nullopt, judged(request, Verdict::error, DecidedBy::worker, it->second)};
  }
  if (auto it = m_reference_envs.find(key); it != m_reference_envs.end()) return {it->second, {}};
  auto text = reference_declaration(request.statement, m_ref_name);
  if (!text) {
    return {std::nullopt, judged(request, Verdict::error, DecidedBy::statement,
                                 "the task's statement declares no name to check against")};
  }
  Reply reply = command(*text, header_env, Clock::now() + m_options.header_timeout);
  const CommandAnswer* answer = nullptr;
  if (auto* a = std::get_if<Answer>(&reply)) answer = std::get_if<CommandAnswer>(a);
  if (answer == nullptr || !answer->env) {
    discard_process();
    return {std::nullopt, InfraFailure{"no usable answer to the task's statement"}};
  }
  auto error = std::find_if(answer->messages.begin(), answer->messages.end(), is_error);
  if (error != answer->messages.end()) {
    m_reference_failures[key] = "the task's statement does not elaborate: " + error->data;
    return {std::nullopt, judged(request, Verdict::error, DecidedBy::statement,
                                 m_reference_failures[key])};
  }
  m_reference_envs[key] = *answer->env;
  return {*answer->env, {}};
}

Reply Worker::command(const std::string& text, std::optional<int64_t> env,
                      Clock::time_point deadline, bool all_tactics) {
  Reply reply = m_process->request(command_request(text, env, all_tactics), deadline);
  auto* answer = std::get_if<Answer>(&reply);
  auto* command = answer ? std::get_if<CommandAnswer>(answer) : nullptr;
  if (command == nullptr || !command->env) return reply;
  for (const Sorry& sorry : command->sorries) {
    if (sorry.proof_state) m_max_proof_state = std::max(m_max_proof_state, *sorry.proof_state);
  }
  if (*command->env != m_next_env) {
    return ProtocolError{fmt::format("env numbering: expected env {}, the answer says {}",
                                     m_next_env, *command->env),
                         ""};
  }
  ++m_next_env;
  return reply;
}

Outcome Worker::run_proof(const CheckRequest& request, int64_t env) {
  auto started = Clock::now();
  auto budget = request.budget.wall.value_or(m_options.proof_timeout);
  auto deadline = started + budget;
  Reply reply = command(request.body, env, deadline, request.used_constants);
  if (std::holds_alternative<TimedOut>(reply)) {
    ++m_counters.timeouts;
    discard_process();
    CheckResult r = judged(request, Verdict::timeout, DecidedBy::timeout,
                           fmt::format("no answer within {} ms", budget.count()));
    r.elapsed_ms = millis_since(started);
    return r;
  }
  if (auto* died = std::get_if<WorkerDied>(&reply)) {
    ++m_counters.deaths;
    discard_process();
    return InfraFailure{"the REPL died during the check: " + describe_death(*died)};
  }
  if (auto* bad = std::get_if<ProtocolError>(&reply)) {
    discard_process();
    return judged(request, Verdict::rejected, DecidedBy::nonce,
                  "an answer out of step with the requests: " + bad->problem);
  }
  const Answer& answer = std::get<Answer>(reply);
  if (auto* error = std::get_if<ReplError>(&answer)) {
    if (error->message == "Unknown environment.") {
      discard_process();
      return InfraFailure{"the REPL lost the header environment (Unknown environment.)"};
    }
    return judged(request, Verdict::fail, DecidedBy::lean, "REPL: " + error->message);
  }
  const auto* checked = std::get_if<CommandAnswer>(&answer);
  if (checked == nullptr) {
    discard_process();
    return judged(request, Verdict::rejected, DecidedBy::nonce,
                  "the REPL's answer does not match a command request");
  }
  CheckResult result = judged(request, Verdict::error, DecidedBy::worker, "");
  result.messages = checked->messages;
  if (request.used_constants) result.used_constants = used_constants(*checked);
  shift_lines(result.messages, request.line_offset);
  auto judgement = judge_check(*checked);
  if (judgement) {
    result.verdict = judgement->verdict;
    result.decided_by = judgement->decided_by;
    result.reason = judgement->reason;
  }
  int64_t after = checked->env.value_or(env);
  return close_check(request, after, std::move(result), !judgement, started, deadline);
}

// One request after the candidate's answer: axioms, statement identity and the nonce when the
// check was clean, the nonce alone otherwise (a candidate that failed must still not leave the
// stream out of step for the next proof).
Outcome Worker::close_check(const CheckRequest& request, int64_t env, CheckResult result,
                            bool clean, Clock::time_point started, Clock::time_point deadline) {
  std::string nonce = random_nonce();
  ClosingRequest closing =
      closing_request(clean ? request.target : "",
                      request.statement.empty() ? "" : m_ref_name, nonce);
  Reply reply = command(closing.text, env, deadline);
  result.elapsed_ms = millis_since(started);
  auto reject = [&](DecidedBy by, std::string why) -> Outcome {
    discard_process();  // the stream may be out of step with the requests: start afresh
    result.verdict = Verdict::rejected;
    result.decided_by = by;
    result.reason = std::move(why);
    result.axioms.reset();
    return result;
  };
  if (std::holds_alternative<TimedOut>(reply)) {
    ++m_counters.timeouts;
    discard_process();
    result.verdict = Verdict::timeout;
    result.decided_by = DecidedBy::timeout;
    result.reason = "no answer to the closing request within the proof's time";
    return result;
  }
  if (auto* died = std::get_if<WorkerDied>(&reply)) {
    ++m_counters.deaths;
    discard_process();
    return InfraFailure{"the REPL died after the check: " + describe_death(*died)};
  }
  if (auto* bad = std::get_if<ProtocolError>(&reply)) return reject(DecidedBy::nonce, bad->problem);
  const auto* answer = std::get_if<CommandAnswer>(&std::get<Answer>(reply));
  if (answer == nullptr) return reject(DecidedBy::nonce, "the closing answer is not a command's");
  ClosingAnswer closed = read_closing(*answer, closing, request.target, nonce);
  if (!closed.nonce_problem.empty()) return reject(DecidedBy::nonce, closed.nonce_problem);
  if (!clean) return result;
  if (!closed.axioms.axioms) return reject(DecidedBy::axioms, closed.axioms.problem);
  Judgement judgement = judge_axioms(*closed.axioms.axioms);
  result.verdict = judgement.verdict;
  result.decided_by = judgement.decided_by;
  result.reason = judgement.reason;
  result.axioms = std::move(closed.axioms.axioms);
  if (result.verdict == Verdict::pass && !closed.statement_problem.empty()) {
    result.verdict = Verdict::rejected;
    result.decided_by = DecidedBy::statement;
    result.reason = closed.statement_problem;
  }
  if (result.verdict == Verdict::pass && m_options.kernel_replay) {
    Judgement replay = replay_through_kernel(*m_options.kernel_replay, request);
    result.verdict = replay.verdict;
    result.decided_by = replay.decided_by;
    result.reason = replay.reason;
    result.elapsed_ms = millis_since(started);
  }
  return result;
}

void Worker::recycle_if_due() {
  if (!m_process) return;
  bool due = m_options.recycle_after > 0 && m_uses >= m_options.recycle_after;
  auto now = Clock::now();
  if (!due && m_options.max_rss_bytes > 0 && now - m_last_rss_check > std::chrono::seconds(1)) {
    m_last_rss_check = now;
    due = m_process->rss_bytes() > m_options.max_rss_bytes;
  }
  if (due) {
    ++m_counters.recycles;
    discard_process();
  }
}

}  // namespace lean_bridge
