#pragma once
// The built-in learned policy (`harness search`'s default): it scores the tactics of a
// vocabulary for a goal from hashed features of the goal and the previous tactic, with a small
// model trained from scratch (log-linear or one-hidden-layer MLP), sampled for whole proofs and
// ranked for step-mode proposals, and learns from verified experience (GRPO policy gradient plus
// expert-iteration replay). Formulas, features, vocabularies and benchmark figures: README.md.
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "policy/builtin/features.hpp"
#include "policy/builtin/library.hpp"
#include "policy/builtin/vocabulary.hpp"
#include "policy/policy.hpp"

namespace policy {

namespace builtin {
class Model;
}

struct BuiltinOptions {
  // "loglinear" or "mlp". The log-linear model is the default: on the benchmark it learns the
  // synthetic bandits in fewer updates than the MLP, at about the same cost per update
  // (README.md, "Choosing the model").
  std::string model = "loglinear";
  // "core", "mathlib" (the embedded lists) or the path of a file: one tactic per line, lines
  // starting with '#' are comments.
  std::string vocabulary = "core";
  // Features are hashed into 2^feature_bits buckets (8..20). 2^16 keeps collisions rare for the
  // few thousand distinct features a task set produces. Memory: 8 bytes (weight and Adagrad
  // accumulator) × 2^feature_bits × (vocabulary + 1) for the log-linear model (26 MB with the
  // core vocabulary), × hidden for the MLP's input layer (34 MB).
  int feature_bits = 16;
  // Hidden units of the MLP (1..1024); unused by the log-linear model.
  int hidden = 64;
  // Adagrad step size (> 0). Adagrad rather than plain SGD: rare features (the exact shape of
  // a goal) then learn as fast as the common ones they must outvote (README.md, "Update").
  double learning_rate = 0.3;
  // Sampling temperature of generate() and of sampled propose() (> 0): logits are divided by it.
  double temperature = 1.0;
  // Tactics in a whole proof at most (>= 1); a proof that reaches it ends without STOP.
  int max_proof_tactics = 4;
  // Weight of the expert-iteration (replay) cross-entropy term (>= 0; 0 turns replay off).
  double replay_weight = 1.0;
  // Verified trajectories kept for replay (>= 0), oldest dropped first.
  int replay_capacity = 4096;
  // Replayed decisions per update at most (>= 0).
  int replay_batch = 256;
  // L2 coefficient (>= 0) on the parameters an update reaches.
  double l2 = 1e-4;
  // Seeds the MLP's initial output weights and the replay draws.
  uint64_t init_seed = 1;
};

class BuiltinPolicy final : public Policy {
 public:
  // Throws PolicyError for an invalid option or an unreadable vocabulary.
  explicit BuiltinPolicy(BuiltinOptions options = {});
  ~BuiltinPolicy() override;
  BuiltinPolicy(const BuiltinPolicy&) = delete;
  BuiltinPolicy& operator=(const BuiltinPolicy&) = delete;

  std::string kind() const override { return "builtin"; }
  // "builtin-<model>-v1:" + the first 12 hex digits of SHA-256(checkpoint()).
  std::string version() const override { return m_version; }
  Capabilities capabilities() const override { return {.whole = true, .step = true, .learns = true, .fits = true, .revises = true, .uses_library = true}; }

  // Whole proofs: sample i of a request draws from a generator seeded by (request.seed, i);
  // tactics are sampled one after another for goal_of_statement(statement) until STOP (never
  // first) or max_proof_tactics. Completion: prompt = the goal, proof = completion =
  // "  tac1\n  tac2\n", decisions (goal = the statement) including the final STOP unless the
  // length cap ended the proof, logprob = Σ log-probabilities of the sampled actions under the
  // distributions they were sampled from, entropy = the mean entropy of those distributions.
  std::vector<std::vector<Completion>> generate(const std::vector<GenerationRequest>& requests) override;

  // Revisions: keep the previous proof's tactics before the line of Lean's first error (all of
  // them when no error has a line in the proof, e.g. `unsolved goals` at the statement's `by`:
  // Lean ran every tactic and goals were left), at most max_proof_tactics - 1 of them, and
  // sample the rest as generate() does, from a generator seeded by request.seed: at the first
  // new position the tactic Lean refused there is not drawn, nor STOP unless Lean's first error
  // says no goals were left there (then stopping after the kept prefix is the revision to try;
  // the softmax runs over the others). decisions = the kept ones + the new ones; logprob and entropy are those of the new
  // draws; prompt = the goal, the previous proof and where it is kept up to.
  std::vector<Completion> revise(const std::vector<RevisionRequest>& requests) override;

  // Step mode: goal = state.goals[0] (the number of goals is a feature), previous tactic =
  // state.previous_tactic. seed == 0: the k most likely tactics (ties: vocabulary order);
  // otherwise k distinct tactics sampled without replacement (Gumbel-top-k on logits /
  // temperature), then ordered most likely first. STOP is never proposed; logprobs are those
  // of the full softmax (STOP included).
  std::vector<TacticChoice> propose(const StepState& state, int k, uint64_t seed) override;

  // GRPO term, expert-iteration replay and L2 in one Adagrad step (README.md, "Update").
  UpdateStats update(const std::vector<Experience>& batch) override;

  // Supervised start (README.md, "Fitting on traces"): `steps` Adagrad steps, each on the mean
  // cross-entropy of every decision whose tactic is in the vocabulary (STOP "" included), with
  // L2; decisions are read as in update(). The vocabulary, the replay buffer and the update
  // counter are left as they are.
  FitStats fit(const std::vector<Decision>& decisions, int steps) override;

  // The library (README.md, "Library lemmas"): each lemma's statement is read once; its
  // abstract actions (`exact NAME`, `apply NAME`, and `rw [NAME]`, `simp [NAME]` for an
  // equation) are appended to the vocabulary when new. From then on generate(), revise() and
  // propose() offer a lemma's actions, arguments filled from the goal, where its conclusion
  // matches, scored by the model's logit of the abstract action; never for a task among its
  // derived_from. A library entry of the vocabulary that is not offered for a goal is never
  // drawn there. Throws PolicyError (and keeps the previous library) for a name that is not
  // `lib_<12 hex>`, a name given twice, or a statement it cannot read as `theorem NAME BINDERS
  // : TYPE` with that name.
  void set_library(std::vector<LibraryLemma> lemmas) override;

  // Self-describing little-endian bytes (README.md, "Checkpoint format"); restore() checks them
  // all and throws PolicyError naming the problem. The checkpoint's structure (model,
  // feature_bits, hidden) must match this policy's options; its vocabulary, weights, replay
  // buffer, update counter and init_seed replace this policy's.
  std::string checkpoint() const override;
  void restore(std::string_view bytes) override;

  // Inspection (tests, benchmarks).
  const BuiltinOptions& options() const { return m_options; }
  const std::vector<std::string>& vocabulary() const { return m_vocabulary.tactics(); }
  std::size_t replay_size() const { return m_replay.size(); }
  uint64_t update_count() const { return m_updates; }
  // Log-probabilities of every action for (goal, previous tactic) at temperature 1: [0] is STOP,
  // [1 + i] is vocabulary()[i]. `goal` is goal text (several goals: blank-line separated) or a
  // statement.
  std::vector<double> action_logprobs(std::string_view goal, std::string_view previous_tactic) const;

  // "builtin-loglinear" or "builtin-mlp".
  static std::string format_name(std::string_view model);
  static constexpr uint32_t kFormatVersion = 2;  // 2: the library after the replay buffer

  const std::vector<LibraryLemma>& library() const { return m_library; }
  // The library actions offered for one goal (goal text as Lean prints it) while proving the
  // task `task_id` ("" = none known): vocabulary index -> tactic text. Lemmas derived from
  // `task_id` offer nothing.
  std::map<int, std::string> library_offers(std::string_view goal, std::string_view task_id) const;

 private:
  builtin::SparseVector features_of(const builtin::GoalAnalysis& goal,
                                    std::string_view previous_tactic) const;
  void refresh_version();
  // Vocabulary index of a tactic (a library action by its abstract form), if present.
  std::optional<int> action_of(std::string_view tactic) const;
  // Rebuilds m_lemma_actions and m_library_entries from the vocabulary and the library.
  void index_library();
  std::map<int, std::string> offers_for(const builtin::GoalParts& goal, std::string_view task_id) const;
  // Masks (sets to `never`) the logits of the library entries that `offered` lacks.
  void mask_library(std::vector<double>& logits, const std::map<int, std::string>& offered) const;

  BuiltinOptions m_options;
  builtin::Vocabulary m_vocabulary;
  std::unique_ptr<builtin::Model> m_model;
  std::deque<std::vector<Decision>> m_replay;  // verified trajectories, oldest first
  std::set<std::string> m_replay_keys;         // their decisions' text, for deduplication
  uint64_t m_updates = 0;
  std::string m_version;
  // The library: the lemmas as given, their parsed statements, the vocabulary indices of the
  // library entries (any `exact lib_…`/`apply lib_…`/`rw [lib_…]`/`simp [lib_…]`), and for
  // each lemma of the library its entries' (vocabulary index, form).
  std::vector<LibraryLemma> m_library;
  std::vector<builtin::ParsedLemma> m_parsed;
  std::vector<int> m_library_entries;
  std::vector<std::vector<std::pair<int, builtin::LemmaForm>>> m_lemma_actions;
};

}  // namespace policy
