// Tests of policy/builtin/builtin_policy.cpp: generation, proposals, updates, checkpoints.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <set>
#include <thread>

#include "common/tagged_hash.hpp"
#include "policy/builtin/builtin_policy.hpp"
#include "policy/builtin/model.hpp"

using namespace policy;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

const std::string kStatement = "theorem t (a b : Nat) : a + b = b + a := by\n";
const std::string kGoal = "a b : Nat\n\u22A2 a + b = b + a";
const std::string kOtherStatement = "theorem u (n : Nat) : n + 0 = n := by\n";

// Index of `tactic` in the policy's action order (0 is STOP).
std::size_t action_of(const BuiltinPolicy& p, const std::string& tactic) {
  const auto& v = p.vocabulary();
  return 1 + static_cast<std::size_t>(std::find(v.begin(), v.end(), tactic) - v.begin());
}

GenerationRequest request(const std::string& statement, int samples, uint64_t seed) {
  GenerationRequest r;
  r.task.task_id = "task-v1:0";
  r.task.name = "t";
  r.task.statement = statement;
  r.samples = samples;
  r.seed = seed;
  return r;
}

StepState state(std::vector<std::string> goals, std::string previous = "") {
  StepState s;
  s.goals = std::move(goals);
  s.previous_tactic = std::move(previous);
  return s;
}

Experience experience(std::vector<Decision> decisions, double advantage, bool verified) {
  Experience e;
  e.decisions = std::move(decisions);
  e.advantage = advantage;
  e.verified = verified;
  return e;
}

// A few updates that change the weights, grow the vocabulary and fill the replay buffer.
void train_a_little(BuiltinPolicy& p) {
  p.update({experience({{kGoal, "", "omega"}}, 1.5, true),
            experience({{kGoal, "", "simp"}}, -0.5, false),
            experience({{kOtherStatement, "", "exact Nat.add_zero n"}, {kOtherStatement, "exact Nat.add_zero n", ""}}, 1.0, true)});
  p.update({experience({{"p q : Prop\nhp : p\nhq : q\n\u22A2 p \u2227 q", "", "constructor"},
                        {"p q : Prop\nhp : p\nhq : q\n\u22A2 p\n\np q : Prop\nhp : p\nhq : q\n\u22A2 q", "constructor", "exact hp"}},
                       1.0, true),
            experience({{kGoal, "", "decide"}}, -1.0, false)});
}

bool same(const std::vector<Completion>& a, const std::vector<Completion>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].proof != b[i].proof || a[i].logprob != b[i].logprob || a[i].entropy != b[i].entropy ||
        a[i].decisions.size() != b[i].decisions.size()) {
      return false;
    }
  }
  return true;
}

BuiltinOptions small(std::string model = "loglinear") {
  BuiltinOptions o;
  o.model = std::move(model);
  o.feature_bits = 12;  // small and fast; the behaviour does not depend on it
  o.hidden = 16;
  return o;
}

}  // namespace

TEST_CASE("kind, capabilities and version") {
  BuiltinPolicy p;
  CHECK(p.kind() == "builtin");
  CHECK(p.capabilities().whole);
  CHECK(p.capabilities().step);
  CHECK(p.capabilities().learns);
  CHECK(p.options().model == "loglinear");
  CHECK(p.version() == "builtin-loglinear-v1:" + common::sha256_hex(p.checkpoint()).substr(0, 12));
  BuiltinPolicy mlp(small("mlp"));
  CHECK_THAT(mlp.version(), StartsWith("builtin-mlp-v1:"));
  CHECK(mlp.version() == "builtin-mlp-v1:" + common::sha256_hex(mlp.checkpoint()).substr(0, 12));
  // The version follows the parameters.
  const std::string before = mlp.version();
  train_a_little(mlp);
  CHECK(mlp.version() != before);
  CHECK(mlp.version() == "builtin-mlp-v1:" + common::sha256_hex(mlp.checkpoint()).substr(0, 12));
}

TEST_CASE("invalid options are refused") {
  auto refused = [](auto change) {
    BuiltinOptions o = small();
    change(o);
    CHECK_THROWS_AS(BuiltinPolicy(o), PolicyError);
  };
  refused([](BuiltinOptions& o) { o.model = "transformer"; });
  refused([](BuiltinOptions& o) { o.feature_bits = 4; });
  refused([](BuiltinOptions& o) { o.feature_bits = 21; });
  refused([](BuiltinOptions& o) { o.hidden = 0; });
  refused([](BuiltinOptions& o) { o.learning_rate = 0; });
  refused([](BuiltinOptions& o) { o.temperature = -1; });
  refused([](BuiltinOptions& o) { o.max_proof_tactics = 0; });
  refused([](BuiltinOptions& o) { o.replay_capacity = -1; });
  refused([](BuiltinOptions& o) { o.l2 = std::nan(""); });
  refused([](BuiltinOptions& o) { o.vocabulary = "/nonexistent/vocabulary.txt"; });
}

TEST_CASE("generate: proofs in continuation form, decisions, log-probabilities") {
  BuiltinOptions o = small();
  o.max_proof_tactics = 3;
  BuiltinPolicy p(o);
  train_a_little(p);
  const auto out = p.generate({request(kStatement, 24, 7), request(kStatement, 0, 7)});
  REQUIRE(out.size() == 2);
  CHECK(out[1].empty());
  REQUIRE(out[0].size() == 24);
  std::set<std::string> vocabulary(p.vocabulary().begin(), p.vocabulary().end());
  bool capped = false, stopped = false;
  for (const Completion& c : out[0]) {
    INFO(c.proof);
    CHECK(c.prompt == kGoal);
    CHECK(c.completion == c.proof);
    CHECK_FALSE(c.whole_file);
    CHECK_FALSE(c.error.has_value());
    REQUIRE_FALSE(c.decisions.empty());
    CHECK_FALSE(c.decisions[0].tactic.empty());  // never an empty proof
    // Rebuild the proof and the log-probability from the decisions (temperature 1: the first
    // action is drawn from the softmax without STOP).
    std::string proof, previous;
    double logprob = 0;
    int tactics = 0;
    for (std::size_t i = 0; i < c.decisions.size(); ++i) {
      const Decision& d = c.decisions[i];
      CHECK(d.goal == kStatement);
      CHECK(d.previous_tactic == previous);
      const auto lp = p.action_logprobs(d.goal, d.previous_tactic);
      int action = 0;
      if (!d.tactic.empty()) {
        CHECK(vocabulary.count(d.tactic) == 1);
        action = static_cast<int>(action_of(p, d.tactic));
        proof += "  " + d.tactic + "\n";
        ++tactics;
      } else {
        CHECK(i + 1 == c.decisions.size());  // STOP ends the proof
      }
      logprob += lp[static_cast<std::size_t>(action)] - (i == 0 ? std::log1p(-std::exp(lp[0])) : 0.0);
      previous = d.tactic;
    }
    CHECK(tactics <= 3);
    if (c.decisions.back().tactic.empty()) stopped = true;
    else {
      CHECK(tactics == 3);  // without STOP, only the length cap ends a proof
      capped = true;
    }
    CHECK(c.proof == proof);
    REQUIRE(c.logprob.has_value());
    CHECK(*c.logprob == Approx(logprob).margin(1e-9));
    REQUIRE(c.entropy.has_value());
    CHECK(*c.entropy > 0);
  }
  CHECK(stopped);  // 24 samples from an almost uniform policy see both endings
  CHECK(capped);
}

TEST_CASE("generate is deterministic for a seed and differs across seeds") {
  for (const char* model : {"loglinear", "mlp"}) {
    INFO(model);
    BuiltinPolicy p(small(model));
    train_a_little(p);
    const auto a = p.generate({request(kStatement, 8, 11)})[0];
    const auto b = p.generate({request(kStatement, 8, 11)})[0];
    const auto c = p.generate({request(kStatement, 8, 12)})[0];
    CHECK(same(a, b));
    CHECK_FALSE(same(a, c));
    // Sample i depends on (seed, i) only: fewer samples are a prefix of more.
    const auto prefix = p.generate({request(kStatement, 3, 11)})[0];
    CHECK(same(prefix, std::vector<Completion>(a.begin(), a.begin() + 3)));
    // Requests do not influence each other.
    const auto both = p.generate({request("theorem u : 2 + 2 = 4 := by\n", 5, 1), request(kStatement, 8, 11)});
    CHECK(same(both[1], a));
  }
}

TEST_CASE("propose: greedy in vocabulary order when untrained, never STOP") {
  BuiltinPolicy p(small());
  const auto choices = p.propose(state({kGoal}), 5, 0);
  REQUIRE(choices.size() == 5);
  for (int i = 0; i < 5; ++i) {
    CHECK(choices[static_cast<std::size_t>(i)].tactic == p.vocabulary()[static_cast<std::size_t>(i)]);
    // Uniform over the vocabulary, with STOP weighted by its prior.
    CHECK(choices[static_cast<std::size_t>(i)].logprob == Approx(-std::log(p.vocabulary().size() + std::exp(policy::builtin::kStopPrior))));
  }
  CHECK(p.propose(state({kGoal}), 0, 0).empty());
  CHECK(p.propose(state({}), 3, 0).empty());
  // k beyond the vocabulary: every tactic once, STOP never.
  const auto all = p.propose(state({kGoal}), 1000, 0);
  CHECK(all.size() == p.vocabulary().size());
  for (const auto& c : all) CHECK_FALSE(c.tactic.empty());
}

TEST_CASE("propose: greedy and sampled proposals after training") {
  for (const char* model : {"loglinear", "mlp"}) {
    INFO(model);
    BuiltinPolicy p(small(model));
    for (int i = 0; i < 5; ++i) train_a_little(p);
    const StepState s = state({kGoal});
    const auto greedy = p.propose(s, 6, 0);
    REQUIRE(greedy.size() == 6);
    CHECK(greedy[0].tactic == "omega");  // what the updates rewarded for this goal
    const auto lp = p.action_logprobs(kGoal, "");
    double mass = 0;
    for (std::size_t i = 0; i < greedy.size(); ++i) {
      if (i > 0) CHECK(greedy[i].logprob <= greedy[i - 1].logprob);
      mass += std::exp(greedy[i].logprob);
    }
    CHECK(greedy[0].logprob == lp[action_of(p, "omega")]);
    double tactics_mass = 0;
    for (std::size_t a = 1; a < lp.size(); ++a) tactics_mass += std::exp(lp[a]);
    CHECK(tactics_mass < 1.0);  // STOP keeps some mass: the log-probabilities are the full softmax's
    CHECK(mass <= tactics_mass + 1e-12);

    std::set<std::vector<std::string>> sampled_sets;
    for (uint64_t seed = 1; seed <= 8; ++seed) {
      const auto sampled = p.propose(s, 6, seed);
      REQUIRE(sampled.size() == 6);
      std::vector<std::string> names;
      std::set<std::string> distinct;
      for (std::size_t i = 0; i < sampled.size(); ++i) {
        CHECK_FALSE(sampled[i].tactic.empty());
        if (i > 0) CHECK(sampled[i].logprob <= sampled[i - 1].logprob);
        distinct.insert(sampled[i].tactic);
        names.push_back(sampled[i].tactic);
      }
      CHECK(distinct.size() == 6);
      const auto again = p.propose(s, 6, seed);
      for (std::size_t i = 0; i < sampled.size(); ++i) CHECK(again[i].tactic == sampled[i].tactic);
      sampled_sets.insert(names);
    }
    CHECK(sampled_sets.size() > 1);  // the seed matters
  }
}

TEST_CASE("the number of goals and the previous tactic change the proposal scores") {
  BuiltinPolicy p(small());
  for (int i = 0; i < 5; ++i) train_a_little(p);
  const auto one = p.propose(state({kGoal}), 3, 0);
  const auto two = p.propose(state({kGoal, "\u22A2 True"}), 3, 0);
  const auto after = p.propose(state({kGoal}, "simp"), 3, 0);
  CHECK(one[0].logprob != two[0].logprob);
  CHECK(one[0].logprob != after[0].logprob);
  // A step-mode decision's goal text with blank-line separated goals is read the same way.
  CHECK(p.action_logprobs(kGoal + "\n\n\u22A2 True", "")[action_of(p, two[0].tactic)] == two[0].logprob);
}

TEST_CASE("update: vocabulary growth, replay buffer, statistics, determinism") {
  BuiltinPolicy p(small());
  const int size = static_cast<int>(p.vocabulary().size());
  auto stats = p.update({experience({{kGoal, "", "exact Nat.add_comm a b"}, {kGoal, "exact Nat.add_comm a b", ""}}, 1.0, true),
                         experience({{kGoal, "", "  exact   Nat.add_comm b a  \n"}}, -1.0, false),
                         experience({{kGoal, "", "omega"}}, 0.0, true)});
  CHECK(stats.new_tactics == 1);
  CHECK(stats.vocabulary_size == size + 1);
  CHECK(p.vocabulary().back() == "exact Nat.add_comm a b");
  // The unverified experience's unknown tactic is neither added nor fitted; advantage 0 adds
  // no policy-gradient decision but still enters the replay buffer.
  CHECK(stats.decisions == 2);
  CHECK(p.replay_size() == 2);
  CHECK(stats.replayed == 3);
  CHECK(std::isfinite(stats.loss));
  CHECK(p.update_count() == 1);
  // The new tactic can be proposed.
  bool found = false;
  for (const auto& c : p.propose(state({kGoal}), 1000, 0)) found = found || c.tactic == "exact Nat.add_comm a b";
  CHECK(found);

  // The same trajectory again: no new tactic, no new replay entry.
  stats = p.update({experience({{kGoal, "", "exact Nat.add_comm a b"}, {kGoal, "exact Nat.add_comm a b", ""}}, 1.0, true)});
  CHECK(stats.new_tactics == 0);
  CHECK(p.replay_size() == 2);
  // An empty batch still replays.
  stats = p.update({});
  CHECK(stats.decisions == 0);
  CHECK(stats.replayed == 3);

  // Same options and data: bit-identical checkpoints.
  for (const char* model : {"loglinear", "mlp"}) {
    BuiltinPolicy a(small(model)), b(small(model));
    for (int i = 0; i < 3; ++i) {
      train_a_little(a);
      train_a_little(b);
    }
    CHECK(a.checkpoint() == b.checkpoint());
  }
}

TEST_CASE("the replay buffer keeps the newest trajectories up to its capacity and its batch size") {
  BuiltinOptions o = small();
  o.replay_capacity = 2;
  o.replay_batch = 2;
  BuiltinPolicy p(o);
  const auto s1 = p.update({experience({{kGoal, "", "omega"}, {kGoal, "omega", ""}}, 0, true)});
  CHECK(s1.replayed == 2);
  p.update({experience({{"\u22A2 2 + 2 = 4", "", "decide"}}, 0, true),
            experience({{"\u22A2 True", "", "trivial"}}, 0, true)});
  CHECK(p.replay_size() == 2);
  // The oldest trajectory (the only one with kGoal) left the buffer, and so the checkpoint.
  CHECK(p.checkpoint().find(kGoal) == std::string::npos);
  const auto s3 = p.update({});
  CHECK(s3.replayed == 2);  // both decisions left: decide and trivial
  o.replay_weight = 0;
  BuiltinPolicy off(o);
  CHECK(off.update({experience({{kGoal, "", "omega"}}, 0, true)}).replayed == 0);
  CHECK(off.replay_size() == 1);
}

TEST_CASE("whole-proof decisions train the step-mode goal of the same theorem") {
  BuiltinPolicy p(small());
  const std::size_t omega = action_of(p, "omega");
  const double before = p.action_logprobs(kGoal, "")[omega];
  for (int i = 0; i < 3; ++i) {
    p.update({experience({{kStatement, "", "omega"}, {kStatement, "omega", ""}}, 1.0, true)});
  }
  // The statement and its goal form share every feature.
  CHECK(p.action_logprobs(kStatement, "") == p.action_logprobs(kGoal, ""));
  CHECK(p.action_logprobs(kGoal, "")[omega] > before + 1.0);
  CHECK(p.propose(state({kGoal}), 1, 0)[0].tactic == "omega");
  // And STOP after omega became likelier.
  CHECK(p.action_logprobs(kGoal, "omega")[0] > p.action_logprobs(kGoal, "simp")[0]);
}

TEST_CASE("checkpoint round trip: identical bytes, generations and proposals") {
  for (const char* model : {"loglinear", "mlp"}) {
    INFO(model);
    BuiltinPolicy a(small(model));
    train_a_little(a);
    train_a_little(a);
    const std::string bytes = a.checkpoint();
    BuiltinPolicy b(small(model));
    CHECK(b.checkpoint() != bytes);
    b.restore(bytes);
    CHECK(b.checkpoint() == bytes);
    CHECK(b.version() == a.version());
    CHECK(b.vocabulary() == a.vocabulary());
    CHECK(b.replay_size() == a.replay_size());
    CHECK(b.update_count() == a.update_count());
    CHECK(same(a.generate({request(kStatement, 6, 3)})[0], b.generate({request(kStatement, 6, 3)})[0]));
    const auto pa = a.propose(state({kGoal}), 4, 9);
    const auto pb = b.propose(state({kGoal}), 4, 9);
    for (std::size_t i = 0; i < pa.size(); ++i) {
      CHECK(pa[i].tactic == pb[i].tactic);
      CHECK(pa[i].logprob == pb[i].logprob);
    }
    // Both continue identically (the replay draws depend on the restored counter).
    train_a_little(a);
    train_a_little(b);
    CHECK(a.checkpoint() == b.checkpoint());
  }
}

TEST_CASE("restore refuses corrupt, truncated and foreign bytes and leaves the policy alone") {
  BuiltinPolicy p(small());
  train_a_little(p);
  const std::string bytes = p.checkpoint();
  BuiltinPolicy target(small());
  const std::string before = target.checkpoint();

  auto refused = [&](const std::string& b, const std::string& message) {
    INFO(message);
    CHECK_THROWS_WITH(target.restore(b), Contains(message));
    CHECK(target.checkpoint() == before);
  };
  refused("", "bad magic");
  refused("garbage", "bad magic");
  refused(bytes.substr(0, 8), "truncated");
  refused(bytes.substr(0, 20), "truncated");
  for (std::size_t cut : {bytes.size() / 3, bytes.size() / 2, bytes.size() - 70, bytes.size() - 1}) {
    INFO(cut);
    CHECK_THROWS_AS(target.restore(bytes.substr(0, cut)), PolicyError);
  }
  refused(bytes.substr(0, bytes.size() - 1), "truncated");
  refused(bytes + "x", "1 trailing bytes");
  std::string flipped = bytes;
  flipped[bytes.size() / 2] = static_cast<char>(flipped[bytes.size() / 2] ^ 0x01);
  CHECK_THROWS_AS(target.restore(flipped), PolicyError);
  std::string tail = bytes;
  tail[tail.size() - 84] = static_cast<char>(tail[tail.size() - 84] ^ 0x20);  // inside the replay text
  refused(tail, "checksum");
  std::string magic = bytes;
  magic[0] = 'X';
  refused(magic, "bad magic");
  // The format version (after the 8 magic bytes and the format name) is checked before the rest.
  std::string version = bytes;
  const std::size_t version_at = 8 + 4 + std::string("builtin-loglinear").size();
  version[version_at] = 3;
  refused(version, "format version 3");

  BuiltinPolicy mlp(small("mlp"));
  refused(mlp.checkpoint(), "format 'builtin-mlp' but this policy is 'builtin-loglinear'");
  BuiltinOptions other = small();
  other.feature_bits = 13;
  refused(BuiltinPolicy(other).checkpoint(), "feature_bits 13");
  BuiltinOptions wider = small("mlp");
  wider.hidden = 32;
  BuiltinPolicy mlp_target(small("mlp"));
  CHECK_THROWS_WITH(mlp_target.restore(BuiltinPolicy(wider).checkpoint()), Contains("hidden 32"));
}

TEST_CASE("generate and propose from several threads give the single-threaded answers") {
  BuiltinPolicy p(small("mlp"));
  train_a_little(p);
  const auto expected_generate = p.generate({request(kStatement, 4, 5)})[0];
  const auto expected_propose = p.propose(state({kGoal}), 3, 5);
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      bool good = true;
      for (int i = 0; i < 20; ++i) {
        good = good && same(p.generate({request(kStatement, 4, 5)})[0], expected_generate);
        const auto pr = p.propose(state({kGoal}), 3, 5);
        for (std::size_t k = 0; k < pr.size(); ++k) good = good && pr[k].tactic == expected_propose[k].tactic;
      }
      ok[static_cast<std::size_t>(t)] = good ? 1 : 0;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(ok == std::vector<int>{1, 1, 1, 1});
}
