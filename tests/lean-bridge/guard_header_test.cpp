// The guard's modes for task texts that an input line wrote itself: GuardMode::header and
// GuardMode::statement (docs/guard.md, "A line's own header and statement").
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "lean-bridge/guard.hpp"
#include "tests/lean-bridge/guard_fixture.hpp"

using namespace lean_bridge;

namespace {

using guard_test::guard;
using guard_test::kMiniF2FHeader;

std::optional<GuardFinding> header(std::string_view text) {
  return guard().check(text, GuardMode::header, "");
}
std::optional<GuardFinding> statement(std::string_view text,
                                      std::string_view task_header = kMiniF2FHeader) {
  return guard().check(text, GuardMode::statement, task_header);
}
std::string rule_of(const std::optional<GuardFinding>& finding) {
  return finding ? finding->rule : "";
}

// A refusal: the rule and where it is found.
struct Refused {
  std::string text;
  std::string rule;
  int64_t line;
  int64_t column;
};

void check_refused(const Refused& r, const std::optional<GuardFinding>& finding) {
  INFO(r.text);
  REQUIRE(finding);
  CHECK(finding->rule == r.rule);
  CHECK(finding->line == r.line);
  CHECK(finding->column == r.column);
  CHECK(finding->verdict == (r.rule == "sorry" ? Verdict::incomplete : Verdict::rejected));
}

}  // namespace

TEST_CASE("a header holds what dataset headers hold", "[guard][header]") {
  for (std::string_view text : {
           kMiniF2FHeader,
           std::string_view("import Mathlib\nimport Aesop\nset_option maxHeartbeats 400000\n"
                            "open BigOperators Real Nat Topology Rat\n"),
           std::string_view("import Mathlib\nset_option maxRecDepth 100000\n"
                            "set_option synthInstance.maxHeartbeats 0\n"
                            "set_option synthInstance.maxSize 256\n"
                            "set_option maxHeartbeats 0 in\ndef big : Nat := 1\n"),
           std::string_view("import Mathlib\nset_option checkBinderAnnotations false\n"
                            "set_option autoImplicit false\nset_option relaxedAutoImplicit false\n"
                            "set_option pp.all true\nset_option linter.unusedVariables false\n"),
           std::string_view("import Mathlib\n\nopen Complex Filter Function Metric Finset\n"
                            "open scoped BigOperators Topology\nopen Real hiding sqrt\n"
                            "open Nat renaming succ → next\nopen Finset (range sum_range_succ)\n"),
           std::string_view("-- a comment\n/- a block /- nested -/ comment -/\nimport Mathlib\n"
                            "universe u v\nnamespace Foo\nsection Bar\n"),
           std::string_view(
               "import Mathlib\nnamespace Foo.Bar\nsection\nend\nend Foo.Bar\n"
               "noncomputable section\n/-- doc -/\n@[simp, reducible] def two : ℕ := 2\n"
               "private def three : ℕ := 3\nprotected abbrev I : Set ℝ := Set.Icc 0 1\n"
               "theorem helper : True := trivial\nlemma helper' : True := by\n"
               "  trivial\nend\n"),
           std::string_view("import Mathlib\n@[local simp] def x : ℕ := 1\n"
                            "@[scoped ext] theorem y : True := trivial\n"),
       }) {
    INFO(text);
    CHECK(rule_of(header(text)) == "");
  }
}

TEST_CASE("a header refuses what runs code or changes the rules", "[guard][header]") {
  const std::string top = "import Mathlib\n";
  for (const Refused& r : std::vector<Refused>{
           {top + "#eval IO.FS.writeFile \"/tmp/x\" \"pwned\"\n", "eval", 2, 0},
           {top + "run_cmd Lean.logInfo \"x\"\n", "run_cmd", 2, 0},
           {top + "macro \"trivial\" : tactic => `(tactic| sorry)\n", "macro", 2, 0},
           {top + "macro_rules | `(tactic| trivial) => `(tactic| rfl)\n", "macro_rules", 2, 0},
           {top + "elab \"x\" : tactic => pure ()\n", "elab", 2, 0},
           {top + "syntax \"x\" : tactic\n", "syntax", 2, 0},
           {top + "notation \"π\" => (3 : ℝ)\n", "notation", 2, 0},
           {top + "initialize pure ()\n", "initialize", 2, 0},
           {top + "axiom cheat : False\n", "axiom", 2, 0},
           {top + "unsafe def f : Nat := 0\n", "unsafe", 2, 0},
           {top + "@[implemented_by g] def f : Nat := 0\n", "implemented_by", 2, 2},
           {top + "@[csimp] theorem e : @f = @g := rfl\n", "csimp", 2, 2},
           {top + "attribute [instance] foo\n", "attribute", 2, 0},
           {top + "@[instance] def i : Add ℝ := ⟨fun _ _ => 0⟩\n", "instance", 2, 2},
           {top + "@[simp, default_instance] def i : Nat := 0\n", "attribute_name", 2, 8},
           {top + "@[-simp] def i : Nat := 0\n", "attribute_name", 2, 2},
           {top + "instance : Add ℝ := ⟨fun _ _ => 0⟩\n", "instance", 2, 0},
           {top + "set_option debug.skipKernelTC true\n", "debug_option", 2, 0},
           {top + "set_option internal.cmdlineSnapshots true\n", "internal_option", 2, 0},
           {top + "set_option trace.Meta.synthInstance true\n", "header_option", 2, 0},
           {top + "set_option compiler.extract_closed false\n", "header_option", 2, 0},
           {top + "set_option synthInstance.checkSynthOrder false\n", "header_option", 2, 0},
           {top + "set_option backward.synthInstance.canonInstances false\n", "header_option", 2,
            0},
           {top + "def f := 1\n  set_option trace.Meta.debug true in\n  f\n", "header_option", 3,
            2},
           {top + "#check Nat\n", "header_command", 2, 0},
           {top + "#print axioms Nat.add_comm\n", "header_command", 2, 0},
           {top + "#exit\n", "exit", 2, 0},
           {top + "variable (x : ℕ)\n", "variable", 2, 0},
           {top + "export Nat (succ)\n", "export", 2, 0},
           {top + "structure P where\n  x : ℕ\n", "header_command", 2, 0},
           {top + "class C (α : Type) where\n  x : α\n", "header_command", 2, 0},
           {top + "inductive T | a | b\n", "header_command", 2, 0},
           {top + "example : True := trivial\n", "header_command", 2, 0},
           {top + "mutual\ndef a : Nat := 0\nend\n", "header_command", 2, 0},
           {top + "deriving instance Repr for Nat\n", "header_command", 2, 0},
           {top + "irreducible_def c : ℕ := 1\n", "header_command", 2, 0},
           // A name at column 0 may be a command the guard does not know (Mathlib declares some).
           {top + "some_mathlib_command x y\n", "header_command", 2, 0},
           {top + "def f : ℕ := by\n  native_decide\n", "native_decide", 3, 2},
           {top + "theorem h : 1 = 1 := by\n  sorry\n", "sorry", 3, 2},
           {top + "/- never closed\n#eval 1\n", "unterminated", 2, 0},
           {top + "def s := \"never closed\n", "unreadable", 2, 9},
       }) {
    check_refused(r, header(r.text));
  }
}

TEST_CASE("a header is read under its own imports", "[guard][header]") {
  // Mathlib's prime notation lexes as Mathlib's only when the header imports Mathlib.
  CHECK(rule_of(header("import Mathlib\ndef s (f : ℕ → ℕ) (t : Set ℕ) := f '' t\n")) == "");
  CHECK(rule_of(header("import Lean\ndef s (f : ℕ → ℕ) (t : Set ℕ) := f '' t\n")) == "unreadable");
  // The header argument is ignored: a trusted header cannot lend its own options.
  CHECK(rule_of(guard().check("set_option debug.skipKernelTC true\n", GuardMode::header,
                              "set_option debug.skipKernelTC true\n")) == "debug_option");
}

TEST_CASE("a statement is one declaration and nothing else", "[guard][statement]") {
  for (std::string_view text : {
           std::string_view("theorem amc12a_2019_p21 (z : ℂ) (h₀ : z = (1 + Complex.I) / "
                            "Real.sqrt 2) :\n  z = z := by\n"),
           std::string_view("theorem exercise_1_13a {f : ℂ → ℂ} (Ω : Set ℂ) :\n  f = f :="),
           std::string_view("def exercise_2_1_21 (G : Type*) [Group G] (hG : Nat.card G = 5) :\n"
                            "  CommGroup G :="),
           std::string_view("noncomputable def exercise_2_8_6 {G H : Type*} [Group G] [Group H] :"
                            "\n  center (G × H) ≃* (center G) × (center H) :="),
           std::string_view("/-- The sum. -/\n@[simp] private theorem t : True := by\n"),
           std::string_view("open Real in\ntheorem t : sqrt 4 = 2 := by\n"),
           std::string_view("open scoped BigOperators in\nset_option maxHeartbeats 400000 in\n"
                            "lemma t : True := by\n"),
           std::string_view("set_option maxHeartbeats 0 in\ntheorem t : True := by\n"),
           std::string_view("theorem t : (open Nat in succ 1) = 2 := by\n"),
           std::string_view("example : True := by\n"),
           std::string_view("theorem t : True :=\n  by\n    trivial\n"),
           std::string_view(""),
       }) {
    INFO(text);
    CHECK(rule_of(statement(text)) == "");
  }
}

TEST_CASE("a statement refuses a second command before or after it", "[guard][statement]") {
  for (const Refused& r : std::vector<Refused>{
           {"#eval IO.FS.writeFile \"x\" \"y\"\ntheorem t : True := by\n", "eval", 1, 0},
           {"theorem t : True := by\n  trivial\n#eval IO.println \"x\"\n", "eval", 3, 0},
           {"macro \"x\" : term => `(1)\ntheorem t : True := by\n", "macro", 1, 0},
           {"theorem t : True := trivial\nmacro \"x\" : term => `(1)\n", "macro", 2, 0},
           {"elab \"x\" : term => pure default\ntheorem t : True := by\n", "elab", 1, 0},
           {"syntax \"x\" : term\ntheorem t : True := by\n", "syntax", 1, 0},
           {"run_cmd pure ()\ntheorem t : True := by\n", "run_cmd", 1, 0},
           {"initialize pure ()\ntheorem t : True := by\n", "initialize", 1, 0},
           {"axiom a : False\ntheorem t : False := by\n", "axiom", 1, 0},
           {"theorem t : False := by\n  exact a\naxiom a : False\n", "axiom", 3, 0},
           {"unsafe def t : Nat := by\n", "unsafe", 1, 0},
           {"@[implemented_by g] def t : Nat :=", "implemented_by", 1, 2},
           {"@[instance] def t : Add ℝ :=", "instance", 1, 2},
           {"@[default_instance] def t : Add ℝ :=", "attribute_name", 1, 2},
           {"attribute [simp] foo\ntheorem t : True := by\n", "attribute", 1, 0},
           {"instance : Add ℝ := ⟨fun _ _ => 0⟩\ntheorem t : True := by\n", "instance", 1, 0},
           {"set_option debug.skipKernelTC true in\ntheorem t : True := by\n", "debug_option", 1,
            0},
           {"set_option trace.profiler true in\ntheorem t : True := by\n", "header_option", 1, 0},
           {"open Real\ntheorem t : True := by\n", "statement_command", 1, 0},
           {"set_option maxRecDepth 100\ntheorem t : True := by\n", "statement_command", 1, 0},
           {"namespace X\ntheorem t : True := by\n", "statement_command", 1, 0},
           {"#check Nat\ntheorem t : True := by\n", "statement_command", 1, 0},
           {"structure S where\n  x : ℕ\n", "statement_command", 1, 0},
           {"import Mathlib\ntheorem t : True := by\n", "statement_command", 1, 0},
           {"theorem t : True := trivial\ntheorem u : True := by\n", "second_command", 2, 0},
           {"theorem t : True := by\n  trivial\nopen Real\n", "second_command", 3, 0},
           {"theorem t : True := trivial\n@[simp] theorem u : True := by\n", "second_command", 2,
            0},
           {"theorem t : True := trivial\nimport Mathlib\n", "second_command", 2, 0},
           {"theorem t : True := by\n  sorry\n", "sorry", 2, 2},
           {"theorem t : True := by\n  /- the proof goes on", "unterminated", 2, 2},
           {"theorem t : True := by", "statement_end", 1, 20},
           {"theorem t : True := by -- no newline", "statement_end", 1, 20},
           {"theorem t : True := by exact", "statement_end", 1, 23},
       }) {
    check_refused(r, statement(r.text));
  }
  // A set_option that repeats the task header's is the header's; one the header does not set to
  // 0 is refused by the table.
  CHECK(rule_of(statement("set_option maxHeartbeats 0 in\ntheorem t : True := by\n",
                          kMiniF2FHeader)) == "");
  CHECK(rule_of(statement("set_option maxHeartbeats 0 in\ntheorem t : True := by\n",
                          "import Mathlib\n")) == "unlimited_heartbeats");
}

TEST_CASE("header options are sorted into budgets, printing, harmless and refused", "[guard]") {
  for (std::string_view name : {"maxHeartbeats", "maxRecDepth", "synthInstance.maxHeartbeats",
                                "synthInstance.maxSize", "maxSynthPendingDepth"}) {
    CHECK(header_option_kind(name) == OptionKind::budget);
  }
  for (std::string_view name : {"pp.all", "pp.proofs.withType", "linter.unusedVariables"}) {
    CHECK(header_option_kind(name) == OptionKind::printing);
  }
  for (std::string_view name : {"autoImplicit", "relaxedAutoImplicit", "checkBinderAnnotations"}) {
    CHECK(header_option_kind(name) == OptionKind::harmless);
  }
  for (std::string_view name :
       {"debug.skipKernelTC", "internal.cmdlineSnapshots", "trace.Meta.synthInstance", "pp",
        "ppx.all", "synthInstance.checkSynthOrder", "maxHeartbeatsX", "compiler.extract_closed",
        "backward.synthInstance.canonInstances", ""}) {
    INFO(name);
    CHECK(header_option_kind(name) == OptionKind::refused);
  }
  CHECK(to_string(GuardMode::header) == "header");
  CHECK(to_string(GuardMode::statement) == "statement");
}

namespace {

std::vector<nlohmann::json> dataset(const std::string& name) {
  std::filesystem::path path = std::filesystem::path(HARNESS_DATASETS_DIR) / name;
  std::ifstream in(path);
  if (!in) FAIL("missing dataset " << path.string() << ": these tests need shared/datasets");
  std::vector<nlohmann::json> rows;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) rows.push_back(nlohmann::json::parse(line));
  }
  return rows;
}

}  // namespace

TEST_CASE("every dataset header and statement is accepted", "[guard][header][statement]") {
  REQUIRE(std::filesystem::is_directory(HARNESS_DATASETS_DIR));
  std::map<std::string, std::set<std::string>> headers;  // header → the files holding it
  size_t statements = 0;
  for (const char* file : {"minif2f.jsonl", "minif2f_valid_few_shot.jsonl", "proofnet.jsonl"}) {
    auto rows = dataset(file);
    REQUIRE_FALSE(rows.empty());
    for (const auto& row : rows) {
      // The few-shot file has no header: its statements are miniF2F's.
      std::string task_header = row.value("header", std::string(kMiniF2FHeader));
      if (row.contains("header")) headers[task_header].insert(file);
      std::string text = row["formal_statement"];
      INFO(file << ": " << row["name"].get<std::string>());
      auto finding = statement(text, task_header);
      CHECK(rule_of(finding) == "");
      if (finding) UNSCOPED_INFO(finding->describe());
      ++statements;
    }
  }
  CHECK(statements == 488 + 67 + 371);
  size_t minif2f = 0, proofnet = 0;
  for (const auto& [text, files] : headers) {
    INFO(text);
    auto finding = header(text);
    CHECK(rule_of(finding) == "");
    if (finding) UNSCOPED_INFO(finding->describe());
    minif2f += files.count("minif2f.jsonl");
    proofnet += files.count("proofnet.jsonl");
  }
  // 1 distinct header in miniF2F, 25 in ProofNet (19 of whose lines define helpers).
  CHECK(minif2f == 1);
  CHECK(proofnet == 25);
  CHECK(headers.size() == 26);
}

TEST_CASE("a whole file may restate the header with other budgets and printing options",
          "[guard]") {
  const std::string target = "\ntheorem t : 1 + 1 = 2 := by\n  norm_num\n";
  auto file = [&](const std::string& preamble, std::string_view task_header = kMiniF2FHeader) {
    return rule_of(guard().check(preamble + target, GuardMode::whole_file, task_header));
  };
  // DeepSeek-Prover's and Goedel-Prover's own prompt header, under miniF2F's.
  CHECK(file("import Mathlib\nimport Aesop\nset_option maxHeartbeats 400000\n"
             "open BigOperators Real Nat Topology Rat\n") == "");
  CHECK(file("import Mathlib\nset_option maxHeartbeats 400000 in") == "");
  CHECK(file("import Mathlib\nset_option maxRecDepth 10000\nset_option pp.all true\n"
             "set_option linter.unusedVariables false\n") == "");
  // No budget at all is still the header's to give, and options that change elaboration are
  // still refused.
  CHECK(file("import Mathlib\nset_option maxHeartbeats 0\n", "import Mathlib\n") ==
        "unlimited_heartbeats");
  CHECK(file("import Mathlib\nset_option autoImplicit true\n") == "set_option");
  CHECK(file("import Mathlib\nset_option trace.Meta.synthInstance true\n") == "set_option");
  CHECK(file("import Mathlib\nset_option debug.skipKernelTC true\n") == "debug_option");
}
