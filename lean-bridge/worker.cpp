#include "lean-bridge/worker.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <csignal>

#include "common/json_text.hpp"
#include "lean-bridge/closing_check.hpp"
#include "lean-bridge/repl_process.hpp"

namespace lean_bridge {
namespace {

// {"allTactics":true,"cmd":TEXT,"env":N,"infotree":"substantive"}: the keys in nlohmann's order,
// written directly (a proof's text is the bulk of it, escaped once).
std::string command_request(const std::string& text, std::optional<int64_t> env,
                            bool all_tactics, bool infotree) {
  std::string out;
  out.reserve(text.size() + 64);
  out += all_tactics ? "{\"allTactics\":true,\"cmd\":" : "{\"cmd\":";
  common::append_json_string(out, text);
  if (env) {
    out += ",\"env\":";
    out += std::to_string(*env);
  }
  if (infotree) out += ",\"infotree\":\"substantive\"";
  out += '}';
  return out;
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

// The answer to an import command, read: the env it made, or why there is none.
struct ImportAnswer {
  std::optional<int64_t> env;
  std::optional<std::string> lean_error;  // the imports' error, when Lean answered with one
  std::string problem;                    // no env: what went wrong
  bool died = false;
};

ImportAnswer read_import_answer(const Reply& reply, std::chrono::milliseconds timeout) {
  ImportAnswer out;
  if (auto* died = std::get_if<WorkerDied>(&reply)) {
    out.died = true;
    out.problem = "the REPL died while importing the header: " + describe_death(*died);
  } else if (std::holds_alternative<TimedOut>(reply)) {
    out.problem = fmt::format("the REPL did not finish importing the header within {} s",
                              timeout.count() / 1000);
  } else if (auto* bad = std::get_if<ProtocolError>(&reply)) {
    out.problem = "unreadable answer to the imports: " + bad->problem;
  } else {
    auto* answer = std::get_if<CommandAnswer>(&std::get<Answer>(reply));
    if (answer == nullptr || !answer->env) {
      out.problem = "the imports' answer names no environment";
    } else {
      out.env = *answer->env;
      if (auto error = judge_check(*answer); error && error->verdict == Verdict::fail) {
        out.lean_error = "the header's imports failed: " + error->reason;
      }
    }
  }
  return out;
}

// Why Lean's answer to a library layer makes it unusable, if it does: its first error, or a
// sorry (in the sorries, or the warning Lean gives a declaration that uses one). A layer is
// proved or it is not used: a lemma proved with sorry would let every proof using it pass its
// own checks while sorryAx hides behind the lemma's name.
std::optional<std::string> layer_problem(const CommandAnswer& answer) {
  auto error = std::find_if(answer.messages.begin(), answer.messages.end(), is_error);
  if (error != answer.messages.end()) return error->data;
  for (const Message& m : answer.messages) {
    if (m.data.find("declaration uses") != std::string::npos &&
        m.data.find("sorry") != std::string::npos) {
      return m.data;
    }
  }
  if (!answer.sorries.empty()) return fmt::format("{} sorry in the layer", answer.sorries.size());
  return std::nullopt;
}

}  // namespace

StartOutcome start_repl(const WorkerOptions& options, const std::string& imports,
                        WorkerCounters& counters, std::atomic<pid_t>* group) {
  auto began = Clock::now();
  ProcessSpec spec = options.process;
  if (options.launcher) {
    try {
      spec = options.launcher->prepare(options.process);
    } catch (const SpawnError& e) {
      return InfraFailure{fmt::format("cannot start the REPL: {}", e.what()), true, true};
    }
  }
  StartedRepl repl;
  try {
    repl.process = std::make_unique<ReplProcess>(spec);
  } catch (const SpawnError& e) {
    return InfraFailure{fmt::format("cannot start the REPL: {}", e.what()), true};
  }
  ++counters.starts;
  ++counters.imports;
  if (group != nullptr) *group = repl.process->pid();
  repl.imports = imports;
  repl.ref_name = "harness_ref_" + random_nonce().substr(0, 16);
  Reply reply = repl.process->request(command_request(imports, std::nullopt, false, false),
                                      Clock::now() + options.header_timeout);
  ImportAnswer answer = read_import_answer(reply, options.header_timeout);
  if (answer.env && *answer.env != 0) {
    answer.env.reset();
    answer.problem = "env numbering: the first answer of a process is not env 0";
  }
  if (!answer.env) {
    if (answer.died) ++counters.deaths;
    repl.process->kill();
    if (group != nullptr) *group = 0;
    return InfraFailure{answer.problem, true};
  }
  repl.import_env = *answer.env;
  repl.import_failure = answer.lean_error;
  repl.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - began);
  return repl;
}

Worker::Worker(const WorkerOptions& options) : m_options(options) {
  signal(SIGPIPE, SIG_IGN);  // a dead REPL's stdin must give EPIPE, not end the harness
}
Worker::~Worker() = default;

std::optional<std::string> Worker::imports() const {
  if (!m_process || m_sets.empty()) return std::nullopt;
  return m_current;
}

void Worker::discard_process() {
  if (m_replacement_wanted && m_source != nullptr) m_source->want(m_current, false);
  m_replacement_wanted = false;
  m_group = 0;
  if (m_process) m_process->kill();
  m_process.reset();
  m_sets.clear();
  m_current.clear();
  m_next_env = 0;
  m_uses = 0;
  m_header_envs = 0;
  m_max_proof_state = -1;
  m_rss_over = false;
  m_ahead_sent.reset();  // its commands went with the process: it is checked afresh
  ++m_generation;
}

void Worker::stop() { discard_process(); }

void Worker::adopt(StartedRepl repl) {
  discard_process();
  m_process = std::move(repl.process);
  m_group = m_process->pid();
  m_ref_name = std::move(repl.ref_name);
  m_next_env = repl.import_env + 1;
  ImportSet& set = m_sets[repl.imports];
  set.env = repl.import_env;
  set.failure = std::move(repl.import_failure);
  set.last_use = ++m_use_clock;
  m_current = repl.imports;
  m_ever_started = true;
}

std::optional<Outcome> Worker::ensure_process(const std::string& imports) {
  if (m_process && !m_process->alive()) discard_process();
  if (m_process) {
    if (auto it = m_sets.find(imports); it != m_sets.end()) {
      it->second.last_use = ++m_use_clock;
      m_current = imports;
      return std::nullopt;
    }
  }
  auto began = Clock::now();
  bool first = !m_ever_started;
  auto result = obtain_process(imports);
  if (!first) m_counters.import_wait_ms += millis_since(began);
  return result;
}

bool Worker::take_spare(const std::string& imports, bool wait, bool replacement) {
  if (m_source == nullptr) return false;
  auto warm = m_source->take(imports, wait);
  if (!warm) return false;
  ++m_counters.spares_taken;
  if (replacement) m_source->note_replacement(std::nullopt);
  adopt(std::move(*warm));
  return true;
}

std::optional<Outcome> Worker::obtain_process(const std::string& imports) {
  bool replacement = m_ever_started;
  if (m_process) {
    // A spare already holding them costs no wait; the sets this process holds go with it.
    if (take_spare(imports, false, true)) return std::nullopt;
    if (static_cast<int>(m_sets.size()) < std::max(1, m_options.import_sets)) {
      return import_in_process(imports);
    }
    discard_process();  // full: the REPL cannot free an environment to make room
  }
  // A first start does not wait for a spare still importing: it would only delay the spare
  // that is to be ready for the first replacement.
  if (take_spare(imports, replacement, replacement)) return std::nullopt;
  StartOutcome started = start_repl(m_options, imports, m_counters, &m_group);
  if (auto* failure = std::get_if<InfraFailure>(&started)) return *failure;
  auto& repl = std::get<StartedRepl>(started);
  m_counters.import_ms += repl.took.count();
  if (m_source != nullptr && replacement) m_source->note_replacement(repl.took);
  adopt(std::move(repl));
  return std::nullopt;
}

// One more import set in the running process: a command without env starts a fresh
// environment with its own imports.
std::vector<std::string> Worker::held() const {
  std::vector<std::string> out;
  if (!m_process) return out;
  for (const auto& [imports, _] : m_sets) out.push_back(imports);
  return out;
}

std::optional<Outcome> Worker::import_in_process(const std::string& imports) {
  ++m_counters.imports;
  auto began = Clock::now();
  struct Timed {
    WorkerCounters& counters;
    Clock::time_point began;
    ~Timed() { counters.import_ms += millis_since(began); }
  } timed{m_counters, began};
  Reply reply = command(imports, std::nullopt, Clock::now() + m_options.header_timeout);
  ImportAnswer answer = read_import_answer(reply, m_options.header_timeout);
  if (!answer.env) {
    if (answer.died) ++m_counters.deaths;
    discard_process();
    return InfraFailure{answer.problem, true};
  }
  ImportSet& set = m_sets[imports];
  set.env = *answer.env;
  set.failure = answer.lean_error;
  set.last_use = ++m_use_clock;
  m_current = imports;
  return std::nullopt;
}

Worker::EnvOrFailure Worker::header_env(const std::string& rest) {
  ImportSet& set = m_sets.at(m_current);
  if (auto it = set.header_envs.find(rest); it != set.header_envs.end()) return {it->second, {}};
  if (rest.empty()) return {set.env, {}};
  auto deadline = Clock::now() + m_options.header_timeout;
  Reply reply = command(rest, set.env, deadline);
  if (auto* answer_variant = std::get_if<Answer>(&reply)) {
    if (auto* answer = std::get_if<CommandAnswer>(answer_variant); answer && answer->env) {
      if (auto error = judge_check(*answer); error && error->verdict == Verdict::fail) {
        set.header_failures[rest] = "the header failed to elaborate: " + error->reason;
      }
      set.header_envs[rest] = *answer->env;
      ++m_header_envs;
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

std::optional<std::string> Worker::header_failure(const std::string& rest) const {
  const ImportSet& set = m_sets.at(m_current);
  if (set.failure) return set.failure;
  if (auto it = set.header_failures.find(rest); it != set.header_failures.end()) return it->second;
  return std::nullopt;
}

std::optional<CheckRequest> Worker::take_ahead() {
  std::optional<CheckRequest> out = std::move(m_ahead);
  m_ahead.reset();
  return out;
}

Outcome Worker::check(const CheckRequest& request, const NextRequest& next) {
  // Answers of another request in the stream: the process cannot be trusted to be in step.
  if (m_ahead_sent && m_ahead_sent->id != request.id) discard_process();
  if (auto failure = ensure_process(request.imports)) return std::move(*failure);
  if (m_ahead_sent) {
    // Sent behind the last check's closing request: its header, layer and reference were
    // known then; only the answers are left to read.
    AheadSent sent = std::move(*m_ahead_sent);
    m_ahead_sent.reset();
    int64_t env = sent.candidate_env;
    if (sent.reference_key) {
      auto reference = receive_reference(request, *sent.reference_key);
      if (reference.failure) return std::move(*reference.failure);
      env = *reference.env;
    }
    ++m_uses;
    return run_proof(request, env, true, next);
  }
  auto env = header_env(request.header_rest);
  if (env.failure) return std::move(*env.failure);
  if (auto failed = header_failure(request.header_rest)) {
    return judged(request, Verdict::error, DecidedBy::worker, *failed);
  }
  auto base = layer_env(request.header_rest, request.library, *env.env, request.id);
  if (base.failure) return std::move(*base.failure);
  auto reference = reference_env(request, *base.env);
  if (reference.failure) return std::move(*reference.failure);
  ++m_uses;
  return run_proof(request, *reference.env, reference.candidate_sent, next);
}

Worker::EnvOrFailure Worker::layer_env(const std::string& rest, const LibraryLayer& library,
                                       int64_t header_env, uint64_t id) {
  if (library.empty()) return {header_env, {}};
  ImportSet& set = m_sets.at(m_current);
  const std::string key = rest + '\x1f' + library.version;
  auto refused = [&](const std::string& why) {
    CheckResult r;
    r.id = id;
    r.verdict = Verdict::error;
    r.decided_by = DecidedBy::worker;
    r.reason = why;
    return EnvOrFailure{std::nullopt, Outcome{std::move(r)}};
  };
  if (auto it = set.layer_failures.find(key); it != set.layer_failures.end()) {
    return refused(it->second);
  }
  if (auto it = set.layer_envs.find(key); it != set.layer_envs.end()) return {it->second, {}};
  if (!library.text || library.text->empty()) return {header_env, {}};  // a layer of no lemmas
  // Like a header: elaborated once, within the header's time, never the proof's.
  auto deadline = Clock::now() + m_options.header_timeout;
  Reply reply = command(*library.text, header_env, deadline);
  if (auto* answer_variant = std::get_if<Answer>(&reply)) {
    if (auto* answer = std::get_if<CommandAnswer>(answer_variant); answer && answer->env) {
      set.layer_envs[key] = *answer->env;
      ++m_header_envs;
      if (auto problem = layer_problem(*answer)) {
        set.layer_failures[key] = "library: " + *problem;
        return refused(set.layer_failures[key]);
      }
      return {*answer->env, {}};
    }
  }
  std::string why = "the REPL gave no usable answer to the library layer";
  if (auto* died = std::get_if<WorkerDied>(&reply)) {
    ++m_counters.deaths;
    why = "the REPL died on the library layer: " + describe_death(*died);
  }
  if (std::holds_alternative<TimedOut>(reply)) why = "the library layer timed out";
  discard_process();
  return {std::nullopt, InfraFailure{why, false}};
}

std::string Worker::reference_key(const CheckRequest& request) const {
  return request.header_rest + '\x1f' + request.library.version + '\x1f' + request.statement;
}

Worker::EnvOrFailure Worker::reference_env(const CheckRequest& request, int64_t base_env) {
  if (request.statement.empty()) return {base_env, {}};
  ImportSet& set = m_sets.at(m_current);
  std::string key = reference_key(request);
  if (auto it = set.reference_failures.find(key); it != set.reference_failures.end()) {
    return {std::nullopt, judged(request, Verdict::error, DecidedBy::worker, it->second)};
  }
  if (auto it = set.reference_envs.find(key); it != set.reference_envs.end()) return {it->second, {}};
  auto text = reference_declaration(request.statement, m_ref_name);
  if (!text) {
    return {std::nullopt, judged(request, Verdict::error, DecidedBy::statement,
                                 "the task's statement declares no name to check against")};
  }
  // The candidate goes right behind the reference, on the env the reference will be given
  // (the next one of this process): one wait for both answers instead of two. The candidate
  // carries no secret (the nonce is made only after its answer), so it may wait in the pipe.
  // Both go in one write, made by the wait for the first answer.
  int64_t predicted = m_next_env;
  m_process->queue(command_request(*text, base_env, false, false));
  m_process->queue(command_request(request.body, predicted, request.used_constants,
                                   request.tactic_steps));
  return receive_reference(request, key);
}

Worker::EnvOrFailure Worker::receive_reference(const CheckRequest& request,
                                               const std::string& key) {
  ImportSet& set = m_sets.at(m_current);
  Reply reply = receive_command(Clock::now() + m_options.header_timeout);
  const CommandAnswer* answer = nullptr;
  if (auto* a = std::get_if<Answer>(&reply)) answer = std::get_if<CommandAnswer>(a);
  if (answer == nullptr || !answer->env) {
    discard_process();
    return {std::nullopt, InfraFailure{"no usable answer to the task's statement"}};
  }
  auto error = std::find_if(answer->messages.begin(), answer->messages.end(), is_error);
  if (error != answer->messages.end()) {
    set.reference_failures[key] = "the task's statement does not elaborate: " + error->data;
    // The candidate sent behind it is answered too: read (within the proof's time) and set
    // aside, so that the stream stays in step; a process that does not answer is replaced.
    Reply ignored = receive_command(Clock::now() +
                                    request.budget.wall.value_or(m_options.proof_timeout));
    if (!std::holds_alternative<Answer>(ignored)) discard_process();
    return {std::nullopt, judged(request, Verdict::error, DecidedBy::statement,
                                 set.reference_failures[key])};
  }
  set.reference_envs[key] = *answer->env;
  return {*answer->env, {}, true};
}

Reply Worker::command(const std::string& text, std::optional<int64_t> env,
                      Clock::time_point deadline, bool all_tactics, bool infotree) {
  if (auto failed = send_command(text, env, deadline, all_tactics, infotree)) return std::move(*failed);
  return receive_command(deadline);
}

std::optional<Reply> Worker::send_command(const std::string& text, std::optional<int64_t> env,
                                          Clock::time_point deadline, bool all_tactics,
                                          bool infotree) {
  return m_process->send(command_request(text, env, all_tactics, infotree), deadline);
}

Reply Worker::receive_command(Clock::time_point deadline) {
  Reply reply = m_process->receive(deadline);
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

Outcome Worker::run_proof(const CheckRequest& request, int64_t env, bool sent,
                          const NextRequest& next) {
  // A candidate already sent behind its reference starts as the reference's answer arrives.
  auto started = Clock::now();
  m_proof_started = started.time_since_epoch().count();
  struct Done {
    std::atomic<int64_t>& flag;
    ~Done() { flag = 0; }
  } done{m_proof_started};
  auto budget = request.budget.wall.value_or(m_options.proof_timeout);
  auto deadline = started + budget;
  Reply reply =
      sent ? receive_command(deadline)
           : command(request.body, env, deadline, request.used_constants, request.tactic_steps);
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
  if (request.tactic_steps) {
    auto read = tactic_steps(*checked, request.body, request.line_offset);
    result.steps = std::move(read.steps);
    result.steps_error = std::move(read.error);
  }
  shift_lines(result.messages, request.line_offset);
  auto judgement = judge_check(*checked);
  if (judgement) {
    result.verdict = judgement->verdict;
    result.decided_by = judgement->decided_by;
    result.reason = judgement->reason;
    // Lean stopped the proof at its heartbeat limit: a timeout, as reproducible as any error.
    // Only a `fail` Lean decided is relabelled (reward 0 either way).
    if (result.verdict == Verdict::fail && result.decided_by == DecidedBy::lean) {
      if (auto stop = judge_heartbeats(result.messages)) {
        result.verdict = stop->verdict;
        result.decided_by = stop->decided_by;
        result.reason = std::move(stop->reason);
      }
    }
  }
  int64_t after = checked->env.value_or(env);
  return close_check(request, after, std::move(result), !judgement, started, deadline, next);
}

// One request after the candidate's answer: axioms, statement identity and the nonce when the
// check was clean, the nonce alone otherwise (a candidate that failed must still not leave the
// stream out of step for the next proof).
Outcome Worker::close_check(const CheckRequest& request, int64_t env, CheckResult result,
                            bool clean, Clock::time_point started, Clock::time_point deadline,
                            const NextRequest& next) {
  std::string nonce = random_nonce();
  ClosingRequest closing =
      closing_request(clean ? request.target : "",
                      request.statement.empty() ? "" : m_ref_name, nonce);
  // Every candidate before the closing request in the pipe has been answered: the nonce is
  // never where a running proof could read it. The next check's commands go behind it.
  m_process->queue(command_request(closing.text, env, false, false));
  send_ahead(next);
  Reply reply = receive_command(deadline);
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

void Worker::send_ahead(const NextRequest& next) {
  if (!next || m_ahead || !m_process || recycle_due()) return;
  m_ahead = next(m_current);
  if (!m_ahead) return;
  const CheckRequest& request = *m_ahead;
  const ImportSet& set = m_sets.at(m_current);
  if (set.failure) return;  // answered without Lean: nothing to send
  // The env its proof runs on must be known now; else it is checked the usual way.
  std::optional<int64_t> base;
  if (request.header_rest.empty()) {
    base = set.env;
  } else if (auto it = set.header_envs.find(request.header_rest); it != set.header_envs.end()) {
    if (set.header_failures.count(request.header_rest) > 0) return;
    base = it->second;
  } else {
    return;
  }
  if (!request.library.empty()) {
    const std::string key = request.header_rest + '\x1f' + request.library.version;
    if (set.layer_failures.count(key) > 0) return;
    if (auto it = set.layer_envs.find(key); it != set.layer_envs.end()) {
      base = it->second;
    } else if (request.library.text && !request.library.text->empty()) {
      return;
    }
  }
  AheadSent sent;
  sent.id = request.id;
  sent.candidate_env = *base;
  // One answer is outstanding (the closing request's): the next commands get the envs after it.
  if (!request.statement.empty()) {
    std::string key = reference_key(request);
    if (set.reference_failures.count(key) > 0) return;
    if (auto it = set.reference_envs.find(key); it != set.reference_envs.end()) {
      sent.candidate_env = it->second;
    } else {
      auto text = reference_declaration(request.statement, m_ref_name);
      if (!text) return;
      m_process->queue(command_request(*text, *base, false, false));
      sent.candidate_env = m_next_env + 1;
      sent.reference_key = std::move(key);
    }
  }
  m_process->queue(command_request(request.body, sent.candidate_env, request.used_constants,
                                   request.tactic_steps));
  m_ahead_sent = std::move(sent);
  ++m_counters.sent_ahead;
}

bool Worker::recycle_due() {
  if (!m_process) return false;
  if ((m_options.recycle_after > 0 && m_uses >= m_options.recycle_after) ||
      (m_options.header_envs > 0 && m_header_envs >= m_options.header_envs) || m_rss_over) {
    return true;
  }
  auto now = Clock::now();
  if (m_options.max_rss_bytes > 0 && now - m_last_rss_check > std::chrono::seconds(1)) {
    m_last_rss_check = now;
    m_rss_over = m_process->rss_bytes() > m_options.max_rss_bytes;
  }
  return m_rss_over;
}

void Worker::recycle_if_due() {
  // A request sent ahead is answered by this process first (send_ahead sends none once due).
  if (!m_process || m_ahead_sent || !recycle_due()) return;
  if (m_source != nullptr) {
    // Retired only when its replacement is ready; until then it serves on.
    std::string current = m_current;
    if (take_spare(current, false, true)) {
      ++m_counters.recycles;
    } else if (!m_replacement_wanted) {
      m_replacement_wanted = true;
      m_source->want(m_current, true);
    }
    return;
  }
  ++m_counters.recycles;
  discard_process();
}

}  // namespace lean_bridge
