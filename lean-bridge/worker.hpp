#pragma once
// One pool slot's REPL and its environments: each import set elaborated once (env I), each
// distinct rest of a header once on top of it (env H), a library layer once on top of that
// (env L, CheckRequest::library), then every proof in its header's (or layer's) env.
// Header time never counts against a proof's timeout. A process may hold several import sets
// (WorkerOptions::import_sets); it is replaced when it dies, times out, desynchronises, has no
// room for one more import set, or is due for recycling. With a ProcessSource (the pool's warm
// spares) a replacement is taken ready-imported instead of started and imported on the spot,
// and a process due for recycling serves on until its replacement is ready.
#include <atomic>
#include <chrono>
#include <functional>
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
  // Import sets one process may hold (each a fresh `{"cmd"}` without env in the same REPL). The
  // REPL cannot free an environment, so one more than this replaces the process.
  int import_sets = 1;
  // Header environments (distinct rests of a header: ProofNet's `open`s, a served run's many
  // headers; library layers count too) one process may elaborate; past it the process is due
  // for recycling, and its replacement elaborates again only the headers still asked for. The
  // REPL cannot free one.
  int header_envs = 256;
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
  LibraryLayer library = {};  // the statement is opened on this layer's env (none by default)
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
  int starts = 0;        // REPL processes started
  int imports = 0;       // import sets elaborated (a start's own, and more in the same process)
  int recycles = 0;
  int deaths = 0;
  int timeouts = 0;
  int spares_taken = 0;  // replacements taken warm from the spares
  int sent_ahead = 0;    // checks whose commands went behind the previous check's closing
  int64_t import_ms = 0; // time the imports this worker elaborated took (its own starts' included)
  // Time spent waiting for imports after the first process: replacements started or waited
  // for, and import sets added to a process.
  int64_t import_wait_ms = 0;
  WorkerCounters& operator+=(const WorkerCounters& other) {
    starts += other.starts;
    imports += other.imports;
    recycles += other.recycles;
    deaths += other.deaths;
    timeouts += other.timeouts;
    spares_taken += other.spares_taken;
    sent_ahead += other.sent_ahead;
    import_wait_ms += other.import_wait_ms;
    import_ms += other.import_ms;
    return *this;
  }
};

// A REPL process with one import set elaborated: what a worker starts itself, or takes warm
// from a spare.
struct StartedRepl {
  std::unique_ptr<ReplProcess> process;
  std::string imports;
  int64_t import_env = 0;
  std::string ref_name;  // name of the reference declarations in this process (random)
  std::optional<std::string> import_failure;  // Lean's error on the imports (the env exists)
  std::chrono::milliseconds took{0};          // start and import
};
using StartOutcome = std::variant<StartedRepl, InfraFailure>;

// Starts a REPL and elaborates `imports` (counted in `counters`). `group`, when given, holds the
// process group while the import runs, so that another thread can kill it.
StartOutcome start_repl(const WorkerOptions& options, const std::string& imports,
                        WorkerCounters& counters, std::atomic<pid_t>* group = nullptr);

// Where a worker gets a replacement process from (the pool's warm spares, spares.hpp).
class ProcessSource {
 public:
  virtual ~ProcessSource() = default;
  // A process holding `imports`: a ready one, else, when `wait`, one being warmed that no other
  // worker waits for. Nothing: the worker starts its own.
  virtual std::optional<StartedRepl> take(const std::string& imports, bool wait) = 0;
  // A process due for recycling wants a replacement holding `imports` warmed (`wanted`), or no
  // longer does (it took one, or it went).
  virtual void want(const std::string& imports, bool wanted) = 0;
  // A worker replaced its process (a kill, a death, a recycle, a full process); `imported` is
  // the time its own start took, when it started one.
  virtual void note_replacement(std::optional<std::chrono::milliseconds> imported) = 0;
};

class Worker {
 public:
  explicit Worker(const WorkerOptions& options);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Where a check's successor may come from: a request for the import set given, taken from
  // the caller's queue at once, or nothing when none waits.
  using NextRequest = std::function<std::optional<CheckRequest>(const std::string& imports)>;
  // With `next`, the check sends the next request's commands behind its own closing request
  // (sent after the candidate's answer, so no nonce is ever in the pipe behind a proof still
  // running): the REPL elaborates the next proof while this one's verdict is delivered, and
  // the two requests cost one write. The request taken is the caller's to check next
  // (take_ahead()); when the process is replaced before that, it is simply checked afresh.
  Outcome check(const CheckRequest& request, const NextRequest& next = nullptr);
  // The request the last check took from `next` (its commands at the REPL already, unless it
  // could not be sent ahead), to be given to check() next; nothing when none.
  std::optional<CheckRequest> take_ahead();

  // Elaborates `statement` followed by `sorry` in the header's environment and returns the
  // proof state of that sorry. Header time is not counted against `timeout`.
  OpenOutcome open_proof(const ProofStart& start, std::chrono::milliseconds timeout);
  // Runs one tactic on a state of the current generation. A tactic past `timeout` kills the
  // process (a new generation starts with the next request).
  TacticOutcome run_tactic(const ProofState& state, const std::string& tactic,
                           std::chrono::milliseconds timeout);
  // Changes whenever the REPL process is replaced.
  uint64_t generation() const { return m_generation; }
  // The import set the last check used (empty when no process runs).
  std::optional<std::string> imports() const;
  // Whether the running process holds this import set.
  bool holds(const std::string& imports) const { return m_sets.count(imports) > 0; }
  std::vector<std::string> held() const;
  // Replacements come from `source` (not owned; it must outlive the worker's process use).
  void set_source(ProcessSource* source) { m_source = source; }
  // Ends the process when it has served its uses or grown too large.
  void recycle_if_due();
  void stop();
  bool ever_started() const { return m_ever_started; }
  // Process group of the running REPL, 0 when none; readable from any thread, so that a pool
  // being torn down can kill a check in progress.
  pid_t current_group() const { return m_group.load(); }
  // When the running proof's own elaboration started (steady clock, ns; 0: none running, or
  // still elaborating its header): readable from any thread.
  int64_t proof_started_ns() const { return m_proof_started.load(); }
  const WorkerCounters& counters() const { return m_counters; }

 private:
  struct EnvOrFailure {
    std::optional<int64_t> env;
    std::optional<Outcome> failure;
    bool candidate_sent = false;  // reference_env sent the candidate behind the reference
  };
  // One import set of the process, and what was elaborated on top of it.
  struct ImportSet {
    int64_t env = 0;
    std::optional<std::string> failure;  // the imports' own error
    std::map<std::string, int64_t> header_envs;
    std::map<std::string, std::string> header_failures;  // rest of header → Lean's error
    // Library layers (CheckRequest::library) on a header env: rest + version → env L, and
    // the layers Lean refused (an error or a sorry) → why.
    std::map<std::string, int64_t> layer_envs;
    std::map<std::string, std::string> layer_failures;
    std::map<std::string, int64_t> reference_envs;  // rest + layer version + statement → env R
    std::map<std::string, std::string> reference_failures;
    uint64_t last_use = 0;
  };
  // Makes `imports` the current set: held already, imported into the process, or in a new
  // process (a spare's or one started here).
  std::optional<Outcome> ensure_process(const std::string& imports);
  std::optional<Outcome> obtain_process(const std::string& imports);
  std::optional<Outcome> import_in_process(const std::string& imports);
  void adopt(StartedRepl repl);
  // Adopts a spare holding `imports` when the source has one (when `wait`, one still importing
  // that no other worker waits for); `replacement` tells the source a process was replaced.
  bool take_spare(const std::string& imports, bool wait, bool replacement);
  std::optional<std::string> header_failure(const std::string& rest) const;
  EnvOrFailure header_env(const std::string& rest);
  // The env proofs of this header and library layer run on: the header's env H, or the layer's
  // env L elaborated on top of it once per (rest, version). A layer Lean refused is an error
  // (`failure` holds the CheckResult, reason "library: ..."), remembered like a header failure.
  EnvOrFailure layer_env(const std::string& rest, const LibraryLayer& library, int64_t header_env,
                         uint64_t id);
  EnvOrFailure reference_env(const CheckRequest& request, int64_t base_env);
  std::string reference_key(const CheckRequest& request) const;
  // The reference's answer, read once it and the candidate behind it were sent.
  EnvOrFailure receive_reference(const CheckRequest& request, const std::string& key);
  // Takes the next request from `next` and, when its header, layer and reference are known to
  // this process, queues its reference (when new) and candidate behind the closing request
  // just queued (one answer outstanding).
  void send_ahead(const NextRequest& next);
  // Whether the process is due for recycling (its uses, its header envs, its resident size
  // looked at at most once a second).
  bool recycle_due();
  // Sends a command and checks that its answer carries the next env id of this process.
  Reply command(const std::string& text, std::optional<int64_t> env, Clock::time_point deadline,
                bool all_tactics = false, bool infotree = false);
  // command() in two halves: the send (nullopt once written), and the next answer with the env
  // id check. Requests in flight one behind the other (answers come in order) are queued on the
  // process instead (ReplProcess::queue) and written by the wait for the first answer.
  std::optional<Reply> send_command(const std::string& text, std::optional<int64_t> env,
                                    Clock::time_point deadline, bool all_tactics = false,
                                    bool infotree = false);
  Reply receive_command(Clock::time_point deadline);
  // `sent`: the candidate went to the REPL behind its reference declaration already.
  Outcome run_proof(const CheckRequest& request, int64_t env, bool sent, const NextRequest& next);
  Outcome close_check(const CheckRequest& request, int64_t env, CheckResult result,
                      bool clean, Clock::time_point started, Clock::time_point deadline,
                      const NextRequest& next);
  void discard_process();

  WorkerOptions m_options;
  std::unique_ptr<ReplProcess> m_process;
  std::map<std::string, ImportSet> m_sets;  // import lines → set, for the running process
  std::string m_current;                    // the set the current check uses
  uint64_t m_use_clock = 0;
  std::string m_ref_name;  // name of the reference declarations in this process (random)
  int64_t m_next_env = 0;  // the id the REPL must give its next command answer
  int m_uses = 0;
  int m_header_envs = 0;  // header environments this process elaborated
  ProcessSource* m_source = nullptr;
  bool m_replacement_wanted = false;  // due for recycling, a replacement asked of the source
  Clock::time_point m_last_rss_check{};
  bool m_rss_over = false;  // the process was found above max_rss_bytes
  // The request taken by send_ahead(), and what of it went to this process (cleared with it).
  struct AheadSent {
    uint64_t id = 0;
    std::optional<std::string> reference_key;  // its reference was sent, under this key
    int64_t candidate_env = 0;                  // else: the env its candidate was sent on
  };
  std::optional<CheckRequest> m_ahead;
  std::optional<AheadSent> m_ahead_sent;
  bool m_ever_started = false;
  WorkerCounters m_counters;
  std::atomic<pid_t> m_group{0};
  std::atomic<int64_t> m_proof_started{0};
  uint64_t m_generation = 0;
  int64_t m_max_proof_state = -1;  // highest proof-state id this process has reported
};

}  // namespace lean_bridge
