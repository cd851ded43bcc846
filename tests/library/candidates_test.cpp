#include <catch2/catch.hpp>

#include <algorithm>

#include "library/candidates.hpp"
#include "traces.hpp"

using namespace library;
using namespace library_test;

namespace {

const Candidate* with_type(const std::vector<Candidate>& cs, const std::string& type) {
  for (const auto& c : cs) {
    if (c.versions.front().statement.type == type) return &c;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("positions become byte offsets counting code points", "[library]") {
  std::string text = "ab\n⊢ x\n";
  CHECK(byte_offset(text, 1, 1) == 1);
  CHECK(byte_offset(text, 2, 0) == 3);
  CHECK(byte_offset(text, 2, 2) == 3 + 3 + 1);
  CHECK(byte_offset(text, 9, 0) == text.size());
}

TEST_CASE("a task's whole proof and its repeats inside other proofs are one candidate", "[library]") {
  std::vector<ProofTrace> proofs{chain_task("t1", "n"), chain_task("t2", "m"),
                                 chain_pair_task("u1", "a", "b")};
  auto cs = find_candidates(proofs);
  const Candidate* chain = with_type(cs, "Chain _");
  chain = nullptr;
  for (const auto& c : cs) {
    const auto& s = c.versions.front().statement;
    if (s.binders.size() == 1 && s.type == "Chain " + s.binders[0].name) chain = &c;
  }
  REQUIRE(chain != nullptr);
  // t1, t2 whole; u1 twice (left with a, right with b).
  REQUIRE(chain->occurrences.size() == 4);
  CHECK(chain->origin == "task");
  CHECK(chain->occurrences[2].args == std::vector<std::string>{"a"});
  CHECK(chain->occurrences[3].args == std::vector<std::string>{"b"});
  CHECK_FALSE(chain->occurrences[2].term);
  const Lemma& lemma = chain->versions.front();
  CHECK(lemma.derived_from == std::vector<std::string>{"task-t1", "task-t2", "task-u1"});
  CHECK(lemma.proof.rfind("by\n  unfold Chain\n  apply link1_intro", 0) == 0);
  // The range of u1's left occurrence is its five tactics, not `constructor`.
  const auto& o = chain->occurrences[2];
  std::string text = proofs[2].checked_text();
  std::string range = text.substr(o.begin, o.end - o.begin);
  CHECK(range.rfind("unfold Chain", 0) == 0);
  CHECK(range.find("omega") != std::string::npos);
  CHECK(range.find("constructor") == std::string::npos);
  // The pair's own theorem is a task candidate with one occurrence.
  const Candidate* pair = with_type(cs, "Chain a ∧ Chain b");
  REQUIRE(pair != nullptr);
  CHECK(pair->occurrences.size() == 1);
}

TEST_CASE("one statement whose variables were introduced in another order is one candidate", "[library]") {
  // (a b : Nat) : Chain a ∧ Chain b, and (x y : Nat) : Chain y ∧ Chain x.
  std::vector<ProofTrace> proofs{chain_pair_task("u1", "a", "b"), chain_pair_task("u2", "y", "x", true)};
  auto cs = find_candidates(proofs);
  std::vector<const Candidate*> pairs;
  for (const auto& c : cs) {
    if (c.versions.front().statement.type.find("∧") != std::string::npos) pairs.push_back(&c);
  }
  REQUIRE(pairs.size() == 1);
  REQUIRE(pairs[0]->occurrences.size() == 2);
  // The binders by their first use in the type; each occurrence's arguments in that order.
  const Statement& s = pairs[0]->versions.front().statement;
  REQUIRE(s.binders.size() == 2);
  CHECK(s.type == "Chain " + s.binders[0].name + " ∧ Chain " + s.binders[1].name);
  CHECK(pairs[0]->occurrences[0].args == std::vector<std::string>{"a", "b"});
  CHECK(pairs[0]->occurrences[1].args == std::vector<std::string>{"y", "x"});
}

TEST_CASE("a binder comes after every binder its type names", "[library]") {
  // (n : Nat) (h : 0 < n) : g h = n: h is used first in the type, but its type names n.
  std::vector<ProofTrace> proofs{
      make_trace("run:p", "task-p", "theorem p (n : Nat) (h : 0 < n) : g h = n := by\n",
                 {"n : Nat\nh : 0 < n\n⊢ g h = n"}, {{"rfl", {}}})};
  auto cs = find_candidates(proofs);
  REQUIRE(!cs.empty());
  const Statement& s = cs.front().versions.front().statement;
  REQUIRE(s.binders.size() == 2);
  CHECK(s.binders[0].name == "n");
  CHECK(s.binders[1].name == "h");
}

TEST_CASE("a candidate keeps its smallest versions, each with every source and task", "[library]") {
  // One statement, four texts (the variable's name): abc, n (twice), m, zz.
  std::vector<ProofTrace> proofs{chain_task("t1", "abc"), chain_task("t2", "n"), chain_task("t3", "m"),
                                 chain_task("t4", "n"), chain_task("t5", "zz")};
  auto binder = [](const Lemma& l) { return l.statement.binders.at(0).name; };
  auto tasks_of = [](const Lemma& l) {
    std::vector<std::string> out;
    for (const auto& s : l.sources) out.push_back(s.task_id);
    return out;
  };
  // Sources in the order their versions were found, each version's in occurrence order.
  const std::vector<std::string> order{"task-t1", "task-t2", "task-t4", "task-t3", "task-t5"};
  // The whole proofs' candidate (the sub-proofs inside them are candidates of their own).
  auto chain = [](const std::vector<Candidate>& cs) -> const Candidate* {
    for (const auto& c : cs) {
      const auto& s = c.versions.front().statement;
      if (s.binders.size() == 1 && s.type == "Chain " + s.binders[0].name) return &c;
    }
    return nullptr;
  };
  auto cs = find_candidates(proofs);
  REQUIRE(chain(cs) != nullptr);
  const Candidate& c = *chain(cs);
  CHECK(c.occurrences.size() == 5);
  REQUIRE(c.versions.size() == 3);
  CHECK(binder(c.versions[0]) == "n");  // smallest; n before m, as found
  CHECK(binder(c.versions[1]) == "m");
  CHECK(binder(c.versions[2]) == "zz");
  for (const auto& v : c.versions) {
    CHECK(tasks_of(v) == order);
    CHECK(v.derived_from == order);
  }
  CandidateOptions all;
  all.max_versions = 10;
  auto every = find_candidates(proofs, all);
  REQUIRE(chain(every) != nullptr);
  const Candidate& e = *chain(every);
  REQUIRE(e.versions.size() == 4);
  CHECK(binder(e.versions[3]) == "abc");
  CHECK(tasks_of(e.versions[3]) == order);
}

TEST_CASE("a sub-proof found in one proof only is no candidate", "[library]") {
  std::vector<ProofTrace> proofs{chain_pair_task("u1", "a", "b")};
  auto cs = find_candidates(proofs);
  for (const auto& c : cs) CHECK(c.origin == "task");
  // Found twice in the same proof is still one proof.
  CHECK(cs.size() == 1);
}

TEST_CASE("a have step becomes a lemma over the hypotheses it names", "[library]") {
  std::string goal = "x y : Nat\nhx : x > 0\nhy : y > 0\n⊢ x + y > 0";
  std::vector<Line> lines{
      {"have h : x ≠ 0 := Nat.pos_iff_ne_zero.mp hx", {"x y : Nat\nhx : x > 0\nhy : y > 0\nh : x ≠ 0\n⊢ x + y > 0"}},
      {"exact Nat.add_pos_left hx y", {}}};
  auto trace = make_trace("run:7", "task-h", "theorem th (x y : Nat) (hx : x > 0) (hy : y > 0) : x + y > 0 := by\n",
                          {goal}, lines);
  auto cs = find_candidates({trace}, {});
  const Candidate* have = with_type(cs, "x ≠ 0");
  REQUIRE(have != nullptr);
  CHECK(have->origin == "have");
  const Lemma& l = have->versions.front();
  REQUIRE(l.statement.binders.size() == 2);
  CHECK(l.statement.binders[0].name == "x");
  CHECK(l.statement.binders[1].name == "hx");
  CHECK(l.proof == "Nat.pos_iff_ne_zero.mp hx");
  const auto& o = have->occurrences.front();
  CHECK(o.term);
  CHECK(o.args == std::vector<std::string>{"x", "hx"});
  std::string text = trace.checked_text();
  CHECK(text.substr(o.begin, o.end - o.begin) == " Nat.pos_iff_ne_zero.mp hx");
}

TEST_CASE("a proof that reads the context implicitly is stated over every fact, not every variable", "[library]") {
  std::string goal = "x y : Nat\nh : x > 0\nk : 1 = 1\n⊢ x ≥ 1";
  auto trace = make_trace("run:8", "task-o", "theorem o (x y : Nat) (h : x > 0) (k : 1 = 1) : x ≥ 1 := by\n",
                          {goal}, {{"omega", {}}});
  auto cs = find_candidates({trace}, {});
  REQUIRE(cs.size() == 1);
  CHECK(cs.front().versions.front().statement.binders.size() == 3);
}

TEST_CASE("a lemma that needs an inaccessible hypothesis makes no occurrence", "[library]") {
  std::string goal = "x : Nat\nh✝ : x > 0\n⊢ x ≥ 1";
  auto trace = make_trace("run:9", "task-i", "theorem i (x : Nat) : x > 0 → x ≥ 1 := by\n",
                          {goal}, {{"omega", {}}});
  CHECK(find_candidates({trace}, {}).empty());
}

TEST_CASE("a have's tactic block is one version with the sub-proof its steps make", "[library]") {
  // `have h : Chain x := by` and two tactics indented below it, as Lean's tree gives it: the
  // have step, its block's steps as its children, then `exact h`.
  ProofTrace t;
  t.key = "run:10";
  t.task_id = "task-b";
  t.header = "import Mathlib\n";
  t.statement = "theorem b (x : Nat) : Chain x := by\n";
  t.proof = "  have h : Chain x := by\n    unfold Chain\n    apply link1_intro\n  exact h\n";
  std::string before = "x : Nat\n⊢ Chain x", after = "x : Nat\nh : Chain x\n⊢ Chain x";
  auto step = [](int64_t index, int64_t parent, std::string tactic, std::vector<std::string> goals_before,
                 std::vector<std::string> goals_after, int64_t line, int64_t column, int64_t end_line,
                 int64_t end_column) {
    Step s;
    s.index = index;
    s.parent = parent;
    s.tactic = std::move(tactic);
    s.goals_before = std::move(goals_before);
    s.goals_after = std::move(goals_after);
    s.line = line;
    s.column = column;
    s.end_line = end_line;
    s.end_column = end_column;
    s.is_have = s.tactic.rfind("have", 0) == 0;
    return s;
  };
  t.steps = {step(0, -1, "have h : Chain x := by\n    unfold Chain\n    apply link1_intro", {before}, {after}, 2, 2, 4, 21),
             step(1, 0, "unfold Chain", {"x : Nat\n⊢ Chain x"}, {"x : Nat\n⊢ Link1 x"}, 3, 4, 3, 16),
             step(2, 0, "apply link1_intro", {"x : Nat\n⊢ Link1 x"}, {}, 4, 4, 4, 21),
             step(3, -1, "exact h", {after}, {}, 5, 2, 5, 9)};
  auto cs = find_candidates({t}, {});
  const Candidate* chain = nullptr;
  for (const auto& c : cs) {
    const auto& st = c.versions.front().statement;
    if (st.type == "Chain x" && st.binders.size() == 1) chain = &c;
  }
  REQUIRE(chain != nullptr);
  CHECK(chain->origin == "have");
  // The have's proof, its block re-indented, is the same text as the block lifted as a
  // sub-proof (and as the task's own theorem): one version, whose first source is the have.
  REQUIRE(chain->versions.size() == 2);  // with the whole proof's, `have ...` then `exact h`
  const Lemma& l = chain->versions.front();
  CHECK(l.proof == "by\n  unfold Chain\n  apply link1_intro");
  CHECK(l.origin == "have");
  REQUIRE(chain->occurrences.size() == 3);
  CHECK(chain->occurrences[0].origin == "have");
  CHECK(chain->occurrences[0].term);
  std::string text = t.checked_text();
  const auto& o = chain->occurrences[0];
  CHECK(text.substr(o.begin, o.end - o.begin) == " by\n    unfold Chain\n    apply link1_intro");
}
