// Tests of BuiltinPolicy::revise: the prefix before Lean's first error is kept, the rest is
// sampled again without the tactic Lean refused there.
#include <catch2/catch.hpp>

#include <set>

#include "policy/builtin/builtin_policy.hpp"

using namespace policy;

namespace {

const std::string kStatement = "theorem t (p q : Prop) : p ∧ q → q := by\n";

RevisionRequest revision(std::vector<std::string> tactics, std::optional<int64_t> error_line,
                         const std::string& text, uint64_t seed) {
  RevisionRequest r;
  r.task = {"task-v1:0", "t", "", kStatement};
  std::string previous;
  for (const auto& t : tactics) {
    r.previous.decisions.push_back({kStatement, previous, t});
    r.previous.proof += "  " + t + "\n";
    previous = t;
  }
  r.previous.decisions.push_back({kStatement, previous, ""});
  r.feedback.verdict = "fail";
  r.feedback.messages.push_back({"error", error_line, 2, error_line, 9, text});
  r.seed = seed;
  return r;
}

std::vector<std::string> lines(const std::string& proof) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < proof.size()) {
    std::size_t end = proof.find('\n', start);
    out.push_back(proof.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

TEST_CASE("revise keeps the tactics before the first error and never redraws the refused one") {
  BuiltinPolicy policy;
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    auto out = policy.revise({revision({"intro h", "exact h.1", "rfl"}, 2, "type mismatch", seed)});
    REQUIRE(out.size() == 1);
    const Completion& c = out[0];
    INFO(c.proof);
    REQUIRE_FALSE(c.error);
    auto l = lines(c.proof);
    REQUIRE(l.size() >= 2);  // the kept tactic and at least one new one (no STOP first)
    CHECK(l[0] == "  intro h");
    CHECK(l[1] != "  exact h.1");
    CHECK(c.decisions.front().tactic == "intro h");
    CHECK(c.decisions[1].previous_tactic == "intro h");
    CHECK(c.prompt.find("Lean's first error at proof line 2") != std::string::npos);
  }
}

TEST_CASE("revise is a function of its seed") {
  BuiltinPolicy policy;
  auto a = policy.revise({revision({"intro h", "exact h.1"}, 2, "type mismatch", 9)});
  auto b = policy.revise({revision({"intro h", "exact h.1"}, 2, "type mismatch", 9)});
  CHECK(a[0].proof == b[0].proof);
  CHECK(a[0].logprob == b[0].logprob);
  std::set<std::string> proofs;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    proofs.insert(policy.revise({revision({"intro h", "exact h.1"}, 2, "x", seed)})[0].proof);
  }
  CHECK(proofs.size() > 1);
}

TEST_CASE("revise continues a proof that left goals, and stops early only after `no goals`") {
  BuiltinPolicy policy;
  // `unsolved goals` at the statement's `by` (line 0): every tactic ran; something is added.
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    auto c = policy.revise({revision({"intro h"}, 0, "unsolved goals\nh : p ∧ q\n⊢ q", seed)})[0];
    auto l = lines(c.proof);
    REQUIRE(l.size() >= 2);
    CHECK(l[0] == "  intro h");
  }
  // `no goals` at line 3: the two tactics before it may be the whole proof.
  bool stopped = false;
  for (uint64_t seed = 1; seed <= 200 && !stopped; ++seed) {
    auto c = policy.revise(
        {revision({"intro h", "exact h.2", "rfl"}, 3, "no goals to be proved", seed)})[0];
    CHECK(lines(c.proof).size() >= 2);
    stopped = c.proof == "  intro h\n  exact h.2\n";
  }
  CHECK(stopped);
  // An error on the first line keeps nothing and does not redraw that tactic first.
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    auto c = policy.revise({revision({"rfl"}, 1, "The rfl tactic failed", seed)})[0];
    CHECK(lines(c.proof).at(0) != "  rfl");
  }
}
