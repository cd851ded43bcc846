// Library lemmas as actions of the built-in policy (policy/builtin/library.hpp, README.md
// "Library lemmas"): statements read into binders and a conclusion, matching against goals,
// argument filling, the derived_from rule, rw/simp for equations, step and whole mode, the
// transfer of a learned `exact NAME` to other tasks, and checkpoints carrying the library.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/tagged_hash.hpp"
#include "policy/builtin/builtin_policy.hpp"
#include "policy/builtin/features.hpp"
#include "policy/builtin/library.hpp"

using namespace policy;
using namespace policy::builtin;
using Catch::Matchers::Contains;

namespace {

const std::string kChain = "lib_0123456789ab";
const std::string kChainLemma = "theorem lib_0123456789ab (n : Nat) : Chain n";

// The tactics `statement` offers for `goal`, in offer order.
std::vector<std::string> offers(const std::string& statement, const std::string& goal) {
  auto lemma = parse_lemma(statement);
  REQUIRE(lemma);
  std::vector<std::string> out;
  for (const LemmaOffer& o : lemma_offers(*lemma, goal_parts(goal))) out.push_back(o.tactic);
  return out;
}

using Tactics = std::vector<std::string>;

BuiltinOptions small() {
  BuiltinOptions o;
  o.feature_bits = 12;
  return o;
}

LibraryLemma chain_lemma(std::vector<std::string> derived_from = {"task-v1:train"}) {
  return {kChain, kChainLemma, std::move(derived_from)};
}

StepState state(const std::vector<std::string>& goals, const TaskView* task = nullptr) {
  StepState s;
  s.goals = goals;
  s.task = task;
  return s;
}

Tactics proposed(BuiltinPolicy& p, const StepState& s, int k = 200) {
  Tactics out;
  for (const TacticChoice& c : p.propose(s, k, 0)) out.push_back(c.tactic);
  return out;
}

bool has(const Tactics& tactics, const std::string& t) {
  return std::find(tactics.begin(), tactics.end(), t) != tactics.end();
}

std::size_t index_of(const BuiltinPolicy& p, const std::string& tactic) {
  const auto& v = p.vocabulary();
  auto it = std::find(v.begin(), v.end(), tactic);
  REQUIRE(it != v.end());
  return 1 + static_cast<std::size_t>(it - v.begin());
}

}  // namespace

TEST_CASE("library statements: binders, variables and hypotheses, equations") {
  auto lemma = parse_lemma("theorem lib_000000000002 {α : Type} [inst : Inhabited α] (a b : Nat) (h : a ≤ b) (x : α) : P a x");
  REQUIRE(lemma);
  CHECK(lemma->name == "lib_000000000002");
  REQUIRE(lemma->binders.size() == 6);
  CHECK(lemma->binders[0].name == "α");
  CHECK(lemma->binders[0].kind == LemmaBinder::Kind::implicit);
  CHECK(lemma->binders[0].variable);  // in x's type
  CHECK(lemma->binders[1].kind == LemmaBinder::Kind::instance);
  CHECK_FALSE(lemma->binders[1].variable);
  CHECK(lemma->binders[2].variable);  // a: in h's type and the conclusion
  CHECK(lemma->binders[3].variable);  // b: in h's type
  CHECK_FALSE(lemma->binders[4].variable);  // h: a hypothesis
  CHECK(lemma->binders[5].variable);
  CHECK_FALSE(lemma->lhs);
  CHECK(parse_lemma("theorem lib_000000000003 (n : Nat) : n + 0 = n")->lhs);
  CHECK_FALSE(parse_lemma("theorem lib_000000000004 (a b : Nat) : a = b ∧ b = a")->lhs);
  CHECK_FALSE(parse_lemma("theorem lib_000000000005 (x : Nat) : x = x")->lhs);  // l is a lone variable
  CHECK_FALSE(parse_lemma("def foo : Nat"));
  CHECK_FALSE(parse_lemma("theorem lib_000000000006 (n : Nat)"));
}

TEST_CASE("library matching: variables, parenthesised arguments, consistency, no match") {
  CHECK(offers(kChainLemma, "a : Nat\n⊢ Chain a") == Tactics{"exact " + kChain + " a"});
  CHECK(offers(kChainLemma, "⊢ Chain 7") == Tactics{"exact " + kChain + " 7"});
  CHECK(offers(kChainLemma, "a : Nat\n⊢ Chain (a + 1)") == Tactics{"exact " + kChain + " (a + 1)"});
  CHECK(offers(kChainLemma, "a : Nat\n⊢ Chain a ∧ Chain a").empty());  // the whole target must match
  CHECK(offers(kChainLemma, "a : Nat\n⊢ Other a").empty());
  CHECK(offers(kChainLemma, "⊢ Chain +").empty());  // a symbol is no variable's token
  const std::string same = "theorem lib_000000000007 (x : Nat) : R x x";
  CHECK(offers(same, "a : Nat\n⊢ R a a") == Tactics{"exact lib_000000000007 a"});
  CHECK(offers(same, "a b : Nat\n⊢ R a b").empty());
  CHECK(offers(same, "a : Nat\n⊢ R (f a) (f a)") == Tactics{"exact lib_000000000007 (f a)"});
}

TEST_CASE("library arguments: hypotheses from the goal, implicit and instance binders left to Lean") {
  const std::string mono = "theorem lib_000000000008 (a b : Nat) (h : a ≤ b) (hg : Good b) : Good2 a b";
  // Every explicit hypothesis found: exact with variables and hypothesis names in binder order.
  CHECK(offers(mono, "x y : Nat\nhg' : Good y\nhxy : x ≤ y\n⊢ Good2 x y") ==
        Tactics{"exact lib_000000000008 x y hxy hg'"});
  // One missing: apply with the explicit variables, the hypotheses left as goals.
  CHECK(offers(mono, "x y : Nat\nhxy : x ≤ y\n⊢ Good2 x y") == Tactics{"apply lib_000000000008 x y"});
  CHECK(offers(mono, "x y : Nat\nhxy : y ≤ x\nhg : Good y\n⊢ Good2 x y") == Tactics{"apply lib_000000000008 x y"});
  // An inaccessible hypothesis (h✝) cannot be named.
  CHECK(offers(mono, "x y : Nat\nh✝ : x ≤ y\nhg : Good y\n⊢ Good2 x y") == Tactics{"apply lib_000000000008 x y"});
  // Implicit and instance binders are not written.
  const std::string implicit = "theorem lib_000000000009 {α : Type} [inst : Inhabited α] (x : α) : P x";
  CHECK(offers(implicit, "β : Type\ny : β\n⊢ P y") == Tactics{"exact lib_000000000009 y"});
  const std::string all_implicit = "theorem lib_00000000000a {n : Nat} (h : Even n) : Even (n + 2)";
  CHECK(offers(all_implicit, "k : Nat\nhk : Even k\n⊢ Even (k + 2)") == Tactics{"exact lib_00000000000a hk"});
  CHECK(offers(all_implicit, "k : Nat\n⊢ Even (k + 2)") == Tactics{"apply lib_00000000000a"});
  // A variable only a hypothesis binds: found by matching the hypotheses.
  const std::string via_hyp = "theorem lib_00000000000b (a b : Nat) (h : Step a b) : Reach b";
  CHECK(offers(via_hyp, "x y : Nat\nh1 : Step x y\n⊢ Reach y") == Tactics{"exact lib_00000000000b x y h1"});
  CHECK(offers(via_hyp, "x y : Nat\n⊢ Reach y").empty());  // apply needs a for its arguments
}

TEST_CASE("library equations: rw and simp where the left side matches a sub-term") {
  const std::string eq = "theorem lib_00000000000c (n : Nat) : n + 0 = n";
  CHECK(offers(eq, "a : Nat\n⊢ a + 0 = a") ==
        Tactics{"exact lib_00000000000c a", "rw [lib_00000000000c]", "simp [lib_00000000000c]"});
  CHECK(offers(eq, "a b : Nat\n⊢ f (b + 0) = f b") == Tactics{"rw [lib_00000000000c]", "simp [lib_00000000000c]"});
  CHECK(offers(eq, "a b : Nat\n⊢ f b = f b").empty());
}

TEST_CASE("library action forms and their abstract actions") {
  CHECK(is_library_name(kChain));
  CHECK_FALSE(is_library_name("lib_0123456789AB"));
  CHECK_FALSE(is_library_name("lib_0123"));
  CHECK(abstract_of_tactic("exact " + kChain + " (a + 1)") == "exact " + kChain);
  CHECK(abstract_of_tactic("  apply   " + kChain + " x") == "apply " + kChain);
  CHECK(abstract_of_tactic("rw [" + kChain + "]") == "rw [" + kChain + "]");
  CHECK(abstract_of_tactic("simp [" + kChain + "]") == "simp [" + kChain + "]");
  CHECK_FALSE(abstract_of_tactic("exact h"));
  CHECK_FALSE(abstract_of_tactic("simp [Nat.add_comm]"));
  CHECK(lemma_of_abstract("rw [" + kChain + "]") == kChain);
  CHECK_FALSE(lemma_of_abstract("exact " + kChain + " a"));
}

TEST_CASE("set_library: capabilities, vocabulary growth, refusals") {
  BuiltinPolicy p(small());
  CHECK(p.capabilities().uses_library);
  const auto size = p.vocabulary().size();
  const std::string version = p.version();
  p.set_library({chain_lemma(), {"lib_00000000000c", "theorem lib_00000000000c (n : Nat) : n + 0 = n", {}}});
  CHECK(p.vocabulary().size() == size + 6);  // exact, apply; exact, apply, rw, simp
  CHECK(p.version() != version);
  CHECK_THROWS_WITH(p.set_library({{"lemma_1", "theorem lemma_1 : True", {}}}), Contains("lib_<12 lowercase hex>"));
  CHECK_THROWS_WITH(p.set_library({chain_lemma(), chain_lemma()}), Contains("given twice"));
  CHECK_THROWS_WITH(p.set_library({{kChain, "theorem lib_000000000001 (n : Nat) : Chain n", {}}}),
                    Contains("cannot read its statement"));
  CHECK(p.library().size() == 2);  // a refused library leaves the previous one
}

TEST_CASE("propose offers lemma actions a library-less policy cannot, never for a task it came from") {
  BuiltinPolicy plain(small());
  BuiltinPolicy p(small());
  p.set_library({chain_lemma({"task-v1:train"})});
  const std::string goal = "m : Nat\n⊢ Chain m";
  TaskView other{"task-v1:other", "t", "", "theorem t (m : Nat) : Chain m := by\n"};
  TaskView own{"task-v1:train", "t", "", "theorem t (m : Nat) : Chain m := by\n"};
  CHECK_FALSE(has(proposed(plain, state({goal}, &other)), "exact " + kChain + " m"));
  CHECK(has(proposed(p, state({goal}, &other)), "exact " + kChain + " m"));
  CHECK(has(proposed(p, state({goal})), "exact " + kChain + " m"));  // no task known
  const Tactics own_tactics = proposed(p, state({goal}, &own));
  CHECK(std::none_of(own_tactics.begin(), own_tactics.end(),
                     [](const std::string& t) { return t.find("lib_") != std::string::npos; }));
  // Never the abstract entries themselves, nor a lemma whose conclusion does not match.
  const Tactics elsewhere = proposed(p, state({"m : Nat\n⊢ m = m"}, &other));
  CHECK(std::none_of(elsewhere.begin(), elsewhere.end(),
                     [](const std::string& t) { return t.find("lib_") != std::string::npos; }));
  CHECK(p.library_offers(goal, "task-v1:other") == std::map<int, std::string>{
            {static_cast<int>(index_of(p, "exact " + kChain)) - 1, "exact " + kChain + " m"}});
}

TEST_CASE("propose offers rw and simp for an equation's left side") {
  BuiltinPolicy p(small());
  p.set_library({{"lib_00000000000c", "theorem lib_00000000000c (n : Nat) : n + 0 = n", {}}});
  const Tactics t = proposed(p, state({"a b : Nat\n⊢ f (b + 0) = f b"}));
  CHECK(has(t, "rw [lib_00000000000c]"));
  CHECK(has(t, "simp [lib_00000000000c]"));
  CHECK_FALSE(has(t, "exact lib_00000000000c"));
}

TEST_CASE("a rewarded exact NAME transfers to another task with other argument names") {
  BuiltinPolicy p(small());
  p.set_library({chain_lemma()});
  const std::size_t exact = index_of(p, "exact " + kChain);
  const std::string trained = "n : Nat\n⊢ Chain n";
  const std::string held_out = "k j : Nat\n⊢ Chain j";
  const double before = p.action_logprobs(held_out, "")[exact];
  for (int i = 0; i < 5; ++i) {
    p.update({{{{trained, "", "exact " + kChain + " n"}}, 1.0, true}});
  }
  // No concrete `exact lib_x n` entry was added: the abstract one learned.
  CHECK(std::count(p.vocabulary().begin(), p.vocabulary().end(), "exact " + kChain + " n") == 0);
  CHECK(p.action_logprobs(held_out, "")[exact] > before + 1.0);
  TaskView held{"task-v1:held", "h", "", "theorem h (k j : Nat) : Chain j := by\n"};
  const auto top = p.propose(state({held_out}, &held), 1, 0);
  REQUIRE(top.size() == 1);
  CHECK(top[0].tactic == "exact " + kChain + " j");
}

TEST_CASE("whole proofs: constructor, then a lemma for each conjunct, then stop") {
  BuiltinPolicy p(small());
  p.set_library({chain_lemma()});
  const std::string trained = "theorem t (a b : Nat) : Chain a ∧ Chain b := by\n";
  for (int i = 0; i < 30; ++i) {
    p.update({{{{trained, "", "constructor"},
                {trained, "constructor", "exact " + kChain + " a"},
                {trained, "exact " + kChain + " a", "exact " + kChain + " b"},
                {trained, "exact " + kChain + " b", ""}},
               1.0,
               true}});
  }
  GenerationRequest r;
  r.task = {"task-v1:held", "u", "", "theorem u (x y : Nat) : Chain y ∧ Chain x := by\n"};
  r.samples = 16;
  r.seed = 5;
  const auto samples = p.generate({r})[0];
  const std::string wanted = "  constructor\n  exact " + kChain + " y\n  exact " + kChain + " x\n";
  const auto hits = std::count_if(samples.begin(), samples.end(), [&](const Completion& c) { return c.proof == wanted; });
  CHECK(hits >= 8);  // 11 of 16 with this seed; a library-less policy can write none
  for (const Completion& c : samples) {
    if (c.proof != wanted) continue;
    REQUIRE(c.decisions.size() == 4);
    CHECK(c.decisions[1].tactic == "exact " + kChain + " y");
    CHECK(c.decisions[3].tactic.empty());  // stopped: no goal left
  }
  // Its own task is never offered the lemma.
  r.task.task_id = "task-v1:train";
  p.set_library({chain_lemma({"task-v1:train"})});
  const auto own = p.generate({r})[0];
  for (const Completion& c : own) CHECK(c.proof.find("lib_") == std::string::npos);
}

TEST_CASE("checkpoints carry the library: round trip with library actions, version 1 still restores") {
  BuiltinPolicy a(small());
  a.set_library({chain_lemma({"task-v1:train", "task-v1:other"}),
                 {"lib_00000000000c", "theorem lib_00000000000c (n : Nat) : n + 0 = n", {}}});
  a.update({{{{"n : Nat\n⊢ Chain n", "", "exact " + kChain + " n"}}, 1.0, true}});
  const std::string bytes = a.checkpoint();
  BuiltinPolicy b(small());
  b.restore(bytes);
  CHECK(b.checkpoint() == bytes);
  CHECK(b.version() == a.version());
  REQUIRE(b.library().size() == 2);
  CHECK(b.library()[0].derived_from == std::vector<std::string>{"task-v1:train", "task-v1:other"});
  const auto goal = state({"k : Nat\n⊢ Chain k"});
  CHECK(proposed(a, goal, 3) == proposed(b, goal, 3));
  CHECK(proposed(b, goal, 1) == Tactics{"exact " + kChain + " k"});

  // A version-1 checkpoint (no library section): restores with no library.
  BuiltinPolicy plain(small());
  std::string v1 = plain.checkpoint();
  const std::size_t version_at = 8 + 4 + std::string("builtin-loglinear").size();
  REQUIRE(v1[version_at] == 2);
  v1[version_at] = 1;
  v1.erase(v1.size() - 64 - 4);                    // the checksum and the empty library's count
  v1 += common::sha256_hex(v1);
  BuiltinPolicy c(small());
  c.set_library({chain_lemma()});
  c.restore(v1);
  CHECK(c.library().empty());
  CHECK(c.checkpoint() == plain.checkpoint());
}

TEST_CASE("revise: after the kept prefix the followed goal gets its lemma") {
  BuiltinPolicy p(small());
  p.set_library({chain_lemma()});
  const std::string statement = "theorem t (a b : Nat) : Chain a ∧ Chain b := by\n";
  for (int i = 0; i < 8; ++i) {
    p.update({{{{statement, "constructor", "exact " + kChain + " a"},
                {statement, "exact " + kChain + " a", "exact " + kChain + " b"}},
               1.0,
               true}});
  }
  RevisionRequest r;
  r.task = {"task-v1:held", "t", "", statement};
  r.previous.proof = "  constructor\n  exact " + kChain + " a\n  simp\n";
  r.previous.decisions = {{statement, "", "constructor"},
                          {statement, "constructor", "exact " + kChain + " a"},
                          {statement, "exact " + kChain + " a", "simp"}};
  r.feedback.verdict = "fail";
  r.feedback.messages.push_back({"error", 3, 2, 3, 6, "simp made no progress"});
  int fixed = 0;
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    r.seed = seed;
    const Completion c = p.revise({r})[0];
    // The prefix is kept; the only goal left is `Chain b`, so a lemma line names b, and the
    // proof stops once no goal is left.
    CHECK(c.proof.rfind("  constructor\n  exact " + kChain + " a\n", 0) == 0);
    if (c.proof == "  constructor\n  exact " + kChain + " a\n  exact " + kChain + " b\n") {
      ++fixed;
      CHECK(c.decisions.back().tactic.empty());
    }
  }
  CHECK(fixed >= 5);
}

namespace {

struct FamilyTask {
  TaskView view;
  std::string family, split;
};

std::vector<FamilyTask> library_families() {
  std::ifstream in(std::string(LIBRARY_FAMILIES_DIR) + "/tasks.jsonl");
  REQUIRE(in);
  std::vector<FamilyTask> out;
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line);
    out.push_back({{"id:" + j["name"].get<std::string>(), j["name"], j["header"], j["formal_statement"]},
                   j["family"],
                   j["split"]});
  }
  return out;
}

// The Nat variables of `Chain x ∧ Chain y`, in the target's order.
std::vector<std::string> chain_arguments(const std::string& statement) {
  std::vector<std::string> out;
  for (std::size_t at = statement.find("Chain "); at != std::string::npos; at = statement.find("Chain ", at + 1)) {
    const std::size_t from = at + 6;
    out.push_back(statement.substr(from, statement.find_first_of(" :", from) - from));
  }
  return out;
}

}  // namespace

TEST_CASE("library families: the chain lemma makes the two-chain tasks reachable, learned on train, on valid") {
  const std::vector<FamilyTask> tasks = library_families();
  std::vector<std::string> chain1_train;
  for (const FamilyTask& t : tasks) {
    if (t.family == "chain1" && t.split == "train") chain1_train.push_back(t.view.task_id);
  }
  REQUIRE(chain1_train.size() == 8);
  BuiltinOptions options = small();
  options.vocabulary = std::string(LIBRARY_FAMILIES_DIR) + "/vocabulary.txt";
  BuiltinPolicy with(options), without(options);
  with.set_library({chain_lemma(chain1_train)});

  // Ten updates from the train split's two-chain proofs: constructor, the lemma twice, stop.
  for (int round = 0; round < 10; ++round) {
    std::vector<Experience> batch;
    for (const FamilyTask& t : tasks) {
      if (t.family != "chain2" || t.split != "train") continue;
      const auto args = chain_arguments(t.view.statement);
      REQUIRE(args.size() == 2);
      const std::string& s = t.view.statement;
      const std::string first = "exact " + kChain + " " + args[0], second = "exact " + kChain + " " + args[1];
      batch.push_back({{{s, "", "constructor"}, {s, "constructor", first}, {s, first, second}, {s, second, ""}}, 1.0, true});
    }
    with.update(batch);
    without.update(batch);
  }

  int solved_with = 0, solved_without = 0, samples = 0;
  for (const FamilyTask& t : tasks) {
    if (t.family != "chain2" || t.split != "valid") continue;
    const auto args = chain_arguments(t.view.statement);
    const std::string proof = "  constructor\n  exact " + kChain + " " + args[0] + "\n  exact " + kChain + " " + args[1] + "\n";
    GenerationRequest r{t.view, 8, 11};
    const auto drawn_with = with.generate({r})[0];
    const auto drawn_without = without.generate({r})[0];
    for (const Completion& c : drawn_with) solved_with += c.proof == proof;
    for (const Completion& c : drawn_without) solved_without += c.proof.find("lib_") != std::string::npos;
    samples += 8;
  }
  REQUIRE(samples == 40);
  CHECK(solved_without == 0);  // without the library the lemma is never drawn
  CHECK(solved_with >= samples / 2);  // 35 of 40 with these seeds

  // A chain1 train task is never offered the lemma lifted from it; a valid one is.
  for (const FamilyTask& t : tasks) {
    if (t.family != "chain1") continue;
    const std::string goal = policy::builtin::goal_of_statement(t.view.statement);
    StepState s;
    s.goals = {goal};
    s.task = &t.view;
    const Tactics offered = proposed(with, s);
    const bool has_lemma = std::any_of(offered.begin(), offered.end(),
                                       [](const std::string& x) { return x.find("lib_") != std::string::npos; });
    CHECK(has_lemma == (t.split == "valid"));
  }
}
