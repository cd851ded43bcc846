#pragma once
// One pool slot's REPL and its environments: the imports elaborated once (env I), each distinct
// rest of a header once on top of them (env H), then every proof in its header's env. Header
// time never counts against a proof's timeout. The Worker replaces its process when it dies,
// times out, desynchronises, or is due for recycling.
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "lean-bridge/check.hpp"
#include "lean-bridge/child_process.hpp"
#include "lean-bridge/kernel_replay.hpp"
#include "lean-bridge/launcher.hpp"
#include "lean-bridge/repl_process.hpp"

namespace lean_bridge {


struct WorkerOptions {
  // The REPL command; the launcher (when set) resolves `lake env` and applies the sandbox at
  // each start, else the command runs as it is.
  ProcessSpec process;
  std::shared_ptr<const Launcher> launcher;
  std::chrono::milliseconds proof_timeout{60'000};
  std::chrono::milliseconds header_timeout{600'000};
  int recycle_after = 1000;    // checks per process; 0: never
  uint64_t max_rss_bytes = 0;  // recycle above this resident size; 0: never
  std::optional<KernelReplayOptions> kernel_replay;  // replay every pass through the kernel
};

// The infrastructure failed; says nothing about the proof. The process is gone.
struct InfraFailure {
  std::string reason;
  bool during_start = false;  // the process could not be started or died on its imports
  // No start can ever work as configured (the launcher refused: no Lean environment, no user
  // namespaces for the sandbox): the pool gives up at once instead of retrying.
  bool permanent = false;
};

using Outcome = std::variant<CheckResult, InfraFailure>;

// Tactic mode, for proof search. A proof state lives in one REPL process: `generation` names
// that process, and every state of a replaced process is gone (the caller replays its tactics
// from a fresh root). Tactic-mode answers only guide a search: a proof found this way counts
// only after it has been checked again as a whole theorem through check().
struct ProofStart {
  std::string imports;
  std::string header_rest;
  std::string statement;  // "theorem NAME ... := by\n"
};

struct ProofState {
  int64_t id = 0;
  uint64_t generation = 0;
  std::vector<std::string> goals;  // as Lean printed them; the first is the main goal
};

struct TacticStep {
  enum class Status { progress, completed, failed, timeout };
  Status status = Status::failed;
  ProofState state;    // progress, completed
  std::string reason;  // failed, timeout: Lean's error or what went wrong
};

// open_proof: the root state, an InfraFailure, or a CheckResult saying why the statement
// cannot be searched (its header or its statement does not elaborate: verdict `error`).
using OpenOutcome = std::variant<ProofState, InfraFailure, CheckResult>;
using TacticOutcome = std::variant<TacticStep, InfraFailure>;

struct WorkerCounters {
  int starts = 0;
  int recycles = 0;
  int deaths = 0;
  int timeouts = 0;
  WorkerCounters& operator+=(const WorkerCounters& other) {
    starts += other.starts;
    recycles += other.recycles;
    deaths += other.deaths;
    timeouts += other.timeouts;
    return *this;
  }
};

class Worker {
 public:
  explicit Worker(const WorkerOptions& options);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  Outcome check(const CheckRequest& request);

  // Elaborates `statement` followed by `sorry` in the header's environment and returns the
  // proof state of that sorry. Header time is not counted against `timeout`.
  OpenOutcome open_proof(const ProofStart& start, std::chrono::milliseconds timeout);
  // Runs one tactic on a state of the current generation. A tactic past `timeout` kills the
  // process (a new generation starts with the next request).
  TacticOutcome run_tactic(const ProofState& state, const std::string& tactic,
                           std::chrono::milliseconds timeout);
  // Changes whenever the REPL process is replaced.
  uint64_t generation() const { return m_generation; }
  // Imports the current process holds (empty when none runs).
  const std::optional<std::string>& imports() const { return m_imports; }
  // Ends the process when it has served its uses or grown too large.
  void recycle_if_due();
  void stop();
  bool ever_started() const { return m_ever_started; }
  // Process group of the running REPL, 0 when none; readable from any thread, so that a pool
  // being torn down can kill a check in progress.
  pid_t current_group() const { return m_group.load(); }
  const WorkerCounters& counters() const { return m_counters; }

 private:
  struct EnvOrFailure {
    std::optional<int64_t> env;
    std::optional<Outcome> failure;
  };
  std::optional<Outcome> ensure_process(const std::string& imports);
  EnvOrFailure header_env(const std::string& rest);
  EnvOrFailure reference_env(const CheckRequest& request, int64_t header_env);
  // Sends a command and checks that its answer carries the next env id of this process.
  Reply command(const std::string& text, std::optional<int64_t> env, Clock::time_point deadline,
                bool all_tactics = false);
  Outcome run_proof(const CheckRequest& request, int64_t env);
  Outcome close_check(const CheckRequest& request, int64_t env, CheckResult result,
                      bool clean, Clock::time_point started, Clock::time_point deadline);
  void discard_process();

  WorkerOptions m_options;
  std::unique_ptr<ReplProcess> m_process;
  std::optional<std::string> m_imports;
  int64_t m_import_env = 0;
  std::map<std::string, int64_t> m_header_envs;
  std::map<std::string, int64_t> m_reference_envs;  // rest of header + statement → env R
  std::string m_ref_name;  // name of the reference declarations in this process (random)
  int64_t m_next_env = 0;  // the id the REPL must give its next command answer
  std::map<std::string, std::string> m_header_failures;  // rest of header → Lean's error
  std::map<std::string, std::string> m_reference_failures;
  int m_uses = 0;
  Clock::time_point m_last_rss_check{};
  bool m_ever_started = false;
  WorkerCounters m_counters;
  std::atomic<pid_t> m_group{0};
  uint64_t m_generation = 0;
  int64_t m_max_proof_state = -1;  // highest proof-state id this process has reported
};

}  // namespace lean_bridge
