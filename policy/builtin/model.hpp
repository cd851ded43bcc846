#pragma once
// The built-in policy's models: scores (logits) of every action for a sparse feature vector.
// Action 0 is STOP, action 1 + i is tactic i of the vocabulary, so the vocabulary grows by
// appending actions. Two models (README.md has the formulas):
// - loglinear: logit_a = w_a · φ, one weight row of 2^feature_bits per action, all zero at first.
// - mlp: h = tanh(W1ᵀ φ + b1) with `hidden` units, logit_a = c_a + 2 (v_a · h) / sqrt(hidden).
//   W1 starts at seeded uniform values (a row per feature, recomputable from init_seed alone, so
//   a checkpoint holds only the rows updates have reached); b1, the output rows v_a and the
//   output biases c_a start at zero, so the untrained policy is uniform, like the log-linear one.
// Every computation runs in a fixed order on one thread: the same seed, options and data give
// bit-identical weights.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "policy/builtin/bytes.hpp"
#include "policy/builtin/features.hpp"

namespace policy::builtin {

// A constant added to STOP's logit (action 0) by both models, in every softmax: the prior that
// proofs are short. Untrained, a whole proof stops after each tactic with probability
// e^3 / (e^3 + |V|) ≈ 0.3 for the 48 core tactics, instead of 1 / (|V| + 1); without it almost
// every untrained proof runs to max_proof_tactics, and a proof with a tactic after its last goal
// is closed fails in Lean ("no goals to be proved"), so whole-proof sampling would almost never
// find the one-tactic proofs it could learn from. Being constant, it changes no gradient
// formula: the softmax simply includes it.
inline constexpr double kStopPrior = 3.0;

// One term of an objective: weight · log π(action | x).
struct Example {
  const SparseVector* x;
  int action;
  double weight;
};

class Model {
 public:
  virtual ~Model() = default;
  virtual std::string name() const = 0;  // "loglinear" or "mlp"
  virtual int actions() const = 0;
  // A new action (a tactic added to the vocabulary) whose weights are zero.
  virtual void add_action() = 0;
  // The logits of every action, into `out` (resized to actions()).
  virtual void logits(const SparseVector& x, std::vector<double>& out) const = 0;
  // One Adagrad ascent step on J = Σ_i weight_i · log π(action_i | x_i) − (l2/2)·‖θ_S‖², where
  // θ_S are the weights this batch reaches (the rows of the features present in it, and the
  // dense output layer of the MLP; biases have no L2): per parameter, d = ∂J/∂θ, G += d²,
  // θ += learning_rate · d / (√G + 1e-8). The gradients are summed over the examples in order,
  // then applied once. Returns −Σ_i weight_i · log π(action_i | x_i) before the step.
  virtual double step(const std::vector<Example>& examples, double learning_rate, double l2) = 0;
  // Parameters as checkpoint bytes, and their inverse (which checks them and throws
  // PolicyError; `actions` is the count the checkpoint's vocabulary implies).
  virtual void write(ByteWriter& out) const = 0;
  virtual void read(ByteReader& in, int actions) = 0;
};

// `name` is "loglinear" or "mlp" (PolicyError otherwise).
std::unique_ptr<Model> make_model(std::string_view name, int feature_bits, int hidden,
                                  int actions, uint64_t init_seed);

// log-softmax of `logits` into `out` (numerically stable; same size).
void log_softmax(const std::vector<double>& logits, std::vector<double>& out);

}  // namespace policy::builtin
