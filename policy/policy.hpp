#pragma once
// One interface for every proof generator: the built-in learned policy, a remote
// OpenAI-compatible model, and dataset replay. A policy knows tasks only as text (header,
// statement) and goals only as Lean prints them; it knows nothing of Lean processes or the
// store. Learning policies are updated from verified experience and save themselves as
// versioned bytes (checkpoints), which the harness keeps in SQLite.
//
// Threading: generate() and propose() may be called from several threads at once between
// updates; update() and restore() are called alone.
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace policy {

// A policy-level failure: a bad checkpoint, a server that is down or answers nonsense, a
// replay file with a bad line. The message names what failed (URL, FILE:LINE: field...).
class PolicyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What a policy sees of a task.
struct TaskView {
  std::string task_id;    // the harness's content hash of header + statement
  std::string name;       // label (may repeat across tasks)
  std::string header;     // Lean preamble: imports, opens, options
  std::string statement;  // "theorem NAME ... := by\n": the proof text continues it
};

// One decision of a policy, kept so that a learning policy can be updated from it: the goal
// it saw, the tactic before, and the tactic it chose.
struct Decision {
  std::string goal;             // the goal text (step mode) or the statement (whole mode)
  std::string previous_tactic;  // "" at the start of a proof
  std::string tactic;           // the tactic chosen ("" = the policy chose to stop)
};

// A whole-proof sample.
struct Completion {
  std::string prompt;      // what the policy was given (rollout export)
  std::string completion;  // its raw output
  // The candidate proof: text that continues the task's statement (continuation form), or,
  // when whole_file is true, a whole Lean file that restates the theorem (remote models often
  // answer that way); the harness checks either form through the same guard.
  std::string proof;
  bool whole_file = false;
  std::optional<double> logprob;  // of the sample, when the policy knows it
  std::optional<double> entropy;  // mean entropy of the distributions sampled from, if known
  std::vector<Decision> decisions;  // for learning policies; empty otherwise
  // Generation failed for this sample (server down, no code block...): no candidate exists.
  // The harness records it as an `error` attempt (nothing to check), never as a proof.
  std::optional<std::string> error;
  // With `error`: the model answered, but its answer holds no usable proof (no Lean code
  // block...). That is a wrong answer (verdict `fail`, reward 0), where a failed request
  // (server down, timeout) says nothing about the policy (verdict `error`, no reward).
  bool malformed = false;
};

struct GenerationRequest {
  TaskView task;
  int samples = 1;    // n completions wanted
  uint64_t seed = 0;  // all randomness of this request derives from it (exact resume)
};

// A proof state in step mode: the goals as Lean printed them (first goal is the one tactics
// act on), the tactic that led here, and its depth.
struct StepState {
  const TaskView* task = nullptr;
  std::vector<std::string> goals;
  std::string previous_tactic;
  int depth = 0;
};

struct TacticChoice {
  std::string tactic;
  double logprob = 0;  // log-probability under the policy (best-first priority adds these)
};

// What one update saw and did, for the learning curve.
struct UpdateStats {
  int decisions = 0;        // decisions with a nonzero weight in the policy-gradient term
  int replayed = 0;         // decisions fitted from the expert-iteration replay buffer
  int vocabulary_size = 0;  // tactics the policy can now choose from
  int new_tactics = 0;      // tactics added from verified proofs this update
  double loss = 0;
};

// One trajectory and its weight for the update.
struct Experience {
  std::vector<Decision> decisions;
  double advantage = 0;   // group-relative advantage (GRPO) of the sample
  bool verified = false;  // Lean passed it: feeds the expert-iteration replay buffer
};

struct Capabilities {
  bool whole = true;     // generate() works
  bool step = false;     // propose() works
  bool learns = false;   // update()/checkpoint() do something
  bool fits = false;     // fit() works: it can start from (goal, tactic) pairs
  bool revises = false;  // revise() works (`search --revisions`)
  bool uses_library = false;  // set_library() works (`search --library`)
};

// What fit() did.
struct FitStats {
  int pairs = 0;             // decisions fitted
  int skipped = 0;           // decisions whose tactic the policy cannot choose (not in its vocabulary)
  int steps = 0;             // optimiser steps taken
  double loss_before = 0;    // mean cross-entropy of the fitted decisions before the first step
  double loss_after = 0;     // and after the last
};

// One of Lean's messages about a failed attempt, with its position relative to the proof text
// the policy wrote: line 1 is the proof's first line (continuation form: the line after the
// statement; a whole file: the file's first line), columns are 0-based code points. A message
// Lean placed in the statement (e.g. `unsolved goals` at its `by`) has line 0 or less.
struct FeedbackMessage {
  std::string severity;  // "error", as Lean wrote it
  std::optional<int64_t> line, column, end_line, end_column;
  std::string text;      // Lean's text, verbatim
};

// What the harness tells a policy about an attempt that did not pass.
struct Feedback {
  std::string verdict;  // fail, incomplete, rejected, timeout
  std::string reason;   // the harness's reason (guard, statement, timeout...), may be ""
  std::vector<FeedbackMessage> messages;  // Lean's errors, in Lean's order
  // The goals Lean printed at the first error where it printed any (the text after
  // `unsolved goals`), never made up; empty when Lean printed none.
  std::vector<std::string> goals;
};

// A revision: the previous attempt of a chain and Lean's answer to it.
struct RevisionRequest {
  TaskView task;
  Completion previous;  // the attempt being revised (its prompt, completion, proof, decisions)
  Feedback feedback;
  int round = 1;        // 1 for the revision of a first try, 2 for the next, ...
  uint64_t seed = 0;    // all randomness of this revision derives from it (exact resume)
};

// A lemma of the library (issue 15), as a policy sees it. Its name is `lib_<12 lowercase
// hex>`; its statement is the declaration without its proof, `theorem NAME BINDERS : TYPE`
// (no `:=`), elaborated in the task's header environment by the harness. A proof may use it
// by name. `derived_from` are the ids of the tasks whose proofs it came from: a policy never
// offers it while one of those tasks is being proved (TaskView::task_id).
struct LibraryLemma {
  std::string name;                       // lib_0123456789ab
  std::string statement;                  // "theorem NAME BINDERS : TYPE"
  std::vector<std::string> derived_from;  // task ids
};

class Policy {
 public:
  virtual ~Policy() = default;

  // "builtin", "openai", "replay".
  virtual std::string kind() const = 0;
  // Identifies the policy's current parameters, e.g. "builtin-loglinear-v1:3f2a9c01" (a hash
  // of the checkpoint bytes) or "openai:MODEL". Goes into every rollout as policy_version.
  virtual std::string version() const = 0;
  virtual Capabilities capabilities() const = 0;

  // Whole-proof sampling: for each request, `samples` completions, in request order. A failed
  // sample carries `error`; a policy-wide failure (bad configuration) throws PolicyError.
  virtual std::vector<std::vector<Completion>> generate(
      const std::vector<GenerationRequest>& requests) = 0;

  // Step mode: up to k distinct tactics for the state's first goal, most likely first.
  // With seed != 0 they are sampled (without replacement) rather than taken greedily.
  virtual std::vector<TacticChoice> propose(const StepState& state, int k, uint64_t seed) {
    (void)state;
    (void)k;
    (void)seed;
    throw PolicyError(kind() + " policy cannot propose tactics (step mode needs a policy that does)");
  }

  // Revisions (`search --revisions R`): one new attempt per request, in request order, that
  // revises the previous attempt given Lean's feedback. Failures as in generate().
  virtual std::vector<Completion> revise(const std::vector<RevisionRequest>& requests) {
    (void)requests;
    throw PolicyError(kind() + " policy cannot revise a proof (--revisions needs a policy that can)");
  }

  // Learning: one update from a batch of experience (GRPO term + expert-iteration replay).
  virtual UpdateStats update(const std::vector<Experience>& batch) {
    (void)batch;
    return {};
  }
  // Supervised start (`search --init-from`): `steps` full-batch steps of cross-entropy on
  // (goal, previous tactic, tactic) decisions, e.g. from tactic traces. Decisions whose tactic
  // the policy cannot choose are skipped and counted; nothing is added to the policy's
  // vocabulary or experience. Deterministic. Only for policies whose capabilities say `fits`.
  virtual FitStats fit(const std::vector<Decision>& decisions, int steps) {
    (void)decisions;
    (void)steps;
    throw PolicyError(kind() + " policy cannot be fitted on (goal, tactic) pairs");
  }
  // The library the policy may use from now on (replacing any earlier one; empty: none), in
  // library order. Called alone, between epochs, like update(). Only for policies whose
  // capabilities say `uses_library`; the others throw PolicyError.
  virtual void set_library(std::vector<LibraryLemma> lemmas) {
    (void)lemmas;
    throw PolicyError(kind() + " policy cannot use a lemma library (--library needs a policy that can)");
  }
  // Checkpoint bytes (self-describing: format name and version inside) and their inverse.
  // restore() throws PolicyError on bytes of another format or version, or corrupt bytes.
  virtual std::string checkpoint() const { return {}; }
  virtual void restore(std::string_view bytes) { (void)bytes; }
};

}  // namespace policy
