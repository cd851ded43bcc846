#include <catch2/catch.hpp>

#include <set>

#include "library/description_length.hpp"
#include "library/selection.hpp"
#include "traces.hpp"

using namespace library;
using namespace library_test;

namespace {

// Lean as the selection sees it: every lemma passes unless refused by name, and a rewrite
// passes when every lemma it names is in the layer.
class CheckerDouble final : public LemmaChecker {
 public:
  std::set<std::string> refused;
  int64_t lemma_calls = 0, rewrite_calls = 0;
  std::vector<bool> check_lemmas(const std::vector<Lemma>& lemmas, const std::vector<Lemma>&) override {
    std::vector<bool> out;
    for (const auto& l : lemmas) out.push_back(refused.count(l.name) == 0);
    lemma_calls += static_cast<int64_t>(lemmas.size());
    return out;
  }
  std::vector<std::string> check_rewrites(const std::vector<RewriteCheck>& rewrites,
                                          const std::vector<Lemma>& library) override {
    std::vector<std::string> out;
    for (const auto& r : rewrites) {
      bool ok = true;
      auto at = r.proof_text.find("lib_");
      while (at != std::string::npos) {
        std::string name = r.proof_text.substr(at, 16);
        bool known = false;
        for (const auto& l : library) known = known || l.name == name;
        ok = ok && known;
        at = r.proof_text.find("lib_", at + 1);
      }
      out.push_back(ok ? "pass" : "fail");
    }
    rewrite_calls += static_cast<int64_t>(rewrites.size());
    return out;
  }
};

std::vector<ProofTrace> chain_corpus() {
  std::vector<ProofTrace> proofs;
  const char* vars[] = {"n", "m", "k", "p", "q", "r"};
  for (int i = 0; i < 6; ++i) proofs.push_back(chain_task("t" + std::to_string(i), vars[i]));
  for (int i = 0; i < 4; ++i) proofs.push_back(chain_pair_task("u" + std::to_string(i), "a", "b"));
  return proofs;
}

const KeptLemma* chain_lemma(const Selection& s) {
  for (const auto& k : s.kept) {
    const auto& st = k.lemma.statement;
    if (st.binders.size() == 1 && st.type == "Chain " + st.binders[0].name) return &k;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("a sub-proof many proofs share becomes a lemma and the proofs get shorter", "[library]") {
  auto proofs = chain_corpus();
  auto candidates = find_candidates(proofs);
  ZstdSizer sizer(proofs, {19, 4, 4096, false});
  CheckerDouble lean;
  Selection s = select_lemmas(proofs, candidates, {}, sizer, lean);
  const KeptLemma* chain = chain_lemma(s);
  REQUIRE(chain != nullptr);
  CHECK(chain->gain > 0);
  CHECK(chain->uses == 10);
  CHECK(s.proofs_bytes_after + s.library_bytes < s.proofs_bytes_before);
  // Every proof now applies the lemma; the pair proofs twice.
  CHECK(s.proofs[0].find("exact " + chain->lemma.name + " n") != std::string::npos);
  CHECK(s.proofs[6].find("exact " + chain->lemma.name + " a") != std::string::npos);
  CHECK(s.proofs[6].find("exact " + chain->lemma.name + " b") != std::string::npos);
  CHECK(s.proofs[6].find("unfold Chain") == std::string::npos);
  CHECK(s.rewrite_checks == lean.rewrite_calls);
  CHECK(s.lemma_checks == lean.lemma_calls);
  // The pair theorem itself is used once: not kept.
  for (const auto& k : s.kept) CHECK(k.lemma.statement.type.find("∧") == std::string::npos);
}

TEST_CASE("a lemma used once has a negative gain and is not kept", "[library]") {
  std::vector<ProofTrace> proofs{chain_task("t0", "n")};
  auto candidates = find_candidates(proofs);
  REQUIRE(candidates.size() == 1);
  ZstdSizer sizer(proofs, {19, 2, 4096, false});
  CheckerDouble lean;
  Selection s = select_lemmas(proofs, candidates, {}, sizer, lean);
  CHECK(s.kept.empty());
  REQUIRE(s.rejected.size() == 1);
  CHECK(s.rejected.front().estimate <= 0);
  CHECK(lean.rewrite_calls == 0);
  CHECK(s.proofs.front() == proofs.front().proof);
}

TEST_CASE("a lemma Lean refuses is not kept and its rewrites are never checked", "[library]") {
  auto proofs = chain_corpus();
  auto candidates = find_candidates(proofs);
  ZstdSizer sizer(proofs, {19, 4, 4096, false});
  CheckerDouble lean;
  for (const auto& c : candidates) lean.refused.insert(c.versions.front().name);
  Selection s = select_lemmas(proofs, candidates, {}, sizer, lean);
  CHECK(s.kept.empty());
  CHECK(lean.rewrite_calls == 0);
  bool said = false;
  for (const auto& r : s.rejected) said = said || r.reason == "does not verify";
  CHECK(said);
}

TEST_CASE("rewrites Lean refuses do not count, and the budget of rewrite checks holds", "[library]") {
  auto proofs = chain_corpus();
  auto candidates = find_candidates(proofs);
  ZstdSizer sizer(proofs, {19, 4, 4096, false});
  CheckerDouble lean;
  SelectionOptions options;
  options.max_rewrite_checks = 3;
  Selection s = select_lemmas(proofs, candidates, {}, sizer, lean, options);
  CHECK(s.rewrite_checks <= 3);
  CHECK(s.budget_reached);
  // A lemma whose uses the budget does not cover is measured over the uses it does: at most
  // three rewrites counted, and kept only if those pay.
  for (const auto& k : s.kept) {
    CHECK(k.uses <= 3);
    CHECK(k.gain > 0);
  }
  int64_t counted = 0;
  for (const auto& r : s.rewrites) counted += r.counted ? 1 : 0;
  CHECK(counted <= 3);
  // With no rewrite check at all, nothing is kept and no lemma is checked.
  options.max_rewrite_checks = 0;
  CheckerDouble none;
  Selection z = select_lemmas(proofs, candidates, {}, sizer, none, options);
  CHECK(z.kept.empty());
  CHECK(z.budget_reached);
  CHECK(none.lemma_calls == 0);
}

TEST_CASE("a lemma already in the library is applied again without being paid for twice", "[library]") {
  auto proofs = chain_corpus();
  auto candidates = find_candidates(proofs);
  ZstdSizer sizer(proofs, {19, 4, 4096, false});
  CheckerDouble lean;
  Selection first = select_lemmas(proofs, candidates, {}, sizer, lean);
  REQUIRE(chain_lemma(first) != nullptr);
  std::vector<Lemma> existing{chain_lemma(first)->lemma};
  CheckerDouble lean2;
  Selection again = select_lemmas(proofs, candidates, existing, sizer, lean2);
  CHECK(lean2.lemma_calls == 0);
  CHECK(again.kept.empty());
  CHECK(again.proofs[6].find("exact " + existing.front().name + " b") != std::string::npos);
  CHECK(again.library_bytes == first.library_bytes);
}

TEST_CASE("shared information of a statement with the rest of the library is measured by zstd", "[library]") {
  auto proofs = chain_corpus();
  ZstdSizer sizer(proofs, {19, 2, 4096, false});
  std::string rest = "theorem lib_a (n : Nat) : Chain n := by\n  unfold Chain\n  apply link1_intro\n";
  CHECK(sizer.shared_information("theorem lib_b (n : Nat) : Chain n", rest) > 0);
  CHECK(sizer.shared_information("zzzz qqqq", rest) <=
        sizer.shared_information("theorem lib_b (n : Nat) : Chain n", rest));
}
