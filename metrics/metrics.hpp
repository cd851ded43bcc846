#pragma once
// Proof compression metrics (README.md has every formula): per proof C(x), C(x | L), shared
// information and novelty; per task the diversity of its proofs; per declaration its reuse and
// MDL gain. A pure computation on plain values: no SQLite, no Lean.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "metrics/compression.hpp"

namespace metrics {

// One verified proof.
struct ProofDoc {
  std::string key;  // unique among the proofs given (an attempt id, say)
  std::string task_id;
  std::string task_name;
  std::string text;  // the proof as checked (continuation or whole-file text)
  std::vector<std::string> used_constants;  // what Lean reported (allTactics), possibly empty
  bool constants_from_lean = false;         // true: used_constants is Lean's answer, even empty
};

// A declaration whose uses are counted. With a known text and proof, its MDL gain is computed.
struct KnownDeclaration {
  std::string name;   // as Lean names it ("Nat.add_comm", "aux")
  std::string text;   // the whole declaration ("lemma aux ... := PROOF"); empty when unknown
  std::string proof;  // the PROOF part of text; empty when unknown
  // Keys of the proofs whose text declares it (a helper lemma of a whole-file proof): it is
  // visible to those proofs only. Empty: visible to every proof.
  std::vector<std::string> declared_in;
};

// The helper declarations of whole-file proof texts: every `theorem|lemma NAME ... := PROOF`
// (find_declarations) except the one named like the proof's task (the target itself). The same
// name with the same text in several proofs is one declaration declared in all of them; the
// same name with different texts gives one declaration per text. Order: first appearance.
std::vector<KnownDeclaration> extract_declarations(const std::vector<ProofDoc>& proofs);

struct MetricsOptions {
  int level = 19;                              // zstd level of every size, 1..22
  std::size_t dictionary_bytes = 16 * 1024;    // dictionary capacity, 256 .. 16 MiB
  int folds = 8;                               // cross-fitting folds, >= 2 (fewer if fewer tasks)
  int max_diversity_proofs = 32;               // proofs per task in the diversity, >= 2
  std::size_t max_training_bytes = 32u << 20;  // per dictionary (every k-th sample above it)
  int threads = 1;                             // worker threads, >= 1; results do not depend on it
};

struct ProofMetrics {
  std::string key;
  std::string task_id;
  int64_t bytes = 0;            // text size
  int64_t tactics = 0;          // count_tactics(text)
  int64_t c = 0;                // C(x)
  int64_t c_given_library = 0;  // C(x | L): with the dictionary of the proof's fold
  int64_t shared = 0;           // C(x) - C(x | L), may be slightly negative
  double novelty = 1.0;         // C(x | L) / C(x)
  int fold = 0;
};

struct TaskMetrics {
  std::string task_id;
  std::string task_name;  // of the task's first proof
  int64_t proofs = 0;
  int64_t min_c = 0;                // smallest C(x) among its proofs (length shaping)
  std::optional<double> diversity;  // mean pairwise NCD; tasks with >= 2 proofs
  int64_t diversity_pairs = 0;
  int fold = 0;
};

struct DeclarationMetrics {
  std::string name;
  std::string digest;               // SHA-256 hex of the declaration's text; empty when unknown
  int64_t declared_in = 0;          // proofs declaring it; 0: visible to every proof
  int64_t reuse = 0;                // proofs that use it
  std::string method;               // how uses were found: "lean", "text" or "mixed"
  std::optional<int64_t> c;         // C(text), when the text is known
  std::optional<int64_t> mdl_gain;  // when the text is known
};

struct LibraryMetrics {
  std::vector<ProofMetrics> proofs;              // in input order
  std::vector<TaskMetrics> tasks;                // in order of first appearance
  std::vector<DeclarationMetrics> declarations;  // given declarations first, then constants
  std::vector<Dictionary> dictionaries;          // one per fold, fold order
  int folds = 0;                                 // folds used (<= options.folds)
};

// The fold of each task: tasks sorted by (SHA-256 of task_id, task_id), the i-th gets fold
// i mod F with F = min(folds, distinct tasks). Every fold has a task; with F = number of tasks
// this is leave-one-task-out.
struct FoldPlan {
  int folds = 0;
  std::vector<int> proof_fold;     // per proof, input order
  std::vector<std::string> tasks;  // distinct task ids, order of first appearance
  std::vector<int> task_fold;      // per entry of tasks
};
FoldPlan plan_folds(const std::vector<ProofDoc>& proofs, int folds);

// "zdict-v1:" + SHA-256 over the parameters that decide the dictionaries: trainer, zstd
// version, level, dictionary_bytes, folds, max_training_bytes, fold rule, frame parameters.
std::string dictionary_version(const MetricsOptions& options);

// Normalised compression distance (C(xy) - min(C(x), C(y))) / max(C(x), C(y)) with xy the
// concatenation, no dictionary.
double ncd(std::string_view x, std::string_view y, int level);

// Everything above. Deterministic: the same inputs in the same order give identical numbers
// and dictionary bytes, whatever options.threads. MetricsError on bad options or duplicate
// proof keys.
LibraryMetrics compute_metrics(const std::vector<ProofDoc>& proofs,
                               const std::vector<KnownDeclaration>& declarations,
                               const MetricsOptions& options = {});

// The fold whose dictionary gives C(x | L) for a proof of `task_id` measured later: the task's
// fold when the task is in `library`, else SHA-256(task_id) mod library.folds (no fold's
// dictionary holds a proof of a task that was not in the library). -1 when library.folds is 0.
int fold_for_task(const std::string& task_id, const LibraryMetrics& library);

// The per-proof metrics of one proof against a stored dictionary (bytes, tactics, C(x),
// C(x | L) with `dictionary`, shared, novelty; fold = dictionary.fold). Same numbers as
// compute_metrics gives when `dictionary` is the one it built for that proof's fold. Loads the
// dictionary on every call (about 0.5 ms at level 19); ProofMeter loads each once.
ProofMetrics measure_proof(const ProofDoc& proof, const Dictionary& dictionary, int level);

// Measures new proofs (during a search, say) against stored dictionaries, each loaded once.
// Not thread-safe: one per thread.
class ProofMeter {
 public:
  // MetricsError when a dictionary cannot be loaded or two have the same fold.
  ProofMeter(const std::vector<Dictionary>& dictionaries, int level);
  // measure_proof with the dictionary of `fold` (MetricsError when there is none).
  ProofMetrics measure(const ProofDoc& proof, int fold);

 private:
  Compressor m_plain;
  std::vector<std::pair<int, Compressor>> m_given;  // by fold
};

}  // namespace metrics
