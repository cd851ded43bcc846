// Checks fake-repl's rules mode (--tactic-rules, README.md "Tactic rules mode") against the
// built binary: goals of sorries, tactic mode, whole proofs, bad rules files, and the synthetic
// task families of tests/search/synthetic.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "child_process.hpp"

namespace {

using fake_repl_test::ChildProcess;
using fake_repl_test::run_fake_repl;
using nlohmann::json;
namespace fs = std::filesystem;

const fs::path transcripts = fs::path(HARNESS_SHARED_DIR) / "lean-repl-transcripts" / "core";
const fs::path synthetic = fs::path(SYNTHETIC_DIR);

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

std::string request(const json& value) {
  return value.dump() + "\n\n";
}

// A rules file in a fresh temporary directory, removed with the object.
class RulesFile {
 public:
  explicit RulesFile(const std::string& content) {
    char pattern[] = "/tmp/fake-repl-rules-XXXXXX";
    REQUIRE(mkdtemp(pattern) != nullptr);
    m_dir = pattern;
    std::ofstream(m_dir / "rules.json") << content;
  }
  ~RulesFile() { fs::remove_all(m_dir); }
  std::string path() const { return (m_dir / "rules.json").string(); }

 private:
  fs::path m_dir;
};

// Rules in the spirit of Lean for the recorded transcripts and the tests below.
const char* const lean_like_rules = R"json([
  {"goal": "(.+)", "hyp": "\\S+ : $1", "tactic": "assumption", "goals": []},
  {"goal": "(.+?) ∧ (.+)", "tactic": "apply And.intro",
   "goals": ["case left\n$HYPS\n⊢ $1", "case right\n$HYPS\n⊢ $2"]},
  {"goal": "(.+?) ∧ (.+)", "tactic": "constructor",
   "goals": ["case left\n$HYPS\n⊢ $1", "case right\n$HYPS\n⊢ $2"]},
  {"goal": "(.+)", "hyp": "(\\S+) : $1 ∧ .+", "tactic": "exact ${h1}.left", "goals": []},
  {"goal": "(.+)", "hyp": "(\\S+) : .+ ∧ $1", "tactic": "exact ${h1}.right", "goals": []},
  {"goal": "(.+)", "hyp": "(\\S+) : (.+) → $1", "tactic": "apply ${h1}", "goals": ["${h2}"]},
  {"goal": "Nat", "tactic": "apply Int.natAbs", "goals": ["⊢ Int"]},
  {"goal": "(.+)", "tactic": "have t : Nat := 42", "goals": ["$HYPS\nt : Nat\n⊢ $1"]},
  {"goal": "(.+)", "hyp": "(\\S+) : $1", "tactic": "exact ${h1}", "goals": []},
  {"goal": "(.+?) → (.+)", "tactic": "intro h", "goals": ["$HYPS\nh : $1\n⊢ $2"]},
  {"goal": "(.+) = \\1", "tactic": "rfl", "goals": []},
  {"note": "a goal template without ⊢ is a target under the same hypotheses",
   "goal": "(.+) ≤ (.+)", "tactic": "apply Nat.le_of_lt", "goals": ["$1 < $2"]},
  {"goal": "(?=.*[a-z])[a-z0-9 +*]+ (<|≤) [a-z0-9 +*]+", "tactic": "omega", "goals": []}
])json";

struct Repl {
  explicit Repl(const std::string& rules_path) : child({"--tactic-rules", rules_path}) {}
  json ask(const json& value) {
    child.send(request(value));
    auto answer = child.read_answer();
    REQUIRE(answer);
    return json::parse(*answer);
  }
  ChildProcess child;
};

json error_at(int line, int column, int end_line, int end_column, const std::string& data) {
  return {{"severity", "error"},
          {"pos", {{"line", line}, {"column", column}}},
          {"endPos", {{"line", end_line}, {"column", end_column}}},
          {"data", data}};
}

}  // namespace

TEST_CASE("rules mode reproduces recorded tactic-mode transcripts byte for byte",
          "[fake-repl][rules]") {
  RulesFile rules(lean_like_rules);
  for (std::string name : {"assumption_proof", "proof_branching", "proof_step"}) {
    INFO(name);
    fs::path in = transcripts / (name + ".in");
    auto outcome = run_fake_repl({"--tactic-rules", rules.path()}, read_file(in));
    CHECK(outcome.exit_status == 0);
    CHECK(outcome.out == read_file(transcripts / (name + ".expected.out")));
  }
}

TEST_CASE("rules mode: a sorry's goal is its declaration's binders and type, printed as Lean",
          "[fake-repl][rules]") {
  RulesFile rules(lean_like_rules);
  Repl repl(rules.path());
  auto goal_of = [&](const std::string& text) {
    json answer = repl.ask({{"cmd", text}});
    REQUIRE(answer["sorries"].size() == 1);
    return answer["sorries"][0]["goal"].get<std::string>();
  };
  CHECK(goal_of("theorem my_theorem (x : Nat) : x = x := by sorry") == "x : Nat\n⊢ x = x");
  CHECK(goal_of("lemma l {α : Type} [inst : Inhabited α] [DecidableEq α] (a : α) (b : α)\n"
                "    (h : a = b) -- why\n    : b = a := by\n  sorry") ==
        "α : Type\ninst : Inhabited α\ninst✝ : DecidableEq α\na b : α\nh : a = b\n⊢ b = a");
  CHECK(goal_of("example : 1 = 0 := sorry") == "⊢ 1 = 0");
  CHECK(goal_of("theorem s (h : 1 = 1) (h : 2 = 2) (n : Nat) ⦃m : Nat⦄ : n ≤ m := by\n  sorry") ==
        "h✝ : 1 = 1\nh : 2 = 2\nn m : Nat\n⊢ n ≤ m");
  // After tactics the rules accept, the goal of that point; after one they refuse, the goal
  // it was refused on.
  json answer = repl.ask({{"cmd",
                           "theorem t (p q : Prop) (hp : p) : p ∧ q := by\n  constructor\n  "
                           "sorry\n  sorry\n  omega\n  sorry"}});
  REQUIRE(answer["sorries"].size() == 3);
  CHECK(answer["sorries"][0]["goal"] == "case left\np q : Prop\nhp : p\n⊢ p");
  CHECK(answer["sorries"][1]["goal"] == "case right\np q : Prop\nhp : p\n⊢ q");
  CHECK(answer["sorries"][2]["goal"] == "⊢ True");  // no goal is left after the second sorry
  REQUIRE(answer["messages"].size() == 1);
  CHECK(answer["messages"][0]["data"] == "declaration uses `sorry`");
}

TEST_CASE("rules mode: tactics on proof states complete, leave goals, or fail like Lean",
          "[fake-repl][rules]") {
  RulesFile rules(lean_like_rules);
  Repl repl(rules.path());
  json opened = repl.ask({{"cmd",
                           "theorem t (p q : Prop) (hp : p) (hq : q) : p → p ∧ q := by\n"
                           "  sorry"}});
  REQUIRE(opened["sorries"][0]["proofState"] == 0);
  CHECK(repl.ask({{"tactic", "intro h"}, {"proofState", 0}}) ==
        json{{"proofStatus", "Incomplete: open goals remain"},
             {"proofState", 1},
             {"goals", {"p q : Prop\nhp : p\nhq : q\nh : p\n⊢ p ∧ q"}}});
  CHECK(repl.ask({{"tactic", "  constructor\n"}, {"proofState", 1}}) ==
        json{{"proofStatus", "Incomplete: open goals remain"},
             {"proofState", 2},
             {"goals",
              {"case left\np q : Prop\nhp : p\nhq : q\nh : p\n⊢ p",
               "case right\np q : Prop\nhp : p\nhq : q\nh : p\n⊢ q"}}});
  // A refused tactic: Lean's error as a message answer, and no proof state is allocated.
  CHECK(repl.ask({{"tactic", "omega"}, {"proofState", 2}}) ==
        json{{"message",
              "Lean error:\nomega could not prove the goal:\nNo usable constraints found for the "
              "hypotheses and goal."}});
  CHECK(repl.ask({{"tactic", "exact nope"}, {"proofState", 2}}) ==
        json{{"message", "Lean error:\nUnknown identifier `nope`"}});
  CHECK(repl.ask({{"tactic", "exact  hp"}, {"proofState", 2}}) ==
        json{{"proofStatus", "Incomplete: open goals remain"},
             {"proofState", 3},
             {"goals", {"case right\np q : Prop\nhp : p\nhq : q\nh : p\n⊢ q"}}});
  CHECK(repl.ask({{"tactic", "assumption"}, {"proofState", 3}}) ==
        json{{"proofStatus", "Completed"}, {"proofState", 4}, {"goals", json::array()}});
  CHECK(repl.ask({{"tactic", "assumption"}, {"proofState", 4}}) ==
        json{{"message", "Lean error:\nno goals to be proved"}});
  CHECK(repl.ask({{"tactic", "done"}, {"proofState", 4}})["proofStatus"] == "Completed");
  // Sequences: by lines, `;` and `<;>`.
  CHECK(repl.ask({{"tactic", "intro h\nconstructor <;> assumption"}, {"proofState", 0}}) ==
        json{{"proofStatus", "Completed"}, {"proofState", 6}, {"goals", json::array()}});
  CHECK(repl.ask({{"tactic", "intro h; constructor; exact h"}, {"proofState", 0}})["goals"] ==
        json{"case right\np q : Prop\nhp : p\nhq : q\nh : p\n⊢ q"});
  CHECK(
      repl.ask({{"tactic", "intro h\ndone"}, {"proofState", 0}}) ==
      json{{"message", "Lean error:\nunsolved goals\np q : Prop\nhp : p\nhq : q\nh : p\n⊢ p ∧ q"}});
  // A second `intro h` shadows the first.
  json twice = repl.ask({{"cmd", "example (p : Prop) : p → p → p := by sorry"}});
  long root = twice["sorries"][0]["proofState"];
  CHECK(repl.ask({{"tactic", "intro h\nintro h"}, {"proofState", root}})["goals"] ==
        json{"p : Prop\nh✝ h : p\n⊢ p"});
  // sorry and fail behave as without rules; unknown states are reported.
  json sorry = repl.ask({{"tactic", "sorry"}, {"proofState", 0}});
  CHECK(sorry["proofStatus"] == "Incomplete: contains sorry");
  CHECK(repl.ask({{"tactic", "fail \"no\""}, {"proofState", 0}})["proofStatus"] == "Error: no");
  CHECK(repl.ask({{"tactic", "rfl"}, {"proofState", 99}}) ==
        json{{"message", "Unknown proof state."}});
}

TEST_CASE("rules mode: whole tactic proofs pass, fail at the refused tactic, or leave goals",
          "[fake-repl][rules]") {
  RulesFile rules(lean_like_rules);
  Repl repl(rules.path());
  CHECK(repl.ask({{"cmd",
                   "theorem ok (p q : Prop) (hp : p) (hq : q) : p ∧ q := by\n  constructor\n"
                   "  · assumption\n  exact hq\n#print axioms ok"}})["messages"][0]["data"] ==
        "tactic '·' failed\ncase left\np q : Prop\nhp : p\nhq : q\n⊢ p");
  json passed = repl.ask({{"cmd",
                           "theorem ok (p q : Prop) (hp : p) (hq : q) : p ∧ q := by\n"
                           "  constructor\n  -- the left one\n  assumption\n  exact hq\n"
                           "#print axioms ok"}});
  REQUIRE(passed["messages"].size() == 1);
  CHECK(passed["messages"][0]["data"] == "'ok' does not depend on any axioms");

  json refused = repl.ask({{"cmd",
                            "theorem bad (n : Nat) : n ≤ n + 1 := by\n  apply Nat.le_of_lt\n"
                            "  rfl\n  omega\n#print axioms bad"}});
  REQUIRE(refused["messages"].size() == 2);
  const json& error = refused["messages"][0];
  CHECK(error["severity"] == "error");
  CHECK(error["pos"] == json{{"line", 3}, {"column", 2}});
  CHECK(error["endPos"] == json{{"line", 3}, {"column", 5}});
  CHECK(error["data"].get<std::string>().starts_with("The rfl tactic failed."));
  CHECK(error["data"].get<std::string>().ends_with("\nn : Nat\n⊢ n < n + 1"));
  CHECK(refused["messages"][1]["data"] == "'bad' depends on axioms: [sorryAx]");

  CHECK(repl.ask({{"cmd",
                   "example (p q : Prop) (hp : p) : p ∧ q := by\n  constructor\n"
                   "  assumption"}}) ==
        json{{"env", 3},
             {"messages",
              {error_at(1, 41, 3, 12, "unsolved goals\ncase right\np q : Prop\nhp : p\n⊢ q")}}});
  CHECK(
      repl.ask({{"cmd", "example (p q : Prop) (hp : p) : p ∧ q := by constructor"}})["messages"] ==
      json{error_at(1, 41, 1, 55,
                    "unsolved goals\ncase left\np q : Prop\nhp : p\n⊢ p\n\n"
                    "case right\np q : Prop\nhp : p\n⊢ q")});
  CHECK(repl.ask({{"cmd", "example (n : Nat) : n = n := by\n  rfl\n  rfl"}})["messages"] ==
        json{error_at(3, 2, 3, 5, "no goals to be proved")});
  // `;` and `<;>` on one line; `by` alone on its line then a column-0 command.
  CHECK(repl.ask({{"cmd",
                   "example (p q : Prop) (hp : p) (hq : q) : p ∧ q := by\n"
                   "  constructor <;> assumption\n"
                   "example (p : Prop) : p → p := by intro h; exact h"}}) == json{{"env", 6}});
  CHECK(
      repl.ask({{"cmd", "theorem e (n : Nat) : n = n := by\ntheorem f : 1 = 1 := by rfl"}}) ==
      json{{"env", 7}, {"messages", {error_at(1, 31, 1, 33, "unsolved goals\nn : Nat\n⊢ n = n")}}});
}

TEST_CASE("rules mode: an infotree request gets the tactics run with their goals",
          "[fake-repl][rules][infotree]") {
  RulesFile rules(lean_like_rules);
  Repl repl(rules.path());
  std::string proof =
      "theorem ok (p q : Prop) (hp : p) (hq : q) : p ∧ q := by\n"
      "  constructor\n  assumption\n  exact hq";
  json answer = repl.ask({{"cmd", proof}, {"infotree", "substantive"}});
  REQUIRE(answer.contains("infotree"));
  const json& tree = answer["infotree"];
  REQUIRE(tree.size() == 3);
  const std::string hyps = "p q : Prop\nhp : p\nhq : q\n";
  const json& first = tree[0];
  CHECK(first["kind"] == "TacticInfo");
  CHECK(first["children"] == json::array());
  CHECK(first["node"]["name"] == "Lean.Parser.Tactic.constructor");
  CHECK(first["node"]["stx"]["pp"] == "constructor");
  CHECK(first["node"]["stx"]["range"] ==
        json{{"synthetic", false},
             {"start", {{"line", 2}, {"column", 2}}},
             {"finish", {{"line", 2}, {"column", 13}}}});
  CHECK(first["node"]["goalsBefore"] == json{hyps + "⊢ p ∧ q"});
  CHECK(first["node"]["goalsAfter"] ==
        json{"case left\n" + hyps + "⊢ p", "case right\n" + hyps + "⊢ q"});
  CHECK(tree[1]["node"]["goalsBefore"] == first["node"]["goalsAfter"]);
  CHECK(tree[1]["node"]["goalsAfter"] == json{"case right\n" + hyps + "⊢ q"});
  CHECK(tree[2]["node"]["name"] == "Lean.Parser.Tactic.exact");
  CHECK(tree[2]["node"]["goalsAfter"] == json::array());

  // In an env, with `have` named as Lean names it.
  json have = repl.ask({{"cmd", "example (p : Prop) (hp : p) : p := by\n  have t : Nat := 42\n"
                                "  exact hp"},
                        {"env", 0}, {"infotree", "substantive"}});
  REQUIRE(have["infotree"].size() == 2);
  CHECK(have["infotree"][0]["node"]["name"] == "Lean.Parser.Tactic.tacticHave_");
  CHECK(have["infotree"][0]["node"]["goalsAfter"] == json{"p : Prop\nhp : p\nt : Nat\n⊢ p"});

  // Not asked, another value, a failing proof after its failure: no nodes for what did not run.
  CHECK_FALSE(repl.ask({{"cmd", proof}})["infotree"].is_array());
  CHECK_FALSE(repl.ask({{"cmd", proof}, {"infotree", "none"}}).contains("infotree"));
  json failed = repl.ask({{"cmd", "theorem bad (n : Nat) : n ≤ n + 1 := by\n  apply Nat.le_of_lt\n"
                                  "  rfl\n  omega"},
                          {"infotree", "substantive"}});
  REQUIRE(failed["infotree"].size() == 1);
  CHECK(failed["infotree"][0]["node"]["goalsAfter"] == json{"n : Nat\n⊢ n < n + 1"});
}

TEST_CASE("rules mode keeps sorry proofs, term proofs, the statement check and directives",
          "[fake-repl][rules]") {
  RulesFile rules(lean_like_rules);
  Repl repl(rules.path());
  CHECK(repl.ask({{"cmd", ""}}) == json{{"env", 0}});
  json reference = repl.ask({{"cmd", "theorem ref (n : Nat) : n = n := sorry"}, {"env", 0}});
  CHECK(reference["sorries"][0]["goal"] == "n : Nat\n⊢ n = n");
  CHECK(reference["messages"][0]["data"] == "declaration uses `sorry`");
  CHECK(repl.ask({{"cmd", "theorem cand (n : Nat) : n = n := by\n  --! axioms propext\n  rfl"},
                  {"env", 1}}) == json{{"env", 2}});
  json closing = repl.ask({{"cmd",
                            "#print axioms cand\n"
                            "example : (type_of% @ref) = (type_of% @cand) := _root_.rfl\n"
                            "#eval \"nonce\""},
                           {"env", 2}});
  REQUIRE(closing["messages"].size() == 2);
  CHECK(closing["messages"][0]["data"] == "'cand' depends on axioms: [propext]");
  CHECK(closing["messages"][1]["data"] == "\"nonce\"");
  CHECK(repl.ask({{"cmd", "theorem other (n : Nat) : n + 0 = n := by\n  omega"}, {"env", 1}})
            .contains("messages"));
  json mismatch = repl.ask(
      {{"cmd", "example : (type_of% @ref) = (type_of% @other) := _root_.rfl"}, {"env", 4}});
  CHECK(mismatch["messages"][0]["data"].get<std::string>().starts_with("type mismatch"));
  json term = repl.ask({{"cmd",
                         "theorem tm (n : Nat) : n + 0 = n := Nat.add_zero n\n"
                         "--! warning careful"},
                        {"env", 0}});
  REQUIRE(term["messages"].size() == 1);
  CHECK(term["messages"][0]["data"] == "careful");
}

TEST_CASE("a bad rules file is a usage error", "[fake-repl][rules]") {
  auto refused = [](const std::string& content) {
    RulesFile rules(content);
    auto outcome = run_fake_repl({"--tactic-rules", rules.path()}, request({{"cmd", "x"}}));
    CHECK(outcome.exit_status == 64);
    CHECK(outcome.out.empty());
    return outcome.err;
  };
  CHECK(refused("{").find("not JSON") != std::string::npos);
  CHECK(refused("{}").find("expected an array of rules") != std::string::npos);
  CHECK(refused(R"j([{"goal": "(", "tactic": "rfl", "goals": []}])j")
            .find("rule 0: 'goal' is not a regex") != std::string::npos);
  CHECK(refused(R"j([{"goal": "x", "tactic": "rfl", "goals": [], "extra": 1}])j")
            .find("unknown key 'extra'") != std::string::npos);
  CHECK(refused(R"j([{"goal": "(x)", "tactic": "rfl", "goals": ["$2"]}])j").find("goal group 2") !=
        std::string::npos);
  CHECK(refused(R"j([{"goal": "x", "tactic": "exact ${h1}", "goals": []}])j").find("hyp capture") !=
        std::string::npos);
  CHECK(
      refused(R"j([{"goal": "x", "tactic": "rfl"}])j").find("needs 'goal', 'tactic' and 'goals'") !=
      std::string::npos);
  auto missing = run_fake_repl({"--tactic-rules", "/nonexistent/rules.json"}, "");
  CHECK(missing.exit_status == 64);
  CHECK(missing.err.find("cannot read") != std::string::npos);
}

// The synthetic task families (tests/search/synthetic): each reference proof passes as a whole
// proof and step by step; tactics of the core vocabulary that are not the first step fail.
TEST_CASE("synthetic tasks: reference proofs pass in both modes, wrong tactics fail",
          "[fake-repl][rules][synthetic]") {
  const std::vector<std::string> vocabulary = {
      "rfl", "trivial", "decide", "simp", "omega", "assumption", "constructor", "intro h",
      "exact h", "exact h.1", "exact h.2", "exact ⟨h.2, h.1⟩", "left", "right", "contradiction",
      // tactics no rule accepts
      "simp_all", "exfalso", "apply And.intro", "exact fun h => h", "intros", "grind"};
  // Tactics that also apply to a family's starting goal but lead nowhere.
  const std::map<std::string, std::set<std::string>> dead_ends = {{"or_left", {"right"}}};
  Repl repl((synthetic / "rules.json").string());
  std::ifstream tasks(synthetic / "tasks.jsonl");
  std::string line;
  std::map<std::string, int> per_family;
  std::map<std::string, std::set<std::string>> splits;
  while (std::getline(tasks, line)) {
    json task = json::parse(line);
    std::string name = task["name"];
    std::string statement = task["formal_statement"];
    std::string proof = task["reference_proof"];
    std::string family = task["family"];
    INFO(name << " (" << family << ")");
    CHECK(name.find(family) == std::string::npos);
    ++per_family[family];
    splits[family].insert(task["split"].get<std::string>());

    json whole = repl.ask({{"cmd", statement + proof + "\n#print axioms " + name}});
    REQUIRE(whole["messages"].size() == 1);
    CHECK(whole["messages"][0]["data"] == "'" + name + "' does not depend on any axioms");

    json opened = repl.ask({{"cmd", statement + "  sorry\n"}});
    REQUIRE(opened["sorries"].size() == 1);
    long root = opened["sorries"][0]["proofState"];
    long state = root;
    std::vector<std::string> steps;
    for (std::size_t start = 0; start < proof.size();) {
      std::size_t end = std::min(proof.find('\n', start), proof.size());
      steps.push_back(proof.substr(start + 2, end - start - 2));
      start = end + 1;
    }
    for (std::size_t i = 0; i < steps.size(); ++i) {
      json answer = repl.ask({{"tactic", steps[i]}, {"proofState", state}});
      INFO(steps[i] << " -> " << answer.dump());
      REQUIRE(answer.contains("proofState"));
      CHECK(answer["proofStatus"] ==
            (i + 1 == steps.size() ? "Completed" : "Incomplete: open goals remain"));
      state = answer["proofState"];
    }
    for (const std::string& wrong : vocabulary) {
      if (wrong == steps.front()) continue;
      INFO("wrong tactic: " << wrong);
      json step = repl.ask({{"tactic", wrong}, {"proofState", root}});
      bool dead_end = dead_ends.contains(family) && dead_ends.at(family).contains(wrong);
      if (dead_end)
        CHECK(step["proofStatus"] == "Incomplete: open goals remain");
      else
        CHECK(step.contains("message"));
      json attempt = repl.ask({{"cmd", statement + "  " + wrong}});
      REQUIRE(attempt.contains("messages"));
      CHECK(attempt["messages"][0]["severity"] == "error");
    }
  }
  CHECK(per_family.size() >= 6);
  for (const auto& [family, count] : per_family) {
    INFO(family);
    CHECK(count >= 10);
    CHECK(splits[family] == std::set<std::string>{"train", "valid"});
  }
}

TEST_CASE("synthetic tasks: generate.py reproduces the committed files", "[fake-repl][synthetic]") {
  if (std::system("command -v python3 >/dev/null 2>&1") != 0) {
    WARN("python3 is not installed: generate.py is not checked");
    return;
  }
  char pattern[] = "/tmp/synthetic-generate-XXXXXX";
  REQUIRE(mkdtemp(pattern) != nullptr);
  fs::path out = pattern;
  std::string command =
      "python3 '" + (synthetic / "generate.py").string() + "' --out '" + out.string() + "'";
  CHECK(std::system(command.c_str()) == 0);
  for (const char* file : {"rules.json", "tasks.jsonl", "revision_tasks.jsonl"}) {
    INFO(file << ": regenerate with python3 tests/search/synthetic/generate.py");
    CHECK(read_file(out / file) == read_file(synthetic / file));
  }
  fs::remove_all(out);
}

// `have NAME : T := by BLOCK` (README.md, "have"): rules without any `exact` rule, so that
// `exact h` is decided by the hypotheses alone.
const char* const have_rules = R"json([
  {"goal": "(.+?) ∧ (.+)", "tactic": "constructor",
   "goals": ["case left\n$HYPS\n⊢ $1", "case right\n$HYPS\n⊢ $2"]},
  {"goal": "P (\\S+)", "tactic": "unfold P", "goals": ["Q $1"]},
  {"goal": "Q (\\S+)", "tactic": "apply q_intro", "goals": ["R $1"]},
  {"goal": "R (\\S+)", "tactic": "apply r_base", "goals": []}
])json";

TEST_CASE("rules mode: a have block proves its type under the goal's hypotheses, then names it",
          "[fake-repl][rules][have]") {
  RulesFile rules(have_rules);
  Repl repl(rules.path());
  // Indented block, one-line block with `;`, default name `this`, then `exact` on each.
  json passed = repl.ask({{"cmd",
                           "theorem t (a b : Nat) : P a ∧ P b := by\n"
                           "  have h1 : P a := by\n"
                           "    unfold P\n"
                           "    apply q_intro\n"
                           "    apply r_base\n"
                           "  have : P b := by unfold P; apply q_intro; apply r_base\n"
                           "  constructor\n"
                           "  exact h1\n"
                           "  exact this\n"
                           "#print axioms t"}});
  REQUIRE(passed["messages"].size() == 1);
  CHECK(passed["messages"][0]["data"] == "'t' does not depend on any axioms");
  // Without the have, `exact h1` names nothing; with a wrong type, Lean's type mismatch.
  CHECK(repl.ask({{"cmd", "example (a : Nat) : P a := by\n  exact h1"}})["messages"] ==
        json{error_at(2, 2, 2, 10, "Unknown identifier `h1`")});
  CHECK(repl.ask({{"cmd",
                   "example (a b : Nat) : P b := by\n"
                   "  have h1 : P a := by unfold P; apply q_intro; apply r_base\n"
                   "  exact h1"}})["messages"] ==
        json{error_at(3, 2, 3, 10,
                      "type mismatch\n  h1\nhas type\n  P a : Prop\nbut is expected to have "
                      "type\n  P b : Prop")});
  // A have's name shadows an earlier one; a have whose hypothesis is not used leaves the goal.
  CHECK(repl.ask({{"cmd",
                   "example (a : Nat) : a = a := by\n"
                   "  have h : R a := by apply r_base\n"
                   "  have h : Q a := by\n"
                   "    apply q_intro\n"
                   "    exact h"}})["messages"] ==
        json{error_at(1, 29, 5, 11, "unsolved goals\na : Nat\nh✝ : R a\nh : Q a\n⊢ a = a")});
  // A sorry in a have block has the block's goal, as in shared/lean-repl-transcripts'
  // core/have_by_sorry; a later one the main goal with the have's hypothesis.
  json sorries = repl.ask({{"cmd",
                            "theorem foo (x : Int) : x = x := by\n  have h : x = 1 := by sorry\n"
                            "example (a : Nat) : P a := by\n  have h : Q a := by\n    sorry\n"
                            "  sorry"}});
  REQUIRE(sorries["sorries"].size() == 3);
  CHECK(sorries["sorries"][0]["goal"] == "x : Int\n⊢ x = 1");
  CHECK(sorries["sorries"][0]["pos"] == json{{"line", 2}, {"column", 23}});
  CHECK(sorries["sorries"][1]["goal"] == "a : Nat\n⊢ Q a");
  CHECK(sorries["sorries"][2]["goal"] == "a : Nat\nh : Q a\n⊢ P a");
  // Tactic mode: the block runs on the state's main goal, which gains the hypothesis.
  json opened = repl.ask({{"cmd", "theorem s (a : Nat) (hq : Q a) : P a ∧ Q a := by\n  sorry"}});
  long root = opened["sorries"][0]["proofState"];
  CHECK(repl.ask({{"tactic", "have h : P a := by\n  unfold P\n  exact hq"}, {"proofState", root}})
            ["goals"] == json{"a : Nat\nhq : Q a\nh : P a\n⊢ P a ∧ Q a"});
  json done = repl.ask({{"tactic", "have h : P a := by\n  unfold P\n  exact hq\nconstructor\n"
                                   "exact h\nexact hq"},
                        {"proofState", root}});
  CHECK(done["proofStatus"] == "Completed");
  // A term proof no rule accepts is decided as `exact TERM` on the have's type.
  CHECK(repl.ask({{"tactic", "have h : Q a := hq"}, {"proofState", root}})["goals"] ==
        json{"a : Nat\nhq h : Q a\n⊢ P a ∧ Q a"});
  CHECK(repl.ask({{"tactic", "have h : P a := hq"}, {"proofState", root}}) ==
        json{{"message",
              "Lean error:\ntype mismatch\n  hq\nhas type\n  Q a : Prop\nbut is expected to "
              "have type\n  P a : Prop"}});
}

TEST_CASE("rules mode: an unproved have block is Lean's unsolved goals at its by, a refused "
          "tactic in it an error at that tactic",
          "[fake-repl][rules][have]") {
  RulesFile rules(have_rules);
  Repl repl(rules.path());
  // Goals left in the block: the error spans `by` to the block's last token; the proof goes
  // on with the hypothesis, as Lean's error recovery admits the block.
  json unproved = repl.ask({{"cmd",
                             "theorem u (a : Nat) : P a := by\n"
                             "  have h : P a := by\n"
                             "    unfold P\n"
                             "    apply q_intro\n"
                             "  exact h\n"
                             "#print axioms u"}});
  REQUIRE(unproved["messages"].size() == 2);
  CHECK(unproved["messages"][0] == error_at(2, 18, 4, 17, "unsolved goals\na : Nat\n⊢ R a"));
  CHECK(unproved["messages"][1]["data"] == "'u' depends on axioms: [sorryAx]");
  // A refused tactic inside: its error at that tactic, and nothing after it runs.
  json refused = repl.ask({{"cmd",
                            "theorem v (a : Nat) : P a := by\n"
                            "  have h : P a := by\n"
                            "    unfold P\n"
                            "    apply r_base\n"
                            "    apply q_intro\n"
                            "  exact h"},
                           {"infotree", "substantive"}});
  CHECK(refused["messages"] ==
        json{error_at(4, 4, 4, 16, "tactic 'apply' failed\na : Nat\n⊢ Q a")});
  CHECK_FALSE(refused.contains("infotree"));
  // No goal left for the have.
  CHECK(repl.ask({{"cmd",
                   "example (a : Nat) : R a := by\n  apply r_base\n"
                   "  have h : R a := by apply r_base"}})["messages"] ==
        json{error_at(3, 2, 3, 33, "no goals to be proved")});
  // Tactic mode reports either as a refused tactic.
  json opened = repl.ask({{"cmd", "example (a : Nat) : P a := by\n  sorry"}});
  long root = opened["sorries"][0]["proofState"];
  CHECK(repl.ask({{"tactic", "have h : P a := by\n  unfold P"}, {"proofState", root}}) ==
        json{{"message", "Lean error:\nunsolved goals\na : Nat\n⊢ Q a"}});
}

TEST_CASE("rules mode: the infotree has the have step with its block's steps as children",
          "[fake-repl][rules][have][infotree]") {
  RulesFile rules(have_rules);
  Repl repl(rules.path());
  json answer = repl.ask({{"cmd",
                           "theorem t (a : Nat) : P a := by\n"
                           "  have h1 : P a := by\n"
                           "    unfold P\n"
                           "    apply q_intro\n"
                           "    apply r_base\n"
                           "  exact h1"},
                          {"infotree", "substantive"}});
  REQUIRE(answer["infotree"].size() == 2);
  const json& have = answer["infotree"][0];
  CHECK(have["kind"] == "TacticInfo");
  CHECK(have["node"]["name"] == "Lean.Parser.Tactic.tacticHave_");
  CHECK(have["node"]["stx"]["kind"] == "Lean.Parser.Tactic.tacticHave_");
  CHECK(have["node"]["stx"]["range"] == json{{"synthetic", false},
                                             {"start", {{"line", 2}, {"column", 2}}},
                                             {"finish", {{"line", 5}, {"column", 16}}}});
  CHECK(have["node"]["goalsBefore"] == json{"a : Nat\n⊢ P a"});
  CHECK(have["node"]["goalsAfter"] == json{"a : Nat\nh1 : P a\n⊢ P a"});
  const json& block = have["children"];
  REQUIRE(block.size() == 3);
  CHECK(block[0]["node"]["stx"]["pp"] == "unfold P");
  CHECK(block[0]["node"]["stx"]["range"]["start"] == json{{"line", 3}, {"column", 4}});
  // The block's goal: the have's type under the goal's hypotheses, no tag.
  CHECK(block[0]["node"]["goalsBefore"] == json{"a : Nat\n⊢ P a"});
  CHECK(block[0]["node"]["goalsAfter"] == json{"a : Nat\n⊢ Q a"});
  CHECK(block[1]["node"]["name"] == "Lean.Parser.Tactic.apply");
  CHECK(block[2]["node"]["goalsAfter"] == json::array());
  for (const json& step : block) CHECK(step["children"] == json::array());
  const json& exact = answer["infotree"][1];
  CHECK(exact["node"]["name"] == "Lean.Parser.Tactic.exact");
  CHECK(exact["node"]["goalsBefore"] == have["node"]["goalsAfter"]);
  CHECK(exact["node"]["goalsAfter"] == json::array());
  // A have inside a have's block nests one level deeper.
  json nested = repl.ask({{"cmd",
                           "example (a : Nat) : P a := by\n"
                           "  have h : P a := by\n"
                           "    have r : R a := by apply r_base\n"
                           "    unfold P\n"
                           "    apply q_intro\n"
                           "    exact r\n"
                           "  exact h"},
                          {"infotree", "substantive"}});
  REQUIRE(nested["infotree"].size() == 2);
  const json& inner = nested["infotree"][0]["children"];
  REQUIRE(inner.size() == 4);
  CHECK(inner[0]["node"]["name"] == "Lean.Parser.Tactic.tacticHave_");
  REQUIRE(inner[0]["children"].size() == 1);
  CHECK(inner[0]["children"][0]["node"]["stx"]["pp"] == "apply r_base");
  CHECK(inner[3]["node"]["goalsBefore"] == json{"a : Nat\nr : R a\n⊢ R a"});
}
