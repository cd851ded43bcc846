// Lemmas a remote model proposes (library/proposals.hpp): the prompt's batch of proofs, the
// answer read into lemmas with counted rejections, and the lemmas joined to the candidates
// found in the traces, then through the selection like any other version.
#include <catch2/catch.hpp>

#include <set>

#include "library/description_length.hpp"
#include "library/proposals.hpp"
#include "library/selection.hpp"
#include "traces.hpp"

using namespace library;
using namespace library_test;

namespace {

const std::string kHeader = "import Mathlib\n";

// The Chain sub-proof as the traces state it: one Nat binder, `Chain x`.
const Candidate* chain_candidate(const std::vector<Candidate>& cs) {
  for (const auto& c : cs) {
    const auto& s = c.versions.front().statement;
    if (s.binders.size() == 1 && s.type == "Chain " + s.binders[0].name) return &c;
  }
  return nullptr;
}

std::vector<std::string> reasons(const std::vector<Rejection>& rs) {
  std::vector<std::string> out;
  for (const auto& r : rs) out.push_back(r.reason);
  return out;
}

// Every lemma passes; rewrites pass when the lemmas they name are in the layer.
class PassingChecker final : public LemmaChecker {
 public:
  std::vector<Lemma> checked;
  std::vector<bool> check_lemmas(const std::vector<Lemma>& lemmas, const std::vector<Lemma>&) override {
    checked.insert(checked.end(), lemmas.begin(), lemmas.end());
    return std::vector<bool>(lemmas.size(), true);
  }
  std::vector<std::string> check_rewrites(const std::vector<RewriteCheck>& rewrites,
                                          const std::vector<Lemma>&) override {
    return std::vector<std::string>(rewrites.size(), "pass");
  }
};

const std::string kAnswer =
    "<think>maybe ```lean\ntheorem thought (n : Nat) : Chain n := by simp\n```</think>\n"
    "Here are helper lemmas.\n\n"
    "```lean4\n"
    "import Mathlib\n"
    "-- the chain, in one line\n"
    "theorem chain_any (k : Nat) : Chain k := by unfold Chain; apply link1_intro; apply "
    "link2_intro; apply link3_intro; apply link4_base\n"
    "\n"
    "lemma unused_helper (a b : Nat) (h : a < b) :\n"
    "    a ≤ b := by\n"
    "  omega\n"
    "\n"
    "theorem implicit_one {n : Nat} : Chain n := by simp\n"
    "def not_a_lemma : Nat := 3\n"
    "theorem no_proof (n : Nat) : Chain n\n"
    "@[simp] theorem with_attr (n : Nat) : Chain n := by simp\n"
    "```\n"
    "```python\ntheorem in_python (n : Nat) : Chain n := by simp\n```\n"
    "```\nthese are words, not Lean\n```\n"
    "```lean\ntheorem cut_short (n : Nat) : Chain n := by\n  unfold";

// The Chain lemma with a proof shorter than the traced one, and a lemma no proof states.
const std::string kShort =
    "```lean\ntheorem chain_any (k : Nat) : Chain k := by simp [Chain]\n\n"
    "theorem unused_helper (a b : Nat) (h : a < b) : a ≤ b := by omega\n```\n";

std::vector<ProofTrace> corpus() {
  std::vector<ProofTrace> proofs;
  const char* vars[] = {"n", "m", "k", "p", "q", "r"};
  for (int i = 0; i < 6; ++i) proofs.push_back(chain_task("t" + std::to_string(i), vars[i]));
  proofs.push_back(chain_pair_task("u1", "a", "b"));
  proofs.push_back(chain_pair_task("u2", "c", "d"));
  return proofs;
}

}  // namespace

TEST_CASE("a model's answer is read into lemmas named by their statements, the rest rejected with reasons", "[library]") {
  ReadProposals read = read_proposals(kAnswer, kHeader);
  CHECK(read.blocks == 2);  // the lean4 block and the one without a language; not python, not the cut one
  CHECK(read.declarations == 6);
  REQUIRE(read.lemmas.size() == 2);
  const Lemma& chain = read.lemmas[0];
  REQUIRE(chain.statement.binders.size() == 1);
  CHECK(chain.statement.binders[0].name == "k");
  CHECK(chain.statement.type == "Chain k");
  CHECK(chain.origin == "remote");
  CHECK(chain.header == kHeader);
  CHECK(chain.key == canonical_key(kHeader, chain.statement));
  CHECK(chain.name == lemma_name(chain.key));
  CHECK(chain.proof == "by unfold Chain; apply link1_intro; apply link2_intro; apply link3_intro; apply link4_base");
  CHECK(chain.sources.empty());
  const Lemma& helper = read.lemmas[1];
  CHECK(helper.statement.binders.size() == 3);
  CHECK(helper.statement.type == "a ≤ b");
  CHECK(helper.proof == "by\n  omega");
  CHECK(declaration_text(helper) == "theorem " + helper.name + " (a : Nat) (b : Nat) (h : a < b) : a ≤ b := by\n  omega");

  auto why = reasons(read.rejected);
  REQUIRE(why.size() == 5);
  CHECK(read.rejected[0].name == "implicit_one");
  CHECK_THAT(why[0], Catch::Contains("explicit binders only"));
  CHECK_THAT(why[1], Catch::StartsWith("not a theorem (def)"));
  CHECK(read.rejected[2].name == "no_proof");
  CHECK_THAT(why[2], Catch::StartsWith("no `:= PROOF`"));
  CHECK_THAT(why[3], Catch::StartsWith("not a theorem (@["));
  CHECK(why[4] == "a Lean block with no theorem");
  for (const auto& r : read.rejected) CHECK(r.origin == "remote");
}

TEST_CASE("a proposed lemma's binders take the order a lifted statement's have, so the same statement has the same key", "[library]") {
  ReadProposals read = read_proposals(
      "```lean\ntheorem swapped (h : a < b) (b a : Nat) : a ≤ b := by omega\n```\n", kHeader);
  REQUIRE(read.lemmas.size() == 1);
  const auto& binders = read.lemmas[0].statement.binders;
  REQUIRE(binders.size() == 3);
  CHECK(binders[0].name == "a");
  CHECK(binders[1].name == "b");
  CHECK(binders[2].name == "h");
  ReadProposals ordered = read_proposals(
      "```lean\ntheorem in_order (x y : Nat) (hxy : x < y) : x ≤ y := by omega\n```\n", kHeader);
  REQUIRE(ordered.lemmas.size() == 1);
  CHECK(ordered.lemmas[0].key == read.lemmas[0].key);
}

TEST_CASE("an answer without a Lean block gives nothing", "[library]") {
  CHECK(read_proposals("I cannot help with that.", kHeader).blocks == 0);
  CHECK(read_proposals("<think>```lean\ntheorem t (n : Nat) : Chain n := by simp\n```", kHeader).lemmas.empty());
  ReadProposals empty = read_proposals("```lean\n```\n", kHeader);
  CHECK(empty.blocks == 1);
  CHECK(empty.rejected.empty());
}

TEST_CASE("a proposed lemma joins the candidate of its statement as a version, others are rejected without a check", "[library]") {
  std::vector<ProofTrace> proofs = corpus();
  auto candidates = find_candidates(proofs);
  const Candidate* before = chain_candidate(candidates);
  REQUIRE(before != nullptr);
  std::size_t versions = before->versions.size();
  std::size_t count = candidates.size();
  Lemma traced = before->versions.front();

  ReadProposals read = read_proposals(kShort, kHeader);
  REQUIRE(read.lemmas.size() == 2);
  std::vector<Lemma> proposed = read.lemmas;
  proposed.push_back(read.lemmas[0]);  // the same again
  proposed.push_back(traced);          // a text the proofs already gave
  proposed.back().origin = "remote";
  JoinOutcome joined = join_proposals(candidates, {}, proposed);
  CHECK(joined.joined == 1);
  CHECK(candidates.size() == count);
  const Candidate* chain = chain_candidate(candidates);
  REQUIRE(chain != nullptr);
  REQUIRE(chain->versions.size() == versions + 1);
  // Shorter than the traced texts: first, and it keeps the candidate's sources and tasks.
  const Lemma& front = chain->versions.front();
  CHECK(front.origin == "remote");
  CHECK(front.name == traced.name);
  CHECK(front.derived_from == traced.derived_from);
  CHECK(front.sources.size() == traced.sources.size());
  CHECK(chain->origin == "task");
  CHECK(reasons(joined.rejected) == std::vector<std::string>{"no use in the proofs", "proposed twice",
                                                             "the same text as a version found in the proofs"});
  CHECK(joined.rejected[0].name == read.lemmas[1].name);

  // Through the selection: the model's version is the one Lean checks first, and kept.
  ZstdSizer sizer(proofs, {19, 4, 4096, false});
  PassingChecker lean;
  Selection s = select_lemmas(proofs, candidates, {}, sizer, lean);
  REQUIRE_FALSE(lean.checked.empty());
  CHECK(lean.checked.front().origin == "remote");
  bool kept = false;
  for (const auto& k : s.kept) {
    if (k.lemma.key == front.key) {
      kept = true;
      CHECK(k.lemma.origin == "remote");
      CHECK(k.lemma.proof == "by simp [Chain]");
      CHECK(k.uses == 8);  // t0..t5, u1 and u2 (twice in one rewrite each)
    }
  }
  CHECK(kept);
}

TEST_CASE("a proposed lemma may use a sub-proof found in one proof only", "[library]") {
  std::vector<ProofTrace> proofs{chain_pair_task("u1", "a", "b")};
  auto candidates = find_candidates(proofs);
  REQUIRE(chain_candidate(candidates) == nullptr);
  CandidateOptions all;
  all.min_subproof_proofs = 1;
  std::vector<Candidate> single;
  for (auto& c : find_candidates(proofs, all)) {
    if (c.origin == "subproof") single.push_back(std::move(c));
  }
  REQUIRE(chain_candidate(single) != nullptr);
  ReadProposals read = read_proposals(kShort, kHeader);
  JoinOutcome joined = join_proposals(candidates, single, {read.lemmas[0]});
  CHECK(joined.joined == 1);
  const Candidate* chain = chain_candidate(candidates);
  REQUIRE(chain != nullptr);
  CHECK(chain->occurrences.size() == 2);
  CHECK(chain->versions.front().origin == "remote");
  // Under another header the same statement is another lemma: no use.
  ReadProposals other = read_proposals(kShort, "import Std\n");
  CHECK(reasons(join_proposals(candidates, {}, {other.lemmas[0]}).rejected) ==
        std::vector<std::string>{"no use in the proofs"});
}

TEST_CASE("the prompt's batch: one header, the most common, capped in proofs and bytes", "[library]") {
  std::vector<ProofTrace> proofs{chain_task("t1", "n"), chain_task("t2", "m"), chain_task("t3", "k"),
                                 chain_pair_task("u1", "a", "b")};
  proofs[0].header = "import Std\n";
  PromptBatch all = prompt_batch(proofs, 10, 1 << 20);
  CHECK(all.header == kHeader);
  CHECK(all.proofs == std::vector<std::size_t>{1, 2, 3});
  CHECK(all.bytes == static_cast<int64_t>(proofs[1].checked_text().size() + proofs[2].checked_text().size() +
                                          proofs[3].checked_text().size()));
  CHECK(prompt_batch(proofs, 2, 1 << 20).proofs == std::vector<std::size_t>{1, 2});
  // Too large for what is left: skipped, and a smaller one after it still fits.
  int64_t small = static_cast<int64_t>(proofs[1].checked_text().size());
  proofs[2].proof += std::string(500, ' ');
  CHECK(prompt_batch(proofs, 10, 2 * small + 60).proofs == std::vector<std::size_t>{1});
  proofs.push_back(chain_task("t4", "z"));
  CHECK(prompt_batch(proofs, 10, 2 * small).proofs == std::vector<std::size_t>{1, 4});
  CHECK(prompt_batch({}, 10, 100).proofs.empty());
}
