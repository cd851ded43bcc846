#include "tasks/target.hpp"

#include <catch2/catch.hpp>

#include "tasks/candidate_reader.hpp"
#include "tasks/declaration_scanner.hpp"
#include "tasks/task_index.hpp"
#include "temp_dir.hpp"

using tasks::find_target;
using tasks::ProofForm;

namespace {

std::string continuation(const std::string& text, std::string_view name = "t") {
  auto result = find_target(text, name, ProofForm::continuation);
  return result.error.empty() ? result.name : "error: " + result.error;
}

std::string whole(const std::string& text, std::string_view name = "t") {
  auto result = find_target(text, name, ProofForm::whole_text);
  return result.error.empty() ? result.name : "error: " + result.error;
}

}  // namespace

TEST_CASE("continuation: the first declaration of the statement (README table)", "[target]") {
  CHECK(continuation("theorem amc12a_2019_p21 (z : ℂ) (h₀ : z = 1) :\n  z = 1 := by\n") ==
        "amc12a_2019_p21");
  CHECK(continuation("def exercise_2_1_21 (G : Type*) [Group G] [Fintype G]\n  (hG : card G = 5) "
                     ":\n  CommGroup G :=") == "exercise_2_1_21");
  CHECK(continuation("noncomputable def exercise_2_8_6 {G H : Type*} [Group G] [Group H] :\n    "
                     "center (G × H) ≃* (center G) × (center H) :=") == "exercise_2_8_6");
  CHECK(continuation("/-- theorem fake -/ @[simp] private theorem h₀' : True :=") == "h₀'");
  CHECK(continuation("theorem «my thm» : True :=") == "«my thm»");
  CHECK(continuation("theorem «foo» : True :=") == "foo");
  CHECK(continuation("theorem Foo.«bar baz».«qux» : True :=") == "Foo.«bar baz».qux");
  CHECK(continuation("theorem t : True := by\n", "") == "t");
  CHECK(continuation("theorem a : True := by\n  trivial\ntheorem b : True := trivial") == "a");
}

TEST_CASE("continuation: example, anonymous instance and nameless declarations", "[target]") {
  CHECK(continuation("example : 1 + 1 = 2 := by\n") ==
        "error: the target is an `example`, which has no name to ask Lean for its axioms; "
        "name it `theorem t`");
  CHECK(continuation("example : True :=", "") ==
        "error: the target is an `example`, which has no name to ask Lean for its axioms; "
        "name it `theorem NAME`");
  CHECK(continuation("instance : Inhabited Nat :=") ==
        "error: the target is an anonymous `instance`, which has no name to ask Lean for its "
        "axioms; name it `instance t`");
  CHECK(continuation("instance (priority := 100) instFoo : Inhabited Nat :=") == "instFoo");
  CHECK(continuation("instance (priority := 100) : Inhabited Nat :=")
            .rfind("error: the target "
                   "is an anonymous",
                   0) == 0);
  CHECK(continuation("theorem : True :=") == "error: the `theorem` at line 1 has no name");
  CHECK(continuation("-- theorem t\n") ==
        "error: the statement declares nothing (expected `theorem NAME ... :=`)");
}

TEST_CASE("whole text: by name, else the last theorem or lemma (README table)", "[target]") {
  CHECK(whole("import Mathlib\nlemma helper : True := trivial\ntheorem t : 1 = 1 := rfl\n"
              "theorem extra : True := trivial\n") == "t");
  CHECK(whole("import Mathlib\nlemma aux : True := trivial\ntheorem main_result : 1 = 1 := rfl\n"
              "def d := 1\n") == "main_result");
  CHECK(whole("import Mathlib\ntheorem a : True := trivial\nlemma b : True := trivial\n") == "b");
  CHECK(whole("namespace Foo\ntheorem t : True := trivial\nend Foo\n") == "Foo.t");
  CHECK(whole("namespace Foo\ntheorem _root_.t : True := trivial\nend Foo\n") == "t");
  CHECK(whole("-- theorem t : False\n/- theorem t -/\ndef s := \"theorem t\"\n"
              "theorem real : True := trivial\n") == "real");
  CHECK(whole("set_option maxHeartbeats 0 in\ntheorem t : True := trivial\n") == "t");
  CHECK(whole("def exercise_4_2_5 : Nat := 1\ntheorem other : True := trivial\n",
              "exercise_4_2_5") == "exercise_4_2_5");
  CHECK(whole("example : True := trivial\n") ==
        "error: the target is an `example`, which has no name to ask Lean for its axioms; "
        "name it `theorem t`");
  CHECK(whole("def d := 1\n") ==
        "error: the text has no declaration named 't' and no `theorem` or `lemma`");
  CHECK(whole("", "") == "error: the text has no `theorem` or `lemma`");
}

TEST_CASE("whole text: an exact qualified match beats a suffix match", "[target]") {
  CHECK(whole("namespace A\ntheorem t : True := trivial\nend A\ntheorem t : True := trivial\n") ==
        "t");
  CHECK(whole("namespace A\ntheorem t : True := trivial\nend A\nnamespace B\n"
              "theorem t : True := trivial\nend B\n") == "A.t");
  CHECK(whole("namespace A\ntheorem t : True := trivial\nend A\n", "A.t") == "A.t");
  CHECK(whole("theorem «t» : True := trivial\n", "«t»") == "t");
}

TEST_CASE("scopes: namespaces, sections, mutual blocks and dotted ends", "[target]") {
  tasks::DeclarationScanner scanner;
  auto found = scanner.scan(
      "namespace A.B\nsection\nvariable (x : Nat)\ntheorem c : True := trivial\nend\n"
      "noncomputable section S\nprotected def d := 1\nend S\n"
      "mutual\ndef e : Nat := 0\nend\nend A.B\n"
      "namespace «my ns»\ninstance inst : Inhabited Nat := ⟨0⟩\nend «my ns»\n"
      "theorem f : True := trivial\nnamespace Open\n");
  REQUIRE(found.size() == 5);
  CHECK(found[0].name == "A.B.c");
  CHECK(found[0].keyword == "theorem");
  CHECK(found[0].line == 4);
  CHECK(found[1].name == "A.B.d");
  CHECK(found[2].name == "A.B.e");
  CHECK(found[3].name == "«my ns».inst");
  CHECK(found[3].keyword == "instance");
  CHECK(found[4].name == "f");
  CHECK(scanner.current_namespace() == "Open");
  CHECK(scanner.scan("theorem g : True := trivial")[0].name == "Open.g");
}

TEST_CASE("instance in brackets or after deriving is not a declaration", "[target]") {
  auto found = tasks::DeclarationScanner().scan(
      "@[instance] def i : Inhabited Nat := ⟨0⟩\nattribute [local instance] i\n"
      "deriving instance Repr for Foo\ninstance named : Inhabited Nat := ⟨1⟩\n"
      "instance : Inhabited Nat := ⟨2⟩\n");
  REQUIRE(found.size() == 3);
  CHECK(found[0].keyword == "def");
  CHECK(found[1].name == "named");
  CHECK(found[2].name.empty());
}

TEST_CASE("an unbalanced bracket does not hide later declarations", "[target]") {
  CHECK(
      whole("theorem a : (True := trivial\ntheorem t : True := trivial\ninstance x : Foo := y\n") ==
      "t");
}

TEST_CASE("find_target(Candidate): statement under the header's namespaces", "[target]") {
  tasks::Candidate candidate{
      1, "bar",
      tasks::make_task("bar", "", "import Mathlib\nnamespace Foo\n", "theorem bar : True := by\n"),
      ProofForm::continuation, "  trivial\ntheorem other : True := trivial"};
  CHECK(find_target(candidate).name == "Foo.bar");
  candidate.form = ProofForm::whole_text;
  candidate.proof =
      "import Mathlib\ntheorem helper : True := trivial\ntheorem bar : True := trivial\n"
      "theorem z : True := trivial\n";
  CHECK(find_target(candidate).name == "bar");
}

TEST_CASE("every dataset statement's target is its task name", "[target]") {
  for (const char* file : {"minif2f.jsonl", "proofnet.jsonl", "minif2f_valid_few_shot.jsonl"}) {
    auto index = tasks::TaskIndex::load(tasks_test::dataset(file));
    for (const auto& entry : index.tasks()) {
      tasks::Candidate candidate{entry.line, entry.task.name, entry.task, ProofForm::continuation,
                                 " sorry"};
      INFO(file << ":" << entry.line);
      CHECK(find_target(candidate).name == entry.task.name);
      CHECK(
          find_target(tasks::lean_text(candidate), entry.task.name, ProofForm::continuation).name ==
          entry.task.name);
      std::string file_text = entry.task.header + tasks::lean_text(candidate);
      CHECK(find_target(file_text, entry.task.name, ProofForm::whole_text).name == entry.task.name);
    }
  }
}
