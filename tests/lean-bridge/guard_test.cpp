#include "lean-bridge/guard.hpp"
#include "tests/lean-bridge/guard_fixture.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

using namespace lean_bridge;

namespace {

using guard_test::guard;
using guard_test::kMiniF2FHeader;

std::optional<GuardFinding> check(std::string_view text, GuardMode mode,
                                  std::string_view header = kMiniF2FHeader) {
  return guard().check(text, mode, header);
}
std::optional<GuardFinding> body(std::string_view proof) {
  return check(proof, GuardMode::proof_body);
}
std::optional<GuardFinding> file(std::string_view text) {
  return check(text, GuardMode::whole_file);
}

// The rule id of a finding, "" for none (for compact expectations).
std::string rule_of(const std::optional<GuardFinding>& finding) {
  return finding ? finding->rule : "";
}

std::string escaped(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c == '\n' ? ' ' : c);
  }
  return out;
}

std::string flat(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = c == '\n' ? ' ' : c;
  return out;
}

// One default rule: a text it refuses, and a text where the same word is harmless (part of a
// longer identifier, outside an attribute, a finite value...).
struct RuleCase {
  std::string rule;
  GuardMode mode;
  std::string positive;
  std::string near_miss;
  std::string header = std::string(kMiniF2FHeader);
};

constexpr GuardMode B = GuardMode::proof_body;
constexpr GuardMode F = GuardMode::whole_file;

const std::vector<RuleCase>& rule_cases() {
  static const std::vector<RuleCase> kCases = {
      {"sorry", B, "  sorry", "  exact sorry_lemma"},
      {"admit", B, "  admit", "  exact admit_h"},
      {"sorry_ax", B, "  exact sorryAx _ false", "  exact sorryAxiom"},
      {"axiom", F, "axiom bad : False\ntheorem t : False := bad", "  exact h_axiom"},
      {"opaque", F, "opaque c : Nat", "  exact opaque_h"},
      {"unsafe", F, "unsafe def f : Nat := 0", "  exact unsafe_ok"},
      {"partial", F, "partial def f : Nat → Nat := f", "  exact partial_fraction h"},
      {"implemented_by", F, "@[implemented_by g] def f : Nat := 0", "  exact implemented_byx"},
      {"extern", F, "@[extern \"c_f\"] def f : Nat := 0", "  exact externally"},
      {"csimp", F, "@[csimp] theorem e : @f = @g := rfl", "  exact csimp_lemma"},
      {"native_decide", B, "  native_decide", "  decide"},
      {"decide_native", B, "  decide +native", "  decide +kernel"},
      {"native_option", B, "  decide (config := {native := true})",
       "  decide (config := {kernel := true, native := false})"},
      {"of_reduce_bool", B, "  exact Lean.ofReduceBool _ _ rfl", "  exact ofReduceBoolish"},
      {"of_reduce_nat", B, "  exact ofReduceNat _ _ rfl", "  exact ofReduceNat'"},
      {"trust_compiler", B, "  exact Lean.trustCompiler", "  exact trustCompilerX"},
      {"eval", F, "#eval 1 + 1", "  exact h.eval"},
      {"exit", F, "#exit", "  exact h.exit"},
      {"run_cmd", F, "run_cmd pure ()", "  exact run_cmd_h"},
      {"run_tac", B, "  run_tac pure ()", "  exact run_tactic"},
      {"run_elab", F, "run_elab pure ()", "  exact run_elab'"},
      {"run_meta", F, "run_meta pure ()", "  exact run_metah"},
      {"by_elab", B, "  exact by_elab pure default", "  exact by_elab₁"},
      {"initialize", F, "initialize pure ()", "  exact initialize_h"},
      {"builtin_initialize", F, "builtin_initialize pure ()", "  exact builtin_initialize'"},
      {"attr_init", F, "@[init f] def g : Nat := 1", "  exact init"},
      {"attr_builtin_init", F, "@[builtin_init f] def g : Nat := 1", "  exact builtin_init"},
      {"attr_tactic", F, "@[tactic Lean.Parser.Tactic.simp] def t : Nat := 1", "  exact tactic"},
      {"attr_term_elab", F, "@[term_elab foo] def t : Nat := 1", "  exact term_elab"},
      {"attr_command_elab", F, "@[command_elab foo] def t : Nat := 1", "  exact command_elab"},
      {"attr_delab", F, "@[delab app.f] def t : Nat := 1", "  exact delab"},
      {"attr_norm_num", F, "@[norm_num _ + _] def t : Nat := 1", "  norm_num [t]"},
      {"attr_positivity", F, "@[positivity _ * _] def t : Nat := 1", "  positivity"},
      {"attr_aesop", F, "@[simp, aesop safe] theorem t : True := trivial", "  aesop"},
      {"simproc", F, "simproc s (f _) := fun _ => pure .continue", "  simp [simproc_lemma]"},
      {"dsimproc", F, "dsimproc s (f _) := fun _ => pure .continue", "  exact dsimproc'"},
      {"simproc_decl", F, "simproc_decl s (f _) := fun _ => pure .continue", "  exact decl"},
      {"dsimproc_decl", F, "dsimproc_decl s (f _) := fun _ => pure .continue", "  exact decl"},
      {"elab", F, "elab \"foo\" : tactic => pure ()", "  exact elaborate"},
      {"elab_rules", F, "elab_rules : tactic | `(tactic| foo) => pure ()", "  exact rules"},
      {"macro", F, "macro \"foo\" : tactic => `(tactic| trivial)", "  exact macro_h"},
      {"macro_rules", F, "macro_rules | `(tactic| trivial) => `(tactic| rfl)", "  exact rules"},
      {"syntax", F, "syntax \"foo\" : tactic", "  exact syntax_h"},
      {"declare_syntax_cat", F, "declare_syntax_cat foo", "  exact declare"},
      {"notation", F, "notation \"π\" => (3 : ℝ)", "  exact notation_h"},
      {"notation3", F, "notation3 \"π\" => (3 : ℝ)", "  exact notation3'"},
      {"infix", F, "infix:65 \" +' \" => HAdd.hAdd", "  exact infix_h"},
      {"infixl", F, "infixl:65 \" +' \" => HAdd.hAdd", "  exact infixl_h"},
      {"infixr", F, "infixr:65 \" +' \" => HAdd.hAdd", "  exact infixr_h"},
      {"prefix", F, "prefix:max \"√\" => Real.sqrt", "  exact List.prefix_append"},
      {"postfix", F, "postfix:max \"!\" => Nat.factorial", "  exact postfix_h"},
      {"binder_predicate", F, "binder_predicate x \" >> \" y:term => `($x > $y)", "  exact bp"},
      {"unif_hint", F, "unif_hint (n : Nat) where n =?= 0 ⊢ n + 0 =?= 0", "  exact unif"},
      {"instance", F, "instance : Inhabited Nat := ⟨0⟩", "  exact inferInstance"},
      {"attribute", F, "attribute [simp] Nat.add_comm", "  simp [attributes]"},
      {"export", F, "export Nat (succ)", "  exact exported"},
      {"variable", F, "variable (x : Nat)", "  exact variables"},
      {"include", F, "include h", "  exact included"},
      {"debug_option", B, "  set_option debug.skipKernelTC true in\n  simp",
       "  set_option trace.Meta.synthInstance true in\n  simp"},
      {"internal_option", B, "  set_option internal.cmdlineSnapshots true in\n  simp",
       "  set_option maxRecDepth 10000 in\n  simp"},
      {"unlimited_heartbeats", B, "  set_option maxHeartbeats 0 in\n  simp",
       "  set_option maxHeartbeats 400000 in\n  simp", "import Mathlib"},
      {"unlimited_synth", B, "  set_option synthInstance.maxHeartbeats 0 in\n  simp",
       "  set_option synthInstance.maxHeartbeats 40000 in\n  simp"},
      {"modify_env", F, "def f : CoreM Unit := modifyEnv id", "  exact modifyEnvironment"},
      {"set_env", F, "def f : CoreM Unit := setEnv e", "  exact resetEnv"},
      {"add_decl", F, "def f : CoreM Unit := Lean.addDecl d", "  exact addDecls"},
      {"add_and_compile", F, "def f : CoreM Unit := addAndCompile d", "  exact addAnd"},
      {"environment", F, "def f (e : Lean.Environment) : Nat := 0", "  exact Environment"},
      {"kernel", F, "def f := Lean.Kernel.isDefEq", "  exact Kernel.foo"},
      {"elab_command", F, "def f := Lean.Elab.Command.elabCommand", "  exact elabCommands"},
      {"eval_const", F, "def f := evalConst Nat n", "  exact evalConstant"},
      {"unsafe_cast", B, "  exact unsafeCast (0 : Nat)", "  exact safeCast"},
      {"unsafe_base_io", F, "def f := unsafeBaseIO (pure 0)", "  exact unsafeBaseIOx"},
      {"unsafe_io", F, "def f := unsafeIO (pure 0)", "  exact unsafeIOx"},
      {"unsafe_eio", F, "def f := unsafeEIO (pure 0)", "  exact unsafeEIOx"},
      {"ptr_addr_unsafe", F, "def f := ptrAddrUnsafe 0", "  exact ptrAddr"},
      {"io", F, "def f := IO.FS.readFile \"/etc/passwd\"", "  exact IOx.FS"},
  };
  return kCases;
}

}  // namespace

TEST_CASE("every default rule refuses its construct and only that", "[guard]") {
  std::set<std::string> tested;
  for (const RuleCase& c : rule_cases()) {
    INFO(c.rule << ": " << c.positive);
    tested.insert(c.rule);
    auto finding = check(c.positive, c.mode, c.header);
    REQUIRE(finding);
    CHECK(finding->rule == c.rule);
    CHECK(finding->verdict == (c.rule == "sorry" || c.rule == "admit" || c.rule == "sorry_ax"
                                   ? Verdict::incomplete
                                   : Verdict::rejected));
    // The same text in comments and strings, and the near miss, are not refused.
    std::string quoted = "\"" + escaped(c.positive) + "\"";
    CHECK(rule_of(body("  simp -- " + flat(c.positive))) == "");
    CHECK(rule_of(body("  /- " + c.positive + " -/\n  simp")) == "");
    CHECK(rule_of(body("  /-- doc /- nested -/ " + c.positive + " -/\n  simp")) == "");
    CHECK(rule_of(body("  exact (fun _ => trivial) " + quoted)) == "");
    CHECK(rule_of(file("def s : String := " + quoted)) == "");
    CHECK(rule_of(body(c.near_miss)) == "");
  }
  for (const GuardRule& rule : guard().rules()) {
    INFO("default rule without a test case: " << rule.id);
    CHECK(tested.count(rule.id) == 1);
  }
  CHECK(tested.size() == guard().rule_count());
}

TEST_CASE("honest tactic proofs pass", "[guard]") {
  for (std::string_view proof : {
           "  decide",
           "  exact?",
           "  by_contra h\n  push_neg at h\n  linarith",
           "  simp [Nat.add_comm]",
           "  nlinarith [sq_nonneg (a - b), sq_nonneg (a + b)]",
           "  have h : (2 : ℝ) ≠ 0 := by norm_num\n  field_simp",
           "  open Real in\n  simp [sqrt_eq_iff]",
           "  open scoped BigOperators in\n  simp",
           "  set_option maxRecDepth 10000 in\n  decide",
           "  set_option maxHeartbeats 400000 in\n  nlinarith",
           "  set_option maxHeartbeats 0 in\n  simp",  // repeats the task header's line
           "  exact partial_fraction h",
           "  rcases h with ⟨x, hx⟩\n  exact ⟨x, by simpa using hx⟩",
           "  induction n with\n  | zero => rfl\n  | succ n ih => simp [ih]",
           "  exact helper\nwhere\n  helper : True := trivial",
           "  simp\n  -- native_decide would be faster\n  /- sorry -/",
           "  exact \"sorry\".length_pos",
           "  exact Function.Injective.comp (f := f) hf hg",
           "  simp [Finset.sum_range_succ, Nat.factorial]\n  decide",
           "  apply?",
       }) {
    INFO(proof);
    CHECK(rule_of(body(proof)) == "");
  }
}

// Shapes that the verified prover output measured in docs/guard.md ("False refusals") uses,
// written here in short: none may be refused.
TEST_CASE("shapes of verified prover output pass", "[guard]") {
  for (std::string_view proof : {
           // A body that opens with the model's informal proof, LaTeX backslashes included.
           "/-\nWe show \\( v = \\frac{1}{3} b h \\):\n\\[ 30 \\times 6.5 = 195 \\]\n-/\n"
           "-- substitute\nrw [h₂, h₃] at h₁\nlinarith",
           "  omega -- if $n \\bmod 5 = 3$ then $2n \\bmod 5 = 1$",
           "  interval_cases y <;> \n    try {\n      simp_all\n      <;> \n      ( \n        ring_nf \n"
           "        <;> \n        omega\n      )\n    }",
           "  cases (mul_eq_zero.mp h) with\n  | inl h1 => left; linarith\n  | inr h2 => right; linarith",
           "  calc \n    x % 6 = 5050 % 6 := by \n      norm_num \n    _ = 4 := by \n      norm_num",
           "  norm_num at h₄\n<;> linarith\n<;> assumption\n<;> norm_num\n<;> linarith",
           "  have : (x : ℝ) > (1 : ℝ) := by exact_mod_cast ht.left\n  · -- the case x = 0\n    simp",
       }) {
    INFO(proof);
    CHECK(rule_of(body(proof)) == "");
  }
  // Whole files that restate the header, with Mathlib's prime notation and `(· ≠ ·)`.
  for (std::string_view text : {
           "theorem t (f : ℝ → ℝ) (h₁ : Fintype (f ⁻¹' {0})) :\n"
           "    (∏ x in (f ⁻¹' {0}).toFinset, x) = 20 := by\n  simp",
           "theorem t (A B C : ℕ) (h₂ : [A, B, C].Pairwise (· ≠ ·)) : True := by\n  trivial",
       }) {
    INFO(text);
    CHECK(rule_of(file(std::string(kMiniF2FHeader) + "\n" + std::string(text))) == "");
  }
}

TEST_CASE("sorry inside a have is incomplete, and the first finding in text order wins",
          "[guard]") {
  auto finding = body("  have h : 1 = 1 := by sorry\n  native_decide");
  REQUIRE(finding);
  CHECK(finding->rule == "sorry");
  CHECK(finding->verdict == Verdict::incomplete);
  CHECK(rule_of(body("  native_decide\n  sorry")) == "native_decide");
  CHECK(rule_of(body("  exact «sorry»")) == "sorry");
  CHECK(rule_of(body("  exact Lean.«ofReduceBool» _ _ rfl")) == "of_reduce_bool");
  CHECK(rule_of(body("  exact _root_.Lean.ofReduceBool _ _ rfl")) == "of_reduce_bool");
  CHECK(rule_of(body("  decide /- a -/ +native")) == "decide_native");
  CHECK(rule_of(body("  decide (native := true)")) == "native_option");
  CHECK(rule_of(body("  set_option maxHeartbeats 0x0 in simp")) == "");  // the header's 0
  CHECK(rule_of(check("  set_option maxHeartbeats 0x0 in simp", B, "import Mathlib")) ==
        "unlimited_heartbeats");
  CHECK(rule_of(body("  set_option «debug».skipKernelTC true in simp")) == "debug_option");
}

TEST_CASE("a proof body may not add a second top-level command", "[guard]") {
  struct Case {
    std::string text;
    std::string rule;
    std::string construct;
  };
  for (const Case& c : std::vector<Case>{
           {"  trivial\ntheorem x : True := trivial", "second_command",
            "theorem x : True := trivial"},
           {"  trivial\nend", "second_command", "end"},
           {"  trivial\nend Foo", "second_command", "end Foo"},
           {"  trivial\n#eval 1", "eval", "#eval"},
           {"  trivial\n#check Nat", "second_command", "#check Nat"},
           {"  trivial\n#print axioms foo", "second_command", "#print axioms foo"},
           {"  trivial\nnotation \"x\" => 1", "notation", "notation"},
           {"  trivial\nlemma y : True := trivial", "second_command", "lemma y : True := trivial"},
           {"  trivial\ndef d := 1", "second_command", "def d := 1"},
           {"  trivial\nexample : True := trivial", "second_command", "example : True := trivial"},
           {"  trivial\ninstance : Inhabited Nat := ⟨0⟩", "instance", "instance"},
           {"  trivial\naxiom a : False", "axiom", "axiom"},
           {"  trivial\nnamespace Foo", "second_command", "namespace Foo"},
           {"  trivial\nsection", "second_command", "section"},
           {"  trivial\nopen Nat", "second_command", "open Nat"},
           {"  trivial\nset_option pp.all true", "second_command", "set_option pp.all true"},
           {"  trivial\nattribute [simp] foo", "attribute", "attribute"},
           {"  trivial\n@[simp] theorem z : True := trivial", "second_command",
            "@[simp] theorem z : True := trivial"},
           {"  trivial\nimport Mathlib", "import", "import Mathlib"},
           {"  trivial\nuniverse u", "second_command", "universe u"},
           {"  trivial\nnoncomputable def d := 1", "second_command", "noncomputable def d := 1"},
           {"  trivial\nopen Foo in\ntheorem y : True := trivial", "second_command",
            "theorem y : True := trivial"},
           {"  trivial\nirreducible_def d : Nat := 1", "second_command",
            "irreducible_def d : Nat := 1"},
           {"  trivial\n/-- doc -/\nmutual", "second_command", "mutual"},
       }) {
    INFO(c.text);
    auto finding = body(c.text);
    REQUIRE(finding);
    CHECK(finding->rule == c.rule);
    CHECK(finding->construct == c.construct);
    CHECK(finding->verdict == Verdict::rejected);
    CHECK(finding->line >= 2);
  }
}

TEST_CASE("whole files: a preamble that repeats the task header is the task's", "[guard]") {
  const std::string target = "theorem t : 1 + 1 = 2 := by\n  norm_num\n";
  for (std::string preamble : {
           std::string(kMiniF2FHeader),
           std::string("-- copied from the prompt\nimport Mathlib\n\n\n/- c -/ import Aesop\n"
                       "set_option   maxHeartbeats /- zero -/ 0\n\n\nopen BigOperators Real\n"
                       "  Nat Topology Rat\n\n"),
           std::string("import Mathlib\nopen Real\nopen scoped Nat\n"),
           std::string("import Mathlib\nset_option maxHeartbeats 0 in\nopen Real in\n"),
           std::string(""),
       }) {
    INFO(preamble);
    CHECK(rule_of(file(preamble + target)) == "");
  }
  CHECK(rule_of(file("import Mathlib\nlemma helper : True := trivial\n" + target +
                     "#check t\n#print axioms t\n")) == "");
  CHECK(rule_of(file("import Mathlib\n" + target + "  open Nat in\n  simp\n")) == "");
}

TEST_CASE("whole files: other imports, set_options and opens are refused", "[guard]") {
  struct Case {
    std::string text;
    std::string rule;
    std::string construct;
    int64_t line;
  };
  const std::string target = "\ntheorem t : 1 + 1 = 2 := by\n  norm_num\n";
  for (const Case& c : std::vector<Case>{
           {"import Mathlib\nimport Std.Tactic" + target, "import", "import Std.Tactic", 2},
           {"import Mathlib Foo" + target, "import", "import Mathlib Foo", 1},
           {"import Mathlib\nset_option backward.synthInstance.canonInstances false" + target,
            "set_option", "set_option backward.synthInstance.canonInstances false", 2},
           {"set_option autoImplicit true in" + target, "set_option",
            "set_option autoImplicit true", 1},
           {"import Mathlib\nopen Classical" + target, "open", "open Classical", 2},
           {"open Classical in" + target, "open", "open Classical", 1},
           {"open scoped Classical" + target, "open", "open scoped Classical", 1},
           {"open Real hiding sqrt" + target, "open", "open Real hiding sqrt", 1},
           {"set_option debug.skipKernelTC true" + target, "debug_option",
            "set_option debug.skipKernelTC", 1},
           {"theorem t : True := by\n  trivial\n#guard_msgs in\nexample : True := trivial",
            "hash_command", "#guard_msgs", 3},
           {"#eval 1" + target, "eval", "#eval", 1},
       }) {
    INFO(c.text);
    auto finding = file(c.text);
    REQUIRE(finding);
    CHECK(finding->rule == c.rule);
    CHECK(finding->construct == c.construct);
    CHECK(finding->line == c.line);
    CHECK(finding->column == 0);
  }
  // A header that does not set maxHeartbeats 0: the candidate may not either.
  CHECK(rule_of(check("set_option maxHeartbeats 0" + target, F, "import Mathlib")) ==
        "unlimited_heartbeats");
}

TEST_CASE("homoglyphs are just identifiers, and odd bytes do not crash the guard", "[guard]") {
  CHECK(rule_of(body("  s\u043Erry")) == "");  // Cyrillic о: Lean says unknown identifier
  CHECK(rule_of(body("  n\u0430tive_decide")) == "");
  CHECK(rule_of(body("  simp /- sorry")) == "");            // unterminated: Lean rejects it
  CHECK(rule_of(body("  exact \"sorry")) == "unreadable");  // an unterminated string
  CHECK(rule_of(body(std::string("  simp\xFF\xFE sorry\0 x", 16))) == "sorry");
  CHECK(rule_of(body("")) == "");
  CHECK(rule_of(file("")) == "");
  CHECK(rule_of(body("  trivial\nopen")) == "second_command");
  CHECK(rule_of(body("  trivial\nset_option")) == "second_command");
  CHECK(rule_of(file("import")) == "import");
  CHECK(rule_of(file("open Real in")) == "");
}

TEST_CASE("text the lexer may read differently from Lean is refused, not guessed", "[guard]") {
  // Texts that hide `native_decide` from a reading that is not Lean's. The lexer reads them as
  // Lean does, so the tactic is seen and refused by its own rule.
  for (std::string_view text : {
           // Lean reads '\u0022' (4 hex digits) as one char; the string after it is `"' "`.
           "  have h := (fun (_ : Char) (_ : String) => True) '\\u0022'\"' \"\n"
           "  native_decide -- \"",
           // After Mathlib's `⁻¹'` token Lean reads on: the quote opens a string.
           "  have := f ⁻¹'\"' x \"\n  native_decide",
       }) {
    INFO(text);
    CHECK(rule_of(body(text)) == "native_decide");
  }
  // ... and where Lean reads the words as a string, so does the guard.
  CHECK(rule_of(body("  have := f ⁻¹'\"' native_decide \"")) == "");

  // Texts whose reading depends on what the lexer cannot see (is the string interpolated? is
  // there a longer token? where does Lean resume after its own error?): refused.
  for (std::string_view text : {
           // A char literal inside an interpolation: Lean parses a term there.
           "  have h : (s!\"{'\"'}\").length = 1 := rfl\n  native_decide -- }\"",
           "  have h : (s! \"{'\"'}\").length = 1 := rfl\n  native_decide -- \"",
           // `h!` is an identifier, not an interpolation: Lean's string is `"{"`.
           "  exact h!\"{\" native_decide \"}\"",
           // A raw string inside an interpolation.
           "  have := s!\"{r#\"\\\"#}\"\n  native_decide\n  have := \"}\"",
           // A term that may not parse (then Lean resumes after the `}`, outside the string).
           "  exact throwErrorAt (x) \"{native := true} \\\" \" native_decide",
           "  exact s!\"{x theorem} \" native_decide",
           // Malformed escapes, char literals, numerals and names: Lean stops and resumes at
           // its error, inside what the lexer took for one token.
           "  exact '\\u{22}' native_decide",
           "  exact '\\x4'\" native_decide \"",
           "  exact \"\\q\" native_decide \"",
           "  exact 'ab'\" native_decide \"",
           "  exact 1_'\"' native_decide --\"",
           "  exact 0xsorry",
           "  exact «x\n  native_decide",
           // A prime after a symbol that may be a longer token, or after a letter Lean rejects.
           "  exact (f ≤'\"' native_decide --\")",
           "  exact caf\u00E9'\"' native_decide --\"",
       }) {
    INFO(text);
    auto finding = body(text);
    REQUIRE(finding);
    CHECK(finding->rule == "unreadable");
    CHECK(finding->verdict == Verdict::rejected);
  }
  CHECK(rule_of(file("def s := s!\"{r#\"\\\"#}\"\n#eval IO.println \"forged\"\ndef t := \"}\"")) ==
        "unreadable");
  CHECK(rule_of(body("  exact \"sorry")) == "unreadable");  // an unterminated string
  // Lean stops at `\q` and resumes at `q`: `#eval` is then a command.
  CHECK(rule_of(file("def s := \"\\q #eval IO.println 1 \"")) == "unreadable");
  // Mathlib's prime notation is a token only when Mathlib is imported; without it, Lean opens
  // a char literal at the prime (`f ⁻¹'"' ...`).
  for (std::string_view text :
       {"  exact f '' s", "  exact f ⁻¹' s", "  exact ∑' n, f n", "  exact g ∘' f"}) {
    INFO(text);
    CHECK(rule_of(check(text, GuardMode::proof_body, "import Lean")) == "unreadable");
    CHECK(rule_of(body(text)) == "");
  }
  CHECK(rule_of(check("  exact (a ×' b, Σ' x, p x)", GuardMode::proof_body, "")) == "");
  // Ordinary strings, char literals and numerals are fine.
  CHECK(rule_of(body("  have : s!\"{x}\" = s!\"{x + 1}\" := rfl\n"
                     "  have : \"{x}'s\" = \"a \\\" b\" := rfl\n"
                     "  have : r#\"{'\"}\"# = \"\" := rfl\n"
                     "  have : ('a', '\\n', '\\x41', '\\'') = ('a', '\\n', 'A', '\\'') := rfl\n"
                     "  have : ('\"', '\\u03B1', \"\\u0022\") = ('\"', 'α', \"\\\"\") := rfl\n"
                     "  have : (1_000 : ℕ) = 1000 := rfl\n"
                     "  exact (f '' s, f ⁻¹' s, ∑' n, g n)")) == "");
  // Where no interpolation can be, `{` is text; after a word that introduces interpolated
  // strings, anywhere before, it is not.
  CHECK(rule_of(body("  have : \"{native := true}\" = \"a\\\n     b\" := rfl")) == "");
  CHECK(rule_of(body("  have := s!\"{x}\"\n  have : \"{native := true}\" = \"\" := rfl")) ==
        "unreadable");
}

TEST_CASE("positions are 1-based lines and 0-based code-point columns", "[guard]") {
  auto finding = body("  have h : True := by trivial\n  -- sorry\n  exact «α» (by sorry)");
  REQUIRE(finding);
  CHECK(finding->line == 3);
  CHECK(finding->column == 16);
  CHECK(finding->construct == "sorry");
  CHECK(finding->describe() == "line 3, column 16: `sorry`: leaves a goal unproved (sorryAx)");
  finding = check("  simp\n  set_option\n    maxHeartbeats   0 in simp", B, "import Mathlib");
  REQUIRE(finding);
  CHECK(finding->rule == "unlimited_heartbeats");
  CHECK(finding->construct == "set_option maxHeartbeats 0");
  CHECK(finding->line == 2);
  CHECK(finding->column == 2);
}

TEST_CASE("a user rules file adds rules and a bad line names FILE:LINE", "[guard]") {
  Guard extended = Guard::with_default_rules();
  const std::string before = extended.version();
  extended.add_rules("# no omega in this course\n\nno_omega  rejected  omega  -- we want by hand\n",
                     "course.rules");
  CHECK(extended.rule_count() == guard().rule_count() + 1);
  CHECK(extended.version() != before);
  auto finding = extended.check("  omega", GuardMode::proof_body, "");
  REQUIRE(finding);
  CHECK(finding->rule == "no_omega");
  CHECK(finding->why == "we want by hand");
  CHECK(extended.rules().back().where == "course.rules:3");
  CHECK(rule_of(guard().check("  omega", GuardMode::proof_body, "")) == "");

  struct Bad {
    std::string text;
    std::string message;
  };
  for (const Bad& bad : std::vector<Bad>{
           {"ok rejected foo -- fine\nbad_line\n", "my.rules:2: missing `-- WHY`"},
           {"a rejected -- why", "my.rules:1: expected `ID VERDICT PATTERN... -- WHY`"},
           {"a passed foo -- why", "my.rules:1: verdict 'passed': expected incomplete"},
           {"a pass foo -- why", "my.rules:1: verdict 'pass': expected incomplete"},
           {"\n\nsorry rejected foo -- why", "my.rules:3: duplicate rule id 'sorry'"},
           {"a rejected foo* -- why", "my.rules:1: pattern word 'foo*': `*` is a wildcard"},
           {"a rejected ~ -- why", "my.rules:1: pattern word '~': expected an identifier"},
           {"a rejected \"s\" -- why", "my.rules:1: pattern word '\"s\"': holds a string"},
           {"import rejected foo -- why", "my.rules:1: rule id 'import' is reserved"},
           {"a/b rejected foo -- why", "my.rules:1: rule id 'a/b'"},
           {"a rejected x -- w\na rejected y -- w", "my.rules:2: duplicate rule id 'a'"},
       }) {
    INFO(bad.text);
    Guard g = Guard::with_default_rules();
    try {
      g.add_rules(bad.text, "my.rules");
      FAIL("no GuardError");
    } catch (const GuardError& e) {
      CHECK(std::string(e.what()).starts_with(bad.message));
    }
    CHECK(g.rule_count() == guard().rule_count());  // all or nothing
    CHECK(g.version() == guard().version());
  }
}

TEST_CASE("docs/guard.md lists every default rule", "[guard]") {
  auto docs = std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / "docs" /
              "guard.md";
  std::ifstream in(docs);
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  for (const GuardRule& rule : guard().rules()) {
    INFO(rule.id);
    CHECK(text.str().find("| `" + rule.id + "` | " + std::string(to_string(rule.verdict)) + " | `" +
                          rule.pattern_text + "` | " + rule.why + " |") != std::string::npos);
  }
}

TEST_CASE("the version names the rule table", "[guard]") {
  CHECK(guard().version().starts_with("guard-v1:"));
  CHECK(guard().version().size() == 9 + 64);
  CHECK(Guard::with_default_rules().version() == guard().version());
  Guard a = Guard::with_default_rules();
  Guard b = Guard::with_default_rules();
  a.add_rules("x rejected foo -- one reason", "a");
  b.add_rules("x rejected foo -- another reason", "b");
  CHECK(a.version() != b.version());
  CHECK(a.version() != guard().version());
}

namespace {

std::vector<nlohmann::json> read_jsonl(const std::string& name) {
  std::ifstream in(std::string(HARNESS_SHARED_DIR) + "/datasets/" + name);
  REQUIRE(in);
  std::vector<nlohmann::json> rows;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) rows.push_back(nlohmann::json::parse(line));
  }
  return rows;
}

}  // namespace

TEST_CASE("the 67 human few-shot proofs of miniF2F pass, as bodies and as whole files", "[guard]") {
  auto rows = read_jsonl("minif2f_valid_few_shot.jsonl");
  REQUIRE(rows.size() == 67);
  for (const auto& row : rows) {
    INFO(row["name"].get<std::string>());
    std::string proof = row["formal_proof"];
    CHECK(rule_of(body(proof)) == "");
    CHECK(rule_of(file(std::string(kMiniF2FHeader) + row["formal_statement"].get<std::string>() +
                       proof)) == "");
  }
}

TEST_CASE("every miniF2F and ProofNet statement passes as a whole file under its header",
          "[guard]") {
  size_t checked = 0;
  for (const char* name : {"minif2f.jsonl", "proofnet.jsonl"}) {
    for (const auto& row : read_jsonl(name)) {
      std::string header = row["header"];
      std::string statement = row["formal_statement"];
      std::string proof = statement.ends_with(":=") ? " by\n  simp\n" : "  simp\n";
      INFO(row["name"].get<std::string>());
      CHECK(rule_of(check(header + statement + proof, F, header)) == "");
      ++checked;
    }
  }
  CHECK(checked == 488 + 371);
}

// Sizes that a quadratic scan could not finish within the test's CTest timeout; speed itself is
// measured by hand, never asserted.
TEST_CASE("hostile sizes are scanned to the right finding", "[guard]") {
  std::string chain;
  for (int i = 0; i < 50000; ++i) chain += "open A in ";
  CHECK(rule_of(file(chain + "theorem t : True := trivial")) == "open");
  CHECK(rule_of(body("  " + chain + "trivial")) == "");
  std::string many(400000, 'a');
  for (size_t i = 1; i < many.size(); i += 2) many[i] = ' ';
  CHECK(rule_of(body(many + " sorry")) == "sorry");
}

TEST_CASE("each text is read under its own header, however the headers alternate", "[guard]") {
  // With Mathlib, `⁻¹'` is one token and the quote after it opens a string that hides nothing;
  // without Mathlib the prime opens a char literal the guard cannot read as Lean would. The
  // headers' facts are kept between checks: a check under one header must never be read
  // under the last one's.
  const std::string_view proof = "  have := f ⁻¹'\"' x \"\n  simp";
  const std::string_view with_mathlib = "import Mathlib\n";
  const std::string_view without = "import Init\n";
  for (int round = 0; round < 3; ++round) {
    CHECK(rule_of(check(proof, GuardMode::proof_body, with_mathlib)) == "");
    CHECK(rule_of(check(proof, GuardMode::proof_body, without)) == "unreadable");
    CHECK(rule_of(check(proof, GuardMode::proof_body, without)) == "unreadable");
    CHECK(rule_of(check(proof, GuardMode::proof_body, with_mathlib)) == "");
  }
  // A header checked as a text is read under itself, not under the last task header.
  CHECK(rule_of(check("import Init\nopen Nat\n", GuardMode::header, "")) == "");
  CHECK(rule_of(check(proof, GuardMode::proof_body, without)) == "unreadable");
}
