// The infotree reader (lean-bridge/infotree.hpp) against every recorded answer of the real REPL
// to an `infotree` request (shared/lean-repl-transcripts: core/ and harvested/poiroux-repl-*),
// then against trees in the same shape that exercise nesting, macro expansions, `have`,
// positions and refusals.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "lean-bridge/infotree.hpp"
#include "lean-bridge/repl_answer.hpp"

namespace fs = std::filesystem;
using lean_bridge::TraceStep;
using nlohmann::json;

namespace {

const fs::path kTranscripts = fs::path(HARNESS_SHARED_DIR) / "lean-repl-transcripts";

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Every recorded item whose name starts with `infotree`: (the .in file, the .expected.out file).
std::vector<std::pair<fs::path, fs::path>> infotree_items() {
  std::vector<std::pair<fs::path, fs::path>> out;
  for (const auto& entry : fs::recursive_directory_iterator(kTranscripts)) {
    std::string name = entry.path().filename().string();
    if (!name.starts_with("infotree") || !name.ends_with(".in")) continue;
    fs::path answers = entry.path();
    answers.replace_extension(".expected.out");
    out.emplace_back(entry.path(), answers);
  }
  std::sort(out.begin(), out.end());
  return out;
}

lean_bridge::TraceSteps steps_of(const std::string& infotree, const std::string& text,
                                  int64_t offset = 0) {
  return lean_bridge::read_infotree(infotree, text, offset);
}

// A TacticInfo node in the REPL's shape.
json tactic_node(const std::string& name, int l0, int c0, int l1, int c1, json before, json after,
                 json children = json::array(), bool synthetic = false) {
  json stx = {{"range", {{"synthetic", synthetic},
                         {"start", {{"line", l0}, {"column", c0}}},
                         {"finish", {{"line", l1}, {"column", c1}}}}},
              {"pp", "pp of " + name},
              {"kind", name},
              {"argKinds", json::array()}};
  return {{"node", {{"stx", stx}, {"name", name}, {"goalsBefore", before}, {"goalsAfter", after}}},
          {"kind", "TacticInfo"},
          {"children", children}};
}

}  // namespace

TEST_CASE("every recorded infotree answer reads into the steps Lean reported", "[infotree]") {
  auto items = infotree_items();
  // core/ has two; harvested/ six: infotree (v4.9.0, v4.26.0) and infotree_theorem (v4.9.0,
  // v4.15.0, v4.19.0, v4.26.0).
  REQUIRE(items.size() >= 8);
  for (const auto& [in, out] : items) {
    INFO(in.string());
    json request = json::parse(slurp(in));
    std::string text = request.at("cmd").get<std::string>();
    auto parsed = lean_bridge::parse_answer(slurp(out));
    REQUIRE(parsed.answer.has_value());
    const auto* answer = std::get_if<lean_bridge::CommandAnswer>(&*parsed.answer);
    REQUIRE(answer != nullptr);
    auto read = lean_bridge::tactic_steps(*answer, text, 0);
    INFO(read.error);
    REQUIRE(read.steps.has_value());
    const auto& steps = *read.steps;
    REQUIRE(steps.size() == 1);
    const TraceStep& s = steps[0];
    CHECK(s.index == 0);
    CHECK(s.parent == -1);
    CHECK(s.depth == 0);
    CHECK_FALSE(s.is_have);
    CHECK(s.goals_after.empty());
    if (request.at("infotree") == "substantive") {
      // def f (h : Int) : Nat := by constructor
      CHECK(s.tactic == "constructor");
      CHECK(s.kind == "Lean.Parser.Tactic.constructor");
      CHECK(s.pp == "constructor");
      CHECK(s.goals_before == std::vector<std::string>{"h : Int\n⊢ Nat"});
      CHECK(s.pos == lean_bridge::Position{1, 28});
      CHECK(s.end_pos == lean_bridge::Position{1, 39});
    } else {
      // "full": theorem show_p (p: Prop) (h : p) : p := by exact h. The command, term and
      // structural nodes (`by`, tacticSeq, tacticSeq1Indented) are looked through.
      REQUIRE(request.at("infotree") == "full");
      CHECK(s.tactic == "exact h");
      CHECK(s.kind == "Lean.Parser.Tactic.exact");
      CHECK(s.goals_before == std::vector<std::string>{"p : Prop\nh : p\n⊢ p"});
      CHECK(s.pos == lean_bridge::Position{1, 43});
      CHECK(s.end_pos == lean_bridge::Position{1, 50});
    }
  }
}

TEST_CASE("nested steps: have with its own proof, macro expansions lifted", "[infotree]") {
  // theorem t (a : Nat) : a = a ∧ True := by
  //   have h : a = a := by
  //     rfl
  //   exact ⟨h, trivial⟩
  std::string text =
      "theorem t (a : Nat) : a = a ∧ True := by\n"
      "  have h : a = a := by\n"
      "    rfl\n"
      "  exact ⟨h, trivial⟩";
  json rfl = tactic_node("Lean.Parser.Tactic.tacticRfl", 3, 4, 3, 7, {"a : Nat\n⊢ a = a"},
                         json::array());
  // The `have` macro expands to `refine_lift ...` (synthetic syntax): not a step, its children
  // belong to the `have`.
  json expansion = tactic_node("Lean.Parser.Tactic.tacticRefine_lift_", 2, 2, 3, 7,
                               {"a : Nat\n⊢ a = a ∧ True"}, {"a : Nat\nh : a = a\n⊢ a = a ∧ True"},
                               json::array({rfl}), /*synthetic=*/true);
  json have = tactic_node("Lean.Parser.Tactic.tacticHave_", 2, 2, 3, 7,
                          {"a : Nat\n⊢ a = a ∧ True"}, {"a : Nat\nh : a = a\n⊢ a = a ∧ True"},
                          json::array({expansion}));
  json exact = tactic_node("Lean.Parser.Tactic.exact", 4, 2, 4, 20,
                           {"a : Nat\nh : a = a\n⊢ a = a ∧ True"}, json::array());
  json seq = tactic_node("Lean.Parser.Tactic.tacticSeq1Indented", 2, 2, 4, 20,
                         {"a : Nat\n⊢ a = a ∧ True"}, json::array(), json::array({have, exact}));
  json tree = json::array({seq});

  auto read = steps_of(tree.dump(), text, 10);
  INFO(read.error);
  REQUIRE(read.steps.has_value());
  const auto& steps = *read.steps;
  REQUIRE(steps.size() == 3);
  CHECK(steps[0].tactic == "have h : a = a := by\n    rfl");
  CHECK(steps[0].is_have);
  CHECK(steps[0].depth == 0);
  CHECK(steps[0].parent == -1);
  CHECK(steps[0].goals_after == std::vector<std::string>{"a : Nat\nh : a = a\n⊢ a = a ∧ True"});
  CHECK(steps[1].tactic == "rfl");
  CHECK(steps[1].parent == 0);
  CHECK(steps[1].depth == 1);
  CHECK_FALSE(steps[1].is_have);
  CHECK(steps[1].goals_before == std::vector<std::string>{"a : Nat\n⊢ a = a"});
  // Columns count code points: ⟨ and ⟩ are three bytes each.
  CHECK(steps[2].tactic == "exact ⟨h, trivial⟩");
  CHECK(steps[2].parent == -1);
  CHECK(steps[2].index == 2);
  // Lines shifted by the offset, columns as Lean gave them.
  CHECK(steps[2].pos == lean_bridge::Position{14, 2});
  CHECK(steps[2].end_pos == lean_bridge::Position{14, 20});
}

TEST_CASE("have kinds and the REPL's structural tactics", "[infotree]") {
  CHECK(lean_bridge::is_have_kind("Lean.Parser.Tactic.tacticHave_"));
  CHECK(lean_bridge::is_have_kind("Lean.Parser.Tactic.tacticHave'_"));
  CHECK(lean_bridge::is_have_kind("Lean.Parser.Tactic.tacticHaveI_"));
  CHECK(lean_bridge::is_have_kind("Mathlib.Tactic.tacticHave_"));
  CHECK_FALSE(lean_bridge::is_have_kind("Lean.Parser.Tactic.exact"));
  CHECK_FALSE(lean_bridge::is_have_kind("Lean.Parser.Tactic.tacticShow_"));
  CHECK_FALSE(lean_bridge::is_substantive(""));
  CHECK_FALSE(lean_bridge::is_substantive("Lean.Parser.Term.byTactic"));
  CHECK_FALSE(lean_bridge::is_substantive("Lean.Parser.Tactic.«tactic_<;>_»"));
  CHECK_FALSE(lean_bridge::is_substantive("Lean.cdot"));
  CHECK(lean_bridge::is_substantive("Lean.Parser.Tactic.simp"));
}

TEST_CASE("no infotree key means no steps, a tree the bridge cannot read means none at all",
          "[infotree]") {
  lean_bridge::CommandAnswer answer;
  answer.env = 3;
  auto none = lean_bridge::tactic_steps(answer, "theorem t : True := trivial", 0);
  REQUIRE(none.steps.has_value());
  CHECK(none.steps->empty());

  std::string text = "example : True := by trivial";
  json good = tactic_node("Lean.Parser.Tactic.tacticTrivial", 1, 21, 1, 28, {"⊢ True"},
                          json::array());
  REQUIRE(steps_of(json::array({good}).dump(), text).steps.has_value());
  CHECK(steps_of(json::array({good}).dump(), text).steps->at(0).tactic == "trivial");

  json no_after = good;
  no_after["node"].erase("goalsAfter");
  auto a = steps_of(json::array({no_after}).dump(), text);
  CHECK_FALSE(a.steps.has_value());
  CHECK(a.error == "infotree[0].node.goalsAfter: expected a list of goals");

  json outside = tactic_node("Lean.Parser.Tactic.tacticTrivial", 2, 0, 2, 7, {"⊢ True"},
                             json::array());
  auto b = steps_of(json::array({outside}).dump(), text);
  CHECK_FALSE(b.steps.has_value());
  CHECK(b.error.find("not a range of the checked text") != std::string::npos);

  json bad_goal = good;
  bad_goal["node"]["goalsBefore"] = json::array({1});
  CHECK_FALSE(steps_of(json::array({bad_goal}).dump(), text).steps.has_value());
  CHECK_FALSE(steps_of("{\"not\": \"a list\"}", text).steps.has_value());
  CHECK_FALSE(steps_of("[{", text).steps.has_value());
}
