// The lemma library as the pipeline uses it (harness/library_layers.hpp): versions, one layer
// per task header, the lemmas a task may not use, and what Pipeline::prepare does with them.
#include "harness/library_layers.hpp"

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "harness/pipeline.hpp"
#include "library/lemma.hpp"
#include "tests/harness/fake_checker.hpp"

using namespace harness;
using harness_test::checker_of;
using harness_test::FakeLean;
using lean_bridge::DecidedBy;
using lean_bridge::Verdict;

namespace {

const std::string kHeaderA = "import Init";
const std::string kHeaderB = "import Init\nopen Nat";

const lean_bridge::Guard& guard() {
  static const lean_bridge::Guard g = lean_bridge::Guard::with_default_rules();
  return g;
}

CheckIdentity identity() {
  return {"leanprover/lean4:v4.32.0", "repl", guard().version(), "none"};
}

tasks::Task task(const std::string& name, const std::string& header) {
  return tasks::make_task(name, "", header, "theorem " + name + " : True := by\n");
}

tasks::Candidate candidate(int64_t line, const tasks::Task& t, const std::string& proof) {
  return {line, t.name, t, tasks::ProofForm::continuation, proof};
}

LibraryEntry lemma(const std::string& hex, const std::string& header,
                   std::vector<std::string> derived_from = {}) {
  return {"lib_" + hex, header, "theorem lib_" + hex + " : True := trivial",
          std::move(derived_from)};
}

bool is_version(const std::string& v) {
  return v.rfind("library-v1:", 0) == 0 && v.size() == std::string("library-v1:").size() + 64;
}

}  // namespace

TEST_CASE("a library's version is library-v1 over its lemmas in order", "[library]") {
  LibraryLayers ab({lemma("0123456789ab", kHeaderA), lemma("ba9876543210", kHeaderA)});
  LibraryLayers ba({lemma("ba9876543210", kHeaderA), lemma("0123456789ab", kHeaderA)});
  LibraryLayers again({lemma("0123456789ab", kHeaderA), lemma("ba9876543210", kHeaderA)});
  CHECK(is_version(ab.version()));
  CHECK(ab.version() == again.version());
  CHECK(ab.version() != ba.version());
  CHECK(LibraryLayers({}).version().empty());
  // A lemma's digest is over header, statement and proof: another proof is another lemma.
  auto other_proof = lemma("0123456789ab", kHeaderA);
  other_proof.declaration = "theorem lib_0123456789ab : True := by trivial";
  CHECK(LibraryLayers({other_proof}).version() !=
        LibraryLayers({lemma("0123456789ab", kHeaderA)}).version());
  CHECK(ab.lemmas()[0].digest ==
        lemma_digest(kHeaderA, "theorem lib_0123456789ab : True", "trivial"));
  CHECK(ab.lemmas()[0].digest.rfind("lemma-v1:", 0) == 0);
  // A digest the entry gives (the store's) is used as it is.
  auto given = lemma("0123456789ab", kHeaderA);
  CHECK(given.digest.empty());
  given.digest = "lemma-v1:given";
  CHECK(LibraryLayers({given}).version() == library_version({"lemma-v1:given"}));
}

TEST_CASE("a declaration splits into statement and proof as library::declaration_text joins them",
          "[library]") {
  auto plain =
      split_declaration("theorem lib_0123456789ab (a b : Nat) : a + b = b + a := Nat.add_comm a b");
  REQUIRE(plain);
  CHECK(plain->statement == "theorem lib_0123456789ab (a b : Nat) : a + b = b + a");
  CHECK(plain->proof == "Nat.add_comm a b");
  // A proof that starts on its own line keeps its newline; the proof's own `:=` stay in it.
  auto tactic = split_declaration(
      "theorem lib_0123456789ab {α : Type} (h : (fun x => x) = id) : True :=\n  have h2 : True := "
      "trivial\n  h2");
  REQUIRE(tactic);
  CHECK(tactic->statement == "theorem lib_0123456789ab {α : Type} (h : (fun x => x) = id) : True");
  CHECK(tactic->proof == "\n  have h2 : True := trivial\n  h2");
  // `:=` inside brackets (a binder's default value) is not the proof's.
  auto bracketed = split_declaration("theorem lib_0123456789ab (n : Nat := 3) : n = n := rfl");
  REQUIRE(bracketed);
  CHECK(bracketed->statement == "theorem lib_0123456789ab (n : Nat := 3) : n = n");
  CHECK(bracketed->proof == "rfl");
  CHECK_FALSE(split_declaration("theorem lib_0123456789ab : True"));
  // `-- :=` in a comment is not one.
  CHECK(split_declaration("theorem lib_0123456789ab : True -- :=\n := trivial")->proof ==
        "trivial");
}

TEST_CASE("each task header has a layer of its own lemmas, in library order", "[library]") {
  LibraryLayers library({lemma("aaaaaaaaaaaa", kHeaderA), lemma("bbbbbbbbbbbb", kHeaderB),
                         lemma("cccccccccccc", kHeaderA)});
  auto a = library.layer(kHeaderA);
  auto b = library.layer(kHeaderB);
  REQUIRE(a.text);
  REQUIRE(b.text);
  CHECK(*a.text ==
        "theorem lib_aaaaaaaaaaaa : True := trivial\n\ntheorem lib_cccccccccccc : True := "
        "trivial\n\n");
  CHECK(*b.text == "theorem lib_bbbbbbbbbbbb : True := trivial\n\n");
  CHECK(is_version(a.version));
  CHECK(is_version(b.version));
  CHECK(a.version != b.version);
  CHECK(a.version != library.version());
  CHECK(library.layer(kHeaderA).text == a.text);  // built once, shared
  CHECK(library.layer("import Mathlib").empty());
  CHECK_FALSE(library.layer("import Mathlib").text);
  // A library of one header: its layer's version is the library's.
  LibraryLayers one({lemma("aaaaaaaaaaaa", kHeaderA)});
  CHECK(one.layer(kHeaderA).version == one.version());
}

TEST_CASE("a task's forbidden lemmas are those derived from it, named as identifiers",
          "[library]") {
  auto t = task("t", kHeaderA);
  LibraryLayers library({lemma("aaaaaaaaaaaa", kHeaderA, {t.id}),
                         lemma("bbbbbbbbbbbb", kHeaderA, {t.id, "task-v1:other"}),
                         lemma("cccccccccccc", kHeaderA)});
  CHECK(library.forbidden(t.id) ==
        std::vector<std::string>{"lib_aaaaaaaaaaaa", "lib_bbbbbbbbbbbb"});
  CHECK(library.forbidden("task-v1:other") == std::vector<std::string>{"lib_bbbbbbbbbbbb"});
  CHECK(library.forbidden("task-v1:none").empty());
  CHECK(library.names_forbidden(t.id, "  exact lib_aaaaaaaaaaaa\n") == "lib_aaaaaaaaaaaa");
  CHECK(library.names_forbidden(t.id, "  exact (@lib_bbbbbbbbbbbb)\n") == "lib_bbbbbbbbbbbb");
  CHECK(library.names_forbidden(t.id, "  exact _root_.lib_aaaaaaaaaaaa\n") == "lib_aaaaaaaaaaaa");
  CHECK(library.names_forbidden(t.id, "  exact «lib_aaaaaaaaaaaa»\n") == "lib_aaaaaaaaaaaa");
  CHECK_FALSE(library.names_forbidden(t.id, "  exact lib_cccccccccccc\n"));
  CHECK_FALSE(library.names_forbidden(t.id, "  -- lib_aaaaaaaaaaaa\n  trivial\n"));
  CHECK_FALSE(library.names_forbidden(t.id, "  /- lib_aaaaaaaaaaaa -/ trivial\n"));
  CHECK_FALSE(library.names_forbidden(t.id, "  exact lib_aaaaaaaaaaaa'\n"));  // another name
  CHECK_FALSE(library.names_forbidden("task-v1:none", "  exact lib_aaaaaaaaaaaa\n"));
}

TEST_CASE("the pipeline sends each request with its task header's layer", "[pipeline][library]") {
  FakeLean lean;
  auto library = std::make_shared<const LibraryLayers>(
      std::vector<LibraryEntry>{lemma("aaaaaaaaaaaa", kHeaderA), lemma("bbbbbbbbbbbb", kHeaderB)});
  PipelineOptions options{identity(), false, false, "in.jsonl", 0};
  options.library = library;
  Pipeline p(guard(), nullptr, checker_of(lean), options);
  auto in_a = task("in_a", kHeaderA);
  auto in_b = task("in_b", kHeaderB);
  auto elsewhere = task("elsewhere", "import Init\nopen List");
  p.add(candidate(1, in_a, "  exact lib_aaaaaaaaaaaa\n"));
  p.add(candidate(2, in_b, "  exact lib_bbbbbbbbbbbb\n"));
  p.add(candidate(3, elsewhere, "  trivial\n"));
  // A whole file with its own imports is not checked in its task's header: no layer.
  p.add(tasks::Candidate{4, "in_a", in_a, tasks::ProofForm::whole_text,
                         "import Init\n\ntheorem in_a : True := by\n  trivial\n"});
  REQUIRE(lean.submitted.size() == 4);
  CHECK(lean.submitted[0].library.version == library->layer(kHeaderA).version);
  REQUIRE(lean.submitted[0].library.text);
  CHECK(*lean.submitted[0].library.text == "theorem lib_aaaaaaaaaaaa : True := trivial\n\n");
  CHECK(lean.submitted[1].library.version == library->layer(kHeaderB).version);
  CHECK(lean.submitted[1].library.text == library->layer(kHeaderB).text);
  CHECK(lean.submitted[2].library.empty());
  CHECK_FALSE(lean.submitted[2].library.text);
  CHECK(lean.submitted[3].library.empty());
  auto rows = p.take_ready(std::chrono::milliseconds(0));
  REQUIRE(rows.size() == 4);
  for (const auto& row : rows) CHECK(row.verdict == Verdict::pass);
}

TEST_CASE("the layer's version enters the cache key, and no layer leaves it as it was",
          "[pipeline][library]") {
  FakeLean lean;
  auto library = std::make_shared<const LibraryLayers>(
      std::vector<LibraryEntry>{lemma("aaaaaaaaaaaa", kHeaderA)});
  PipelineOptions with{identity(), false, false, "in.jsonl", 0};
  with.library = library;
  PipelineOptions without{identity(), false, false, "in.jsonl", 0};
  Pipeline layered(guard(), nullptr, checker_of(lean), with);
  Pipeline bare(guard(), nullptr, checker_of(lean), without);
  auto c = candidate(1, task("t", kHeaderA), "  trivial\n");
  auto other_header = candidate(2, task("u", kHeaderB), "  trivial\n");
  auto key = layered.prepare(c, {}).key;
  CHECK(key.rfind("verify-v3:", 0) == 0);
  CHECK(key != bare.prepare(c, {}).key);
  CHECK(key == verification_key(identity(), c, library->layer(kHeaderA).version));
  CHECK(bare.prepare(c, {}).key == verification_key(identity(), c));
  // A task whose header has no lemmas is checked as without a library: the same key.
  CHECK(layered.prepare(other_header, {}).key == bare.prepare(other_header, {}).key);
}

TEST_CASE("a candidate naming a lemma derived from its own task is rejected without Lean",
          "[pipeline][library]") {
  FakeLean lean;
  auto own = task("own", kHeaderA);
  auto other = task("other", kHeaderA);
  auto library = std::make_shared<const LibraryLayers>(
      std::vector<LibraryEntry>{lemma("aaaaaaaaaaaa", kHeaderA, {own.id})});
  PipelineOptions options{identity(), false, false, "in.jsonl", 0};
  options.library = library;
  Pipeline p(guard(), nullptr, checker_of(lean), options);
  p.add(candidate(1, own, "  exact lib_aaaaaaaaaaaa\n"));
  p.add(tasks::Candidate{2, "own", own, tasks::ProofForm::whole_text,
                         "theorem own : True := by\n  exact lib_aaaaaaaaaaaa\n"});
  p.add(candidate(3, other, "  exact lib_aaaaaaaaaaaa\n"));  // another task may use it
  p.add(candidate(4, own, "  -- not lib_aaaaaaaaaaaa\n  trivial\n"));
  auto rows = p.take_ready(std::chrono::milliseconds(0));
  REQUIRE(rows.size() == 4);
  for (int i = 0; i < 2; ++i) {
    CHECK(rows[i].verdict == Verdict::rejected);
    CHECK(rows[i].decided_by == DecidedBy::guard);
    CHECK(rows[i].reason == "library: lib_aaaaaaaaaaaa is derived from this task");
    CHECK_FALSE(rows[i].cache_key);
  }
  CHECK(rows[2].verdict == Verdict::pass);
  CHECK(rows[3].verdict == Verdict::pass);
  REQUIRE(lean.submitted.size() == 2);  // only lines 3 and 4 reached Lean
  CHECK(p.stats().decided_early == 2);
  // The guard's own refusal comes first.
  auto refused = p.prepare(candidate(5, own, "  exact lib_aaaaaaaaaaaa\n  native_decide\n"), {});
  REQUIRE(refused.assembly.early);
  CHECK(refused.assembly.early->reason.find("library:") == std::string::npos);
}

TEST_CASE("an addition's own library replaces the pipeline's", "[pipeline][library]") {
  FakeLean lean;
  auto pipeline_library = std::make_shared<const LibraryLayers>(
      std::vector<LibraryEntry>{lemma("aaaaaaaaaaaa", kHeaderA)});
  auto own_library = std::make_shared<const LibraryLayers>(
      std::vector<LibraryEntry>{lemma("aaaaaaaaaaaa", kHeaderA), lemma("bbbbbbbbbbbb", kHeaderA)});
  PipelineOptions options{identity(), false, false, "in.jsonl", 0};
  options.library = pipeline_library;
  Pipeline p(guard(), nullptr, checker_of(lean), options);
  auto c = candidate(1, task("t", kHeaderA), "  trivial\n");
  Pipeline::AddOptions own;
  own.library = own_library;
  p.add(c, own);
  p.add(c);  // the same text under the pipeline's library: another key, another check
  REQUIRE(lean.submitted.size() == 2);
  CHECK(lean.submitted[0].library.version == own_library->layer(kHeaderA).version);
  CHECK(lean.submitted[1].library.version == pipeline_library->layer(kHeaderA).version);
  CHECK(p.prepare(c, own).key != p.prepare(c, {}).key);
}

TEST_CASE("the layers' digests and version are library/'s for the same lemmas", "[library]") {
  library::Lemma by_term;
  by_term.name = "lib_0123456789ab";
  by_term.header = kHeaderA;
  by_term.statement = {{{"a", "Nat"}, {"b", "Nat"}}, "a + b = b + a"};
  by_term.proof = "Nat.add_comm a b";
  library::Lemma by_tactics = by_term;
  by_tactics.name = "lib_ba9876543210";
  by_tactics.header = kHeaderB;
  by_tactics.proof = "\n  have h : a + b = b + a := Nat.add_comm a b\n  exact h";
  std::vector<LibraryEntry> entries;
  for (const auto& l : {by_term, by_tactics}) {
    entries.push_back({l.name, l.header, library::declaration_text(l), {}});
  }
  LibraryLayers layers(entries);
  CHECK(layers.lemmas()[0].digest == library::lemma_digest(by_term));
  CHECK(layers.lemmas()[1].digest == library::lemma_digest(by_tactics));
  CHECK(layers.version() == library::library_version({by_term, by_tactics}));
  CHECK(layers.layer(kHeaderB).version == library::library_version({by_tactics}));
  CHECK(*layers.layer(kHeaderB).text == library::declaration_text(by_tactics) + "\n\n");
}
