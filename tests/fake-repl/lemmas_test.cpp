// Checks declared lemmas in fake-repl's rules mode (README.md, "Lemmas"): lemma_tactic on its
// own (exact, apply, inference, errors), run_tactic trying lemmas before the rules, and the
// built binary (tactic mode in a lemma's env, a lemma of the same command, a library command,
// axioms seen through lemmas, infotree nodes).
#include "lemmas.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "child_process.hpp"
#include "tactic_rules.hpp"

namespace {

using fake_repl::Goal;
using fake_repl::Lemma;
using fake_repl::LemmaLookup;
using fake_repl::LemmaStep;
using fake_repl_test::ChildProcess;
using nlohmann::json;
namespace fs = std::filesystem;

// Lemmas by name, read from their declarations as the elaborator reads them.
class Library {
 public:
  explicit Library(const std::vector<std::string>& declarations) {
    for (const std::string& text : declarations) {
      std::vector<fake_repl::Token> tokens = fake_repl::tokenize(text);
      REQUIRE(tokens.size() > 2);
      std::optional<Lemma> lemma = fake_repl::read_lemma(tokens, 2);
      REQUIRE(lemma);
      m_lemmas.emplace(tokens[1].text, std::move(*lemma));
    }
  }
  LemmaLookup lookup() const {
    return [this](const std::string& name) -> const Lemma* {
      auto found = m_lemmas.find(name);
      return found == m_lemmas.end() ? nullptr : &found->second;
    };
  }
  std::optional<LemmaStep> run(const std::string& goal, const std::string& tactic) const {
    return fake_repl::lemma_tactic(lookup(), fake_repl::parse_goal(goal).goal, tactic);
  }

 private:
  std::map<std::string, Lemma> m_lemmas;
};

// The lemmas of the unit tests (read on first use, inside a test).
const Library& lemmas() {
  static const Library library({
      "theorem add_zero' (n : Nat) : n + 0 = n := by omega",
      "theorem le_add {a b : Nat} (h : a ≤ b) (k : Nat) : a ≤ b + k := by omega",
      "theorem trans' {a b c : Nat} (h₁ : a ≤ b) (h₂ : b ≤ c) : a ≤ c := by omega",
      "theorem both (p q : Prop) (hp : p) (hq : q) : p ∧ q := ⟨hp, hq⟩",
      "theorem swap {α : Type} [inst : Inhabited α] (x y : α) (h : x = y) : y = x := h.symm",
  });
  return library;
}

// A closed goal: no error, no goals.
bool closes(const std::optional<LemmaStep>& step) {
  return step && !step->error && step->goals.empty();
}

std::string error_of(const std::optional<LemmaStep>& step) {
  REQUIRE(step);
  REQUIRE(step->error);
  return *step->error;
}

std::vector<std::string> goals_of(const std::optional<LemmaStep>& step) {
  REQUIRE(step);
  REQUIRE_FALSE(step->error);
  std::vector<std::string> out;
  for (const Goal& goal : step->goals) out.push_back(fake_repl::render_goal(goal));
  return out;
}

// A rules file in a fresh temporary directory, removed with the object.
class RulesFile {
 public:
  explicit RulesFile(const std::string& content) {
    char pattern[] = "/tmp/fake-repl-lemmas-XXXXXX";
    REQUIRE(mkdtemp(pattern) != nullptr);
    m_dir = pattern;
    std::ofstream(m_dir / "rules.json") << content;
  }
  ~RulesFile() { fs::remove_all(m_dir); }
  std::string path() const { return (m_dir / "rules.json").string(); }

 private:
  fs::path m_dir;
};

const char* const rules_json = R"json([
  {"goal": "(.+)", "hyp": "(\\S+) : $1", "tactic": "exact ${h1}", "goals": []},
  {"goal": "(.+) = \\1", "tactic": "rfl", "goals": []},
  {"goal": "(?=.*[a-z])[a-z0-9 +*]+ (<|≤|=) [a-z0-9 +*]+", "tactic": "omega", "goals": []}
])json";

struct Repl {
  explicit Repl(const std::string& rules_path) : child({"--tactic-rules", rules_path}) {}
  json ask(const json& value) {
    child.send(value.dump() + "\n\n");
    auto answer = child.read_answer();
    REQUIRE(answer);
    return json::parse(*answer);
  }
  ChildProcess child;
};

std::vector<std::string> data_of(const json& answer) {
  std::vector<std::string> out;
  for (const json& message : answer.value("messages", json::array()))
    out.push_back(message["data"].get<std::string>());
  return out;
}

}  // namespace

TEST_CASE("lemmas: exact with every argument closes a goal equal to the instantiated statement",
          "[fake-repl][lemmas]") {
  CHECK(closes(lemmas().run("x : Nat\n⊢ x + 0 = x", "exact add_zero' x")));
  CHECK(closes(lemmas().run("x : Nat\n⊢ x + 0 = x", "exact  add_zero'  (x)")));
  CHECK(closes(lemmas().run("x : Nat\n⊢ (x * 2) + 0 = (x * 2)", "exact add_zero' (x * 2)")));
  CHECK(closes(lemmas().run("a b : Prop\nha : a\nhb : b\n⊢ a ∧ b", "exact both a b ha hb")));
  CHECK(closes(lemmas().run("x y : Nat\nhxy : x ≤ y\n⊢ x ≤ y + 3", "exact le_add hxy 3")));
  // Not a lemma call: the rules decide.
  CHECK_FALSE(lemmas().run("x : Nat\n⊢ x + 0 = x", "exact h"));
  CHECK_FALSE(lemmas().run("x : Nat\n⊢ x + 0 = x", "exact (add_zero' x)"));
  CHECK_FALSE(lemmas().run("x : Nat\n⊢ x = x + 0", "exact add_zero' x |>.symm"));
  CHECK_FALSE(lemmas().run("x : Nat\n⊢ x + 0 = x", "simp [add_zero']"));
  // A hypothesis of the same name shadows the lemma.
  CHECK_FALSE(lemmas().run("x : Nat\nboth : x + 0 = x\n⊢ x + 0 = x", "exact both"));
}

TEST_CASE("lemmas: exact infers implicit and missing explicit variables from the goal",
          "[fake-repl][lemmas]") {
  const std::string goal = "x y : Nat\nhxy : x ≤ y\n⊢ x ≤ y + (2 * x)";
  CHECK(closes(lemmas().run(goal, "exact le_add hxy")));
  CHECK(closes(lemmas().run(goal, "exact le_add hxy (2 * x)")));
  CHECK(closes(lemmas().run(goal, "exact le_add hxy _")));
  CHECK(closes(lemmas().run("x : Nat\n⊢ x + 0 = x", "exact add_zero'")));
  CHECK(closes(lemmas().run("a b : Prop\nha : a\nhb : b\n⊢ a ∧ b", "exact both _ _ ha hb")));
  // A variable found only in a hypothesis argument's type (b of trans').
  CHECK(closes(lemmas().run("x y z : Nat\nh : x ≤ y\ng : y ≤ z\n⊢ x ≤ z", "exact trans' h g")));
  // An instance binder takes no argument.
  CHECK(closes(lemmas().run("m n : Nat\nh : m = n\n⊢ n = m", "exact swap m n h")));
}

TEST_CASE("lemmas: apply leaves hypothesis binders without arguments as goals, tagged as Lean",
          "[fake-repl][lemmas]") {
  const std::string hyps = "a b : Prop\nha : a\nhb : b\n";
  CHECK(goals_of(lemmas().run(hyps + "⊢ a ∧ b", "apply both")) ==
        std::vector<std::string>{"case hp\n" + hyps + "⊢ a", "case hq\n" + hyps + "⊢ b"});
  CHECK(goals_of(lemmas().run("case left\n" + hyps + "⊢ a ∧ b", "apply both")) ==
        std::vector<std::string>{"case left.hp\n" + hyps + "⊢ a", "case left.hq\n" + hyps + "⊢ b"});
  // One binder without an argument: its goal keeps the main goal's tag.
  CHECK(goals_of(lemmas().run("case left\n" + hyps + "⊢ a ∧ b", "apply both a b ha")) ==
        std::vector<std::string>{"case left\n" + hyps + "⊢ b"});
  CHECK(goals_of(lemmas().run(hyps + "⊢ a ∧ b", "apply both a b ha hb")).empty());
  CHECK(goals_of(lemmas().run("x y : Nat\n⊢ x ≤ y + 1", "apply le_add")) ==
        std::vector<std::string>{"case h\nx y : Nat\n⊢ x ≤ y"});
  // A variable nothing determines is an error (b of trans').
  CHECK(error_of(lemmas().run("x z : Nat\n⊢ x ≤ z", "apply trans'")) ==
        "don't know how to synthesize implicit argument 'b'\n  trans'");
}

TEST_CASE("lemmas: a statement that does not fit gives Lean's exact and apply errors",
          "[fake-repl][lemmas]") {
  CHECK(error_of(lemmas().run("x : Nat\n⊢ x + 1 = x", "exact add_zero' x")) ==
        "type mismatch\n  add_zero' x\nhas type\n  x + 0 = x : Prop\nbut is expected to have "
        "type\n  x + 1 = x : Prop");
  CHECK(error_of(lemmas().run("x : Nat\n⊢ x + 1 = x", "exact add_zero'")) ==
        "type mismatch\n  add_zero'\nhas type\n  ?n + 0 = ?n : Prop\nbut is expected to have "
        "type\n  x + 1 = x : Prop");
  CHECK(error_of(lemmas().run("x : Nat\n⊢ x + 1 = x", "apply add_zero'")) ==
        "Tactic `apply` failed: could not unify the conclusion of `@add_zero'`\n  ?n + 0 = ?n\n"
        "with the goal\n  x + 1 = x\n\nNote: The full type of `@add_zero'` is\n"
        "  ∀ (n : Nat), n + 0 = n\n\nx : Nat\n⊢ x + 1 = x");
  CHECK(error_of(lemmas().run("x y : Nat\nhxy : x ≤ y\n⊢ y < x + 1", "apply le_add")) ==
        "Tactic `apply` failed: could not unify the conclusion of `@le_add`\n  ?a ≤ ?b + ?k\n"
        "with the goal\n  y < x + 1\n\nNote: The full type of `@le_add` is\n"
        "  ∀ {a b : Nat}, a ≤ b → ∀ (k : Nat), a ≤ b + k\n\nx y : Nat\nhxy : x ≤ y\n⊢ y < x + 1");
  CHECK(error_of(lemmas().run("x y : Nat\nhxy : x ≤ y\n⊢ x ≤ y + 1", "apply le_add hxy 2")) ==
        "Tactic `apply` failed: could not unify the conclusion of `le_add hxy 2`\n  x ≤ y + 2\n"
        "with the goal\n  x ≤ y + 1\n\nNote: The full type of `le_add hxy 2` is\n  x ≤ y + 2\n\n"
        "x y : Nat\nhxy : x ≤ y\n⊢ x ≤ y + 1");
  // exact without a proof argument: the term's type still has the hypothesis.
  CHECK(error_of(lemmas().run("a b : Prop\nha : a\nhb : b\n⊢ a ∧ b", "exact both a b ha")) ==
        "type mismatch\n  both a b ha\nhas type\n  b → a ∧ b : Prop\nbut is expected to have "
        "type\n  a ∧ b : Prop");
  CHECK(error_of(lemmas().run("x : Nat\n⊢ x + 0 = x", "exact add_zero' x x")) ==
        "function expected\n  add_zero' x x\nterm has type\n  x + 0 = x");
}

TEST_CASE("lemmas: a proof argument must be a hypothesis of the lemma's binder type",
          "[fake-repl][lemmas]") {
  const std::string goal = "a b : Prop\nha : a\nhb : b\n⊢ a ∧ b";
  CHECK(error_of(lemmas().run(goal, "exact both a b hb ha")) ==
        "Application type mismatch: The argument\n  hb\nhas type\n  b\nbut is expected to have "
        "type\n  a\nin the application\n  both a b hb ha");
  CHECK(error_of(lemmas().run(goal, "apply both a b hb")) ==
        "Application type mismatch: The argument\n  hb\nhas type\n  b\nbut is expected to have "
        "type\n  a\nin the application\n  both a b hb");
  CHECK(error_of(lemmas().run(goal, "exact both a b nope hb")) == "Unknown identifier `nope`");
  CHECK(error_of(lemmas().run(goal, "exact both a b _ hb"))
            .starts_with("fake-repl: the argument `_` of `both` must name a hypothesis"));
  CHECK(error_of(lemmas().run(goal, "exact both a b (id ha) hb"))
            .starts_with("fake-repl: the argument `(id ha)` of `both` must name a hypothesis"));
  // The hypothesis fixes the variables it mentions: b of trans' cannot be two things.
  CHECK(error_of(lemmas().run("x y z : Nat\nh : x ≤ y\ng : z ≤ z\n⊢ x ≤ z", "exact trans' h g"))
            .starts_with("Application type mismatch: The argument\n  g\nhas type\n  z ≤ z\n"
                         "but is expected to have type\n  y ≤ ?c\n"));
}

TEST_CASE("lemmas: run_tactic asks the lemmas before the rules", "[fake-repl][lemmas]") {
  // A rule that would accept `exact add_zero' x` on any goal, and one for another name.
  auto rules = fake_repl::TacticRules::parse(
      R"([{"goal": ".+", "tactic": "exact add_zero' x", "goals": []},
          {"goal": ".+", "tactic": "exact other x", "goals": []}])",
      "inline");
  LemmaLookup lookup = lemmas().lookup();
  std::vector<Goal> goals = {fake_repl::parse_goal("x : Nat\n⊢ x + 1 = x").goal};
  auto by_lemma = fake_repl::run_tactic(rules, goals, "exact add_zero' x", &lookup);
  REQUIRE(by_lemma.error);
  CHECK(by_lemma.error->starts_with("type mismatch\n  add_zero' x\n"));
  CHECK_FALSE(fake_repl::run_tactic(rules, goals, "exact add_zero' x").error);
  CHECK_FALSE(fake_repl::run_tactic(rules, goals, "exact other x", &lookup).error);
  // A lemma in a sequence: the goals after the main one stay.
  goals.push_back(fake_repl::parse_goal("⊢ True").goal);
  goals.front() = fake_repl::parse_goal("x : Nat\n⊢ x + 0 = x").goal;
  auto sequence = fake_repl::run_tactic(rules, goals, "exact add_zero' x", &lookup);
  REQUIRE_FALSE(sequence.error);
  REQUIRE(sequence.goals.size() == 1);
  CHECK(sequence.goals[0].target == "True");
}

TEST_CASE("lemmas e2e: a library command's lemmas prove later theorems, axioms seen through",
          "[fake-repl][lemmas]") {
  RulesFile rules(rules_json);
  Repl repl(rules.path());
  REQUIRE(repl.ask({{"cmd", "import Mathlib"}}) == json{{"env", 0}});
  std::string library_text =
      "theorem lib_0123456789ab (n : Nat) : n + 0 = n := by\n  omega\n\n"
      "theorem lib_aaaaaaaaaaaa {a b : Nat} (h : a ≤ b) (k : Nat) : a ≤ b + k := by\n"
      "  omega\n\n";
  json layer = repl.ask({{"cmd", library_text}, {"env", 0}});
  REQUIRE(layer == json{{"env", 1}});
  json used = repl.ask({{"cmd",
                         "theorem t (n : Nat) : n + 0 = n := by\n  exact lib_0123456789ab n\n"
                         "#print axioms t"},
                        {"env", 1},
                        {"infotree", "substantive"}});
  CHECK(data_of(used) == std::vector<std::string>{"'t' does not depend on any axioms"});
  REQUIRE(used["infotree"].size() == 1);
  CHECK(used["infotree"][0]["node"]["name"] == "Lean.Parser.Tactic.exact");
  CHECK(used["infotree"][0]["node"]["goalsBefore"] == json{"n : Nat\n⊢ n + 0 = n"});
  CHECK(used["infotree"][0]["node"]["goalsAfter"] == json::array());
  // apply then the rules on the goal it leaves.
  CHECK(data_of(repl.ask({{"cmd",
                           "theorem t2 (x y : Nat) (hxy : x ≤ y) : x ≤ y + 7 := by\n"
                           "  apply lib_aaaaaaaaaaaa\n  exact hxy\n#print axioms t2"},
                          {"env", 1}})) ==
        std::vector<std::string>{"'t2' does not depend on any axioms"});
  // A lemma that does not fit: an error at the tactic, and the theorem depends on sorryAx.
  json wrong = repl.ask({{"cmd",
                          "theorem t3 (n : Nat) : n + 1 = n := by\n  exact lib_0123456789ab n\n"
                          "#print axioms t3"},
                         {"env", 1}});
  REQUIRE(wrong["messages"].size() == 2);
  CHECK(wrong["messages"][0]["pos"] == json{{"line", 2}, {"column", 2}});
  CHECK(wrong["messages"][0]["endPos"] == json{{"line", 2}, {"column", 26}});
  CHECK(wrong["messages"][0]["data"].get<std::string>().starts_with("type mismatch\n"));
  CHECK(wrong["messages"][1]["data"] == "'t3' depends on axioms: [sorryAx]");
  // Lemmas with axioms or sorry pass them on to the theorems that use them.
  REQUIRE(repl.ask({{"cmd",
                     "theorem lib_bbbbbbbbbbbb (m : Nat) : m * 1 = m := by\n"
                     "  --! axioms propext\n  omega"},
                    {"env", 1}})["env"] == 5);
  REQUIRE(repl.ask({{"cmd", "theorem lib_cccccccccccc (m : Nat) : 0 + m = m := sorry"},
                    {"env", 5}})["env"] == 6);
  CHECK(data_of(repl.ask({{"cmd",
                           "theorem u (k : Nat) : k * 1 = k := by\n  exact lib_bbbbbbbbbbbb k\n"
                           "theorem v (k : Nat) : 0 + k = k := by\n  exact lib_cccccccccccc k\n"
                           "theorem w (k : Nat) : k + 0 = k := by\n  exact lib_0123456789ab k\n"
                           "#print axioms u\n#print axioms v\n#print axioms w"},
                          {"env", 6}})) ==
        std::vector<std::string>{"'u' depends on axioms: [propext]",
                                 "'v' depends on axioms: [sorryAx]",
                                 "'w' does not depend on any axioms"});
  // sorry taints only the declaration that uses it, not its neighbours in the command.
  REQUIRE(repl.ask({{"cmd",
                     "theorem lib_dddddddddddd (m : Nat) : m + 1 = 1 + m := sorry\n"
                     "theorem lib_eeeeeeeeeeee (m : Nat) : m + 2 = 2 + m := by\n  omega"},
                    {"env", 1}})["env"] == 8);
  CHECK(data_of(repl.ask({{"cmd",
                           "theorem d (k : Nat) : k + 1 = 1 + k := by\n  exact lib_dddddddddddd k\n"
                           "theorem e (k : Nat) : k + 2 = 2 + k := by\n  exact lib_eeeeeeeeeeee k\n"
                           "#print axioms d\n#print axioms e"},
                          {"env", 8}})) ==
        std::vector<std::string>{"'d' depends on axioms: [sorryAx]",
                                 "'e' does not depend on any axioms"});
  // A term proof naming a lemma sees through it too.
  CHECK(data_of(repl.ask({{"cmd",
                           "theorem z (k : Nat) : 0 + k = k := lib_cccccccccccc k\n"
                           "#print axioms z"},
                          {"env", 6}})) ==
        std::vector<std::string>{"'z' depends on axioms: [sorryAx]"});
}

TEST_CASE("lemmas e2e: tactic mode resolves a lemma in the proof state's env and namespace",
          "[fake-repl][lemmas]") {
  RulesFile rules(rules_json);
  Repl repl(rules.path());
  REQUIRE(repl.ask({{"cmd",
                     "namespace Lib\ntheorem step {a b : Nat} (h : a ≤ b) (k : Nat) : "
                     "a ≤ b + k := by\n  omega\nend Lib"}})["env"] == 0);
  json inside = repl.ask({{"cmd",
                           "namespace Lib\ntheorem s (x y : Nat) (hxy : x ≤ y) : x ≤ y + 3 := by\n"
                           "  sorry\nend Lib"},
                          {"env", 0}});
  long in_namespace = inside["sorries"][0]["proofState"];
  json outside = repl.ask(
      {{"cmd", "theorem s (x y : Nat) (hxy : x ≤ y) : x ≤ y + 3 := by\n  sorry"}, {"env", 0}});
  long at_root = outside["sorries"][0]["proofState"];
  json fresh =
      repl.ask({{"cmd", "theorem s (x y : Nat) (hxy : x ≤ y) : x ≤ y + 3 := by\n  sorry"}});
  long no_library = fresh["sorries"][0]["proofState"];

  CHECK(repl.ask({{"tactic", "exact step hxy 3"}, {"proofState", in_namespace}}) ==
        json{{"proofStatus", "Completed"}, {"proofState", 3}, {"goals", json::array()}});
  CHECK(repl.ask({{"tactic", "apply Lib.step"}, {"proofState", at_root}}) ==
        json{{"proofStatus", "Incomplete: open goals remain"},
             {"proofState", 4},
             {"goals", {"case h\nx y : Nat\nhxy : x ≤ y\n⊢ x ≤ y"}}});
  // The state made by a tactic keeps the env: the lemma still resolves there.
  CHECK(repl.ask({{"tactic", "exact hxy"}, {"proofState", 4}})["proofStatus"] == "Completed");
  CHECK(repl.ask({{"tactic", "exact step hxy 4"}, {"proofState", in_namespace}}) ==
        json{{"message",
              "Lean error:\ntype mismatch\n  step hxy 4\nhas type\n  x ≤ y + 4 : Prop\nbut is "
              "expected to have type\n  x ≤ y + 3 : Prop"}});
  // Outside the namespace the short name means nothing, and a fresh env has no lemmas: the
  // rules decide, and refuse (the rules mode's failure text names the first word).
  CHECK(repl.ask({{"tactic", "exact step hxy 3"}, {"proofState", at_root}}) ==
        json{{"message", "Lean error:\nUnknown identifier `step`"}});
  CHECK(repl.ask({{"tactic", "exact Lib.step hxy 3"}, {"proofState", no_library}}) ==
        json{{"message", "Lean error:\nUnknown identifier `Lib`"}});
}

TEST_CASE("lemmas e2e: a lemma declared earlier in the same command proves a later theorem",
          "[fake-repl][lemmas]") {
  RulesFile rules(rules_json);
  Repl repl(rules.path());
  json answer = repl.ask({{"cmd",
                           "theorem aux (m : Nat) : m * 1 = m := by\n  omega\n\n"
                           "theorem main_thm (k : Nat) : k * 1 = k := by\n  exact aux k\n"
                           "#print axioms main_thm"}});
  CHECK(data_of(answer) == std::vector<std::string>{"'main_thm' does not depend on any axioms"});
  // Not before it is declared, and not in its own proof.
  json early = repl.ask({{"cmd",
                          "theorem first (k : Nat) : k * 1 = k := by\n  exact later k\n"
                          "theorem later (m : Nat) : m * 1 = m := by\n  omega"}});
  CHECK(data_of(early) == std::vector<std::string>{"Unknown identifier `later`"});
  json own = repl.ask({{"cmd", "theorem loop (k : Nat) : k * 1 = k := by\n  exact loop k"}});
  CHECK(data_of(own) == std::vector<std::string>{"Unknown identifier `loop`"});
}
