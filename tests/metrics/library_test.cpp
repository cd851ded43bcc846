// Library metrics on constructed corpora (metrics/metrics.hpp): shared information and
// novelty, honesty of the folds, determinism, stored dictionaries, diversity, reuse, MDL gain.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "metrics/metrics.hpp"
#include "tests/metrics/corpus.hpp"

using metrics::compute_metrics;
using metrics::Dictionary;
using metrics::KnownDeclaration;
using metrics::LibraryMetrics;
using metrics::MetricsError;
using metrics::MetricsOptions;
using metrics::ProofDoc;
using metrics::ProofMetrics;

namespace {

ProofDoc doc(std::string key, std::string task, std::string text) {
  ProofDoc d;
  d.key = std::move(key);
  d.task_id = "task-v1:" + task;
  d.task_name = std::move(task);
  d.text = std::move(text);
  return d;
}

// `tasks` tasks with `per_task` generated proofs each, keys "t<task>p<proof>".
std::vector<ProofDoc> generated(uint64_t seed, int tasks, int per_task, int steps = 6) {
  metrics_test::Rng rng(seed);
  std::vector<ProofDoc> out;
  for (int t = 0; t < tasks; ++t) {
    for (int p = 0; p < per_task; ++p) {
      std::string key = "t";
      key.append(std::to_string(t)).append("p").append(std::to_string(p));
      std::string task = "task_";
      task.append(std::to_string(t));
      out.push_back(doc(std::move(key), std::move(task), metrics_test::proof(rng, steps)));
    }
  }
  return out;
}

const ProofMetrics& by_key(const LibraryMetrics& m, const std::string& key) {
  for (const ProofMetrics& p : m.proofs) {
    if (p.key == key) return p;
  }
  FAIL("no proof " << key);
  throw 0;
}

const metrics::DeclarationMetrics& declaration(const LibraryMetrics& m, const std::string& name) {
  for (const auto& d : m.declarations) {
    if (d.name == name) return d;
  }
  FAIL("no declaration " << name);
  throw 0;
}

// A long proof unlike the generated ones.
const std::string kDistinctive =
    "  have key : ∀ q : ℚ, 0 < q → ∃ r : ℚ, r * r < q := by\n"
    "    intro q hq\n"
    "    refine ⟨min (q / 2) (1 / 2), ?_⟩\n"
    "    have h1 : min (q / 2) (1 / 2) ≤ 1 / 2 := min_le_right _ _\n"
    "    have h2 : 0 < min (q / 2) (1 / 2) := lt_min (half_pos hq) (by norm_num)\n"
    "    calc min (q / 2) (1 / 2) * min (q / 2) (1 / 2) ≤ min (q / 2) (1 / 2) * (1 / 2) := by "
    "gcongr\n"
    "      _ ≤ q / 2 * (1 / 2) := by gcongr; exact min_le_left _ _\n"
    "      _ < q := by linarith\n"
    "  obtain ⟨r, hr⟩ := key (1 / 7) (by norm_num)\n"
    "  exact absurd hr (by positivity)";

}  // namespace

TEST_CASE("library: a proof duplicated under another task shares most of its information") {
  std::vector<ProofDoc> proofs = generated(101, 12, 2);
  proofs.push_back(doc("original", "task_orig", kDistinctive));
  proofs.push_back(doc("copy", "task_copy", kDistinctive));
  MetricsOptions options;
  options.folds = 4;
  const LibraryMetrics m = compute_metrics(proofs, {}, options);
  const ProofMetrics& original = by_key(m, "original");
  // The two tasks must sit in different folds for the copy to be in the original's library.
  REQUIRE(by_key(m, "copy").fold != original.fold);
  CHECK(m.dictionaries[static_cast<std::size_t>(original.fold)].kind == "raw");
  CAPTURE(original.c, original.c_given_library, original.novelty);
  CHECK(original.shared > original.c * 3 / 4);
  CHECK(original.novelty < 0.25);
  // The generated proofs share their vocabulary, not whole texts.
  double novelty_sum = 0;
  int count = 0;
  for (const ProofMetrics& p : m.proofs) {
    if (p.key[0] == 't') {
      novelty_sum += p.novelty;
      ++count;
    }
  }
  CHECK(novelty_sum / count > original.novelty + 0.3);
}

TEST_CASE("library: a proof repeated across tasks is shared through a trained dictionary") {
  std::vector<ProofDoc> proofs = generated(102, 150, 2);
  for (int i = 0; i < 8; ++i) {
    proofs.push_back(
        doc("copy" + std::to_string(i), "copy_task_" + std::to_string(i), kDistinctive));
  }
  MetricsOptions options;
  options.folds = 4;
  options.dictionary_bytes = 8 * 1024;
  const LibraryMetrics m = compute_metrics(proofs, {}, options);
  for (const Dictionary& d : m.dictionaries) CHECK(d.kind == "zdict");
  const ProofMetrics& copy = by_key(m, "copy0");
  CAPTURE(copy.c, copy.c_given_library);
  CHECK(copy.novelty < 0.5);
  CHECK(copy.shared > copy.c / 2);
}

TEST_CASE("library: random text shares almost nothing with the library") {
  std::vector<ProofDoc> proofs = generated(103, 60, 2);
  metrics_test::Rng rng(7);
  proofs.push_back(doc("bytes", "random_bytes", metrics_test::random_bytes(rng, 600)));
  proofs.push_back(doc("words", "random_words", metrics_test::random_words(rng, 100)));
  MetricsOptions options;
  options.folds = 4;
  options.dictionary_bytes = 4 * 1024;
  const LibraryMetrics m = compute_metrics(proofs, {}, options);
  for (const std::string key : {"bytes", "words"}) {
    const ProofMetrics& p = by_key(m, key);
    CAPTURE(key, p.c, p.c_given_library, p.shared);
    CHECK(std::abs(p.shared) <= std::max<int64_t>(8, p.c / 25));
    CHECK(p.novelty > 0.95);
  }
  // For contrast, a generated proof shares a good part of itself.
  const ProofMetrics& typical = by_key(m, "t0p0");
  CHECK(typical.novelty < 0.8);
}

TEST_CASE("library: a proof's library never holds a proof of its own task") {
  // Two identical proofs of one task, found nowhere else: they must not explain each other.
  std::vector<ProofDoc> proofs = generated(104, 20, 3);
  proofs.push_back(doc("twin1", "twins", kDistinctive));
  proofs.push_back(doc("twin2", "twins", kDistinctive));
  MetricsOptions options;
  options.folds = 5;
  const LibraryMetrics m = compute_metrics(proofs, {}, options);
  for (const std::string key : {"twin1", "twin2"}) {
    const ProofMetrics& p = by_key(m, key);
    CAPTURE(p.c, p.c_given_library);
    CHECK(p.novelty > 0.8);
  }
  // Structurally: the proofs of a task share one fold, and a fold's dictionary is built from the
  // proofs of the other folds only.
  std::map<std::string, std::set<int>> task_folds;
  std::vector<std::size_t> outside(static_cast<std::size_t>(m.folds), 0);
  for (const ProofMetrics& p : m.proofs) {
    task_folds[p.task_id].insert(p.fold);
    for (int f = 0; f < m.folds; ++f) {
      if (f != p.fold) ++outside[static_cast<std::size_t>(f)];
    }
  }
  for (const auto& [task, folds] : task_folds) {
    CAPTURE(task);
    CHECK(folds.size() == 1);
  }
  REQUIRE(m.dictionaries.size() == static_cast<std::size_t>(m.folds));
  for (const Dictionary& d : m.dictionaries) {
    CHECK(d.samples == outside[static_cast<std::size_t>(d.fold)]);
  }
  for (const auto& t : m.tasks) CHECK(*task_folds[t.task_id].begin() == t.fold);
}

TEST_CASE("library: folds are balanced and never more than the tasks") {
  const std::vector<ProofDoc> proofs = generated(105, 19, 2, 2);
  const metrics::FoldPlan plan = metrics::plan_folds(proofs, 8);
  CHECK(plan.folds == 8);
  std::vector<int> sizes(8, 0);
  for (int f : plan.task_fold) ++sizes[static_cast<std::size_t>(f)];
  CHECK(*std::min_element(sizes.begin(), sizes.end()) == 2);
  CHECK(*std::max_element(sizes.begin(), sizes.end()) == 3);
  // Three tasks: three folds, one task each (leave one task out).
  const metrics::FoldPlan three = metrics::plan_folds(generated(106, 3, 4, 2), 8);
  CHECK(three.folds == 3);
  CHECK(std::set<int>(three.task_fold.begin(), three.task_fold.end()).size() == 3);
  // One task: no library at all, so C(x | L) = C(x).
  const LibraryMetrics one = compute_metrics(generated(107, 1, 3), {});
  CHECK(one.folds == 1);
  REQUIRE(one.dictionaries.size() == 1);
  CHECK(one.dictionaries[0].kind == "empty");
  for (const ProofMetrics& p : one.proofs) {
    CHECK(p.c_given_library == p.c);
    CHECK(p.shared == 0);
    CHECK(p.novelty == 1.0);
  }
  const LibraryMetrics none = compute_metrics({}, {});
  CHECK(none.proofs.empty());
  CHECK(none.dictionaries.empty());
  CHECK(none.folds == 0);
}

TEST_CASE("library: two runs give identical numbers and dictionary bytes") {
  std::vector<ProofDoc> proofs = generated(108, 80, 3);
  proofs.push_back(doc("whole", "whole_task",
                       "lemma helper (a b : ℝ) : 0 ≤ (a - b) ^ 2 := by positivity\n"
                       "theorem whole_task (a b : ℝ) : 2 * a * b ≤ a ^ 2 + b ^ 2 := by\n"
                       "  nlinarith [helper a b]"));
  const auto declarations = metrics::extract_declarations(proofs);
  MetricsOptions options;
  options.dictionary_bytes = 4 * 1024;
  const LibraryMetrics a = compute_metrics(proofs, declarations, options);
  options.threads = 2;
  const LibraryMetrics b = compute_metrics(proofs, declarations, options);
  REQUIRE(a.dictionaries.size() == b.dictionaries.size());
  for (std::size_t f = 0; f < a.dictionaries.size(); ++f) {
    CHECK(a.dictionaries[f].kind == "zdict");
    CHECK(a.dictionaries[f].bytes == b.dictionaries[f].bytes);
    CHECK(a.dictionaries[f].params_json == b.dictionaries[f].params_json);
    CHECK(a.dictionaries[f].version == b.dictionaries[f].version);
  }
  REQUIRE(a.proofs.size() == b.proofs.size());
  for (std::size_t i = 0; i < a.proofs.size(); ++i) {
    CHECK(a.proofs[i].key == b.proofs[i].key);
    CHECK(a.proofs[i].c == b.proofs[i].c);
    CHECK(a.proofs[i].c_given_library == b.proofs[i].c_given_library);
    CHECK(a.proofs[i].tactics == b.proofs[i].tactics);
    CHECK(a.proofs[i].novelty == b.proofs[i].novelty);
  }
  REQUIRE(a.tasks.size() == b.tasks.size());
  for (std::size_t t = 0; t < a.tasks.size(); ++t)
    CHECK(a.tasks[t].diversity == b.tasks[t].diversity);
  REQUIRE(a.declarations.size() == b.declarations.size());
  for (std::size_t d = 0; d < a.declarations.size(); ++d) {
    CHECK(a.declarations[d].name == b.declarations[d].name);
    CHECK(a.declarations[d].reuse == b.declarations[d].reuse);
    CHECK(a.declarations[d].mdl_gain == b.declarations[d].mdl_gain);
  }
  CHECK(a.dictionaries[0].version.rfind("zdict-v1:", 0) == 0);
  // Another level is another version of the dictionaries.
  options.level = 3;
  CHECK(metrics::dictionary_version(options) != a.dictionaries[0].version);
}

TEST_CASE("library: C(x given L) is recomputed from the stored dictionary bytes") {
  const std::vector<ProofDoc> proofs = generated(109, 40, 3);
  MetricsOptions options;
  options.folds = 4;
  options.dictionary_bytes = 2048;
  const LibraryMetrics m = compute_metrics(proofs, {}, options);
  // What a store keeps: the bytes, the kind and the fold; nothing else of the run.
  std::vector<Dictionary> stored;
  for (const Dictionary& d : m.dictionaries) {
    Dictionary copy;
    copy.fold = d.fold;
    copy.kind = d.kind;
    copy.bytes = std::string(d.bytes.begin(), d.bytes.end());
    stored.push_back(copy);
  }
  for (std::size_t i = 0; i < proofs.size(); ++i) {
    const ProofMetrics& p = m.proofs[i];
    const Dictionary& d = stored[static_cast<std::size_t>(p.fold)];
    CHECK(metrics::compressed_size(proofs[i].text, options.level, &d) == p.c_given_library);
    CHECK(metrics::compressed_size(proofs[i].text, options.level) == p.c);
    const ProofMetrics again = metrics::measure_proof(proofs[i], d, options.level);
    CHECK(again.c_given_library == p.c_given_library);
    CHECK(again.tactics == p.tactics);
    CHECK(again.novelty == p.novelty);
  }
  // A meter loads each dictionary once and gives the same numbers.
  metrics::ProofMeter meter(stored, options.level);
  for (std::size_t i = 0; i < proofs.size(); ++i) {
    const ProofMetrics again = meter.measure(proofs[i], m.proofs[i].fold);
    CHECK(again.c == m.proofs[i].c);
    CHECK(again.c_given_library == m.proofs[i].c_given_library);
  }
  CHECK_THROWS_AS(meter.measure(proofs[0], m.folds), MetricsError);
  stored.push_back(stored[0]);
  CHECK_THROWS_AS(metrics::ProofMeter(stored, options.level), MetricsError);
  // A task of the library keeps its fold; a new task gets a fold in range.
  CHECK(metrics::fold_for_task(proofs[5].task_id, m) == m.proofs[5].fold);
  const int fresh = metrics::fold_for_task("task-v1:never-seen", m);
  CHECK(fresh >= 0);
  CHECK(fresh < m.folds);
}

TEST_CASE("diversity: identical proofs are near 0 and unrelated proofs high") {
  metrics_test::Rng rng(110);
  std::vector<ProofDoc> proofs;
  for (int i = 0; i < 4; ++i)
    proofs.push_back(doc("same" + std::to_string(i), "same", kDistinctive));
  for (int i = 0; i < 4; ++i) {
    proofs.push_back(doc("diff" + std::to_string(i), "diff", metrics_test::random_words(rng, 60)));
  }
  proofs.push_back(doc("single", "single", kDistinctive));
  for (int i = 0; i < 40; ++i) {
    proofs.push_back(doc("many" + std::to_string(i), "many", metrics_test::proof(rng, 4)));
  }
  MetricsOptions options;
  options.max_diversity_proofs = 10;
  const LibraryMetrics m = compute_metrics(proofs, {}, options);
  std::map<std::string, metrics::TaskMetrics> tasks;
  for (const auto& t : m.tasks) tasks[t.task_name] = t;
  REQUIRE(tasks["same"].diversity.has_value());
  CHECK(*tasks["same"].diversity < 0.05);
  CHECK(tasks["same"].diversity_pairs == 6);
  REQUIRE(tasks["diff"].diversity.has_value());
  CHECK(*tasks["diff"].diversity > 0.85);
  CHECK_FALSE(tasks["single"].diversity.has_value());
  CHECK(tasks["single"].proofs == 1);
  CHECK(tasks["many"].diversity_pairs == 45);  // capped at the first 10 proofs
  CHECK(*tasks["many"].diversity > *tasks["same"].diversity);
  CHECK(*tasks["many"].diversity < *tasks["diff"].diversity);
  CHECK(std::abs(*tasks["same"].diversity - metrics::ncd(kDistinctive, kDistinctive, 19)) < 1e-12);
  CHECK(tasks["same"].min_c == by_key(m, "same0").c);
}

TEST_CASE("declarations: a lemma used by many proofs pays for itself and one used once does not") {
  const std::string lemma_proof =
      "by\n  nlinarith [sq_nonneg (a - b), sq_nonneg (a + b), sq_nonneg (a - 2 * b),\n"
      "    mul_self_nonneg (a * b - 1), sq_abs a, abs_nonneg b]";
  KnownDeclaration shared;
  shared.name = "Ineq.key_bound";
  shared.proof = lemma_proof;
  shared.text =
      "theorem Ineq.key_bound (a b : ℝ) : a * b ≤ (a ^ 2 + b ^ 2) / 2 + 1 := " + lemma_proof;
  metrics_test::Rng rng(111);
  std::vector<ProofDoc> proofs;
  for (int i = 0; i < 10; ++i) {
    proofs.push_back(doc("user" + std::to_string(i), "user_task_" + std::to_string(i),
                         "  have h := key_bound " + metrics_test::variable(rng) + " " +
                             metrics_test::variable(rng) + "\n" + metrics_test::proof(rng, 3)));
  }
  // A helper lemma declared in one whole-file proof and used once there.
  proofs.push_back(doc("whole", "whole_task",
                       "lemma once (x : ℝ) : 0 ≤ x ^ 2 + 1 := by\n  positivity\n\n"
                       "theorem whole_task (x : ℝ) : 0 < x ^ 2 + 2 := by\n"
                       "  have := once x\n  linarith"));
  std::vector<KnownDeclaration> declarations = metrics::extract_declarations(proofs);
  REQUIRE(declarations.size() == 1);  // `once`; whole_task is the target
  CHECK(declarations[0].name == "once");
  CHECK(declarations[0].declared_in == std::vector<std::string>{"whole"});
  declarations.push_back(shared);
  const LibraryMetrics m = compute_metrics(proofs, declarations);

  const auto& key = declaration(m, "Ineq.key_bound");
  CHECK(key.reuse == 10);
  CHECK(key.method == "text");
  REQUIRE(key.mdl_gain.has_value());
  CAPTURE(*key.mdl_gain, *key.c);
  CHECK(*key.mdl_gain > 0);
  CHECK(key.digest.size() == 64);
  CHECK(key.declared_in == 0);

  const auto& once = declaration(m, "once");
  CHECK(once.reuse == 1);
  CHECK(once.declared_in == 1);
  REQUIRE(once.mdl_gain.has_value());
  CHECK(*once.mdl_gain < 0);

  // With only one user, the shared lemma does not pay for itself either.
  const LibraryMetrics single = compute_metrics({proofs[0]}, {shared});
  CHECK(declaration(single, "Ineq.key_bound").reuse == 1);
  CHECK(*declaration(single, "Ineq.key_bound").mdl_gain < 0);
}

TEST_CASE("declarations: reuse from Lean's constants and from text matching") {
  ProofDoc lean1 = doc("lean1", "a", "  simp [foo]");
  lean1.constants_from_lean = true;
  lean1.used_constants = {"Nat.foo", "Nat.add_comm", "Nat.add_comm"};
  ProofDoc lean2 = doc("lean2", "b", "  exact Nat.add_comm _ _");
  lean2.constants_from_lean = true;
  lean2.used_constants = {"Nat.add_comm", "Mathlib.special"};
  ProofDoc text1 = doc("text1", "c", "  rw [Nat.add_comm]\n  -- Mathlib.special\n  simp [foo]");
  ProofDoc text2 = doc("text2", "d", "  exact add_comm _ _");
  // A local helper with the name of a global constant: visible in its own proof only.
  ProofDoc local =
      doc("local", "e", "lemma foo : True := trivial\ntheorem e : True := by\n  exact foo");
  const std::vector<ProofDoc> proofs = {lean1, lean2, text1, text2, local};
  std::vector<KnownDeclaration> declarations = metrics::extract_declarations(proofs);
  KnownDeclaration foo;
  foo.name = "Nat.foo";
  declarations.push_back(foo);
  const LibraryMetrics m = compute_metrics(proofs, declarations);

  // Nat.foo: lean1 by Lean's list, text1 by the suffix `foo`; `local` uses its own foo.
  const auto& nat_foo = declaration(m, "Nat.foo");
  CHECK(nat_foo.reuse == 2);
  CHECK(nat_foo.method == "mixed");
  CHECK_FALSE(nat_foo.mdl_gain.has_value());
  const auto& local_foo = declaration(m, "foo");
  CHECK(local_foo.reuse == 1);
  CHECK(local_foo.declared_in == 1);
  CHECK(local_foo.method == "text");
  // Nat.add_comm is known only from Lean's lists; text proofs are then matched against it too
  // (each proof counts once).
  const auto& add_comm = declaration(m, "Nat.add_comm");
  CHECK(add_comm.reuse == 4);
  // A name in a comment does not count.
  CHECK(declaration(m, "Mathlib.special").reuse == 1);

  // All proofs with Lean's constants: the method is "lean".
  std::vector<ProofDoc> all_lean = {lean1, lean2};
  const LibraryMetrics l = compute_metrics(all_lean, {});
  CHECK(declaration(l, "Nat.add_comm").method == "lean");
  CHECK(declaration(l, "Nat.add_comm").reuse == 2);
}

TEST_CASE("library: bad options and duplicate keys are refused") {
  const std::vector<ProofDoc> proofs = generated(112, 3, 1, 2);
  MetricsOptions o;
  o.level = 0;
  CHECK_THROWS_AS(compute_metrics(proofs, {}, o), MetricsError);
  o = {};
  o.folds = 1;
  CHECK_THROWS_AS(compute_metrics(proofs, {}, o), MetricsError);
  o = {};
  o.dictionary_bytes = 10;
  CHECK_THROWS_AS(compute_metrics(proofs, {}, o), MetricsError);
  o = {};
  o.max_diversity_proofs = 1;
  CHECK_THROWS_AS(compute_metrics(proofs, {}, o), MetricsError);
  o = {};
  o.threads = 0;
  CHECK_THROWS_AS(compute_metrics(proofs, {}, o), MetricsError);
  std::vector<ProofDoc> twice = proofs;
  twice.push_back(proofs[0]);
  CHECK_THROWS_AS(compute_metrics(twice, {}), MetricsError);
}
