#include "metrics/metrics.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <numeric>
#include <set>
#include <thread>
#include <unordered_map>
#include <utility>

#include "common/tagged_hash.hpp"
#include "metrics/lean_text.hpp"

namespace metrics {
namespace {

constexpr const char* kDictionaryScheme = "zdict-v1";
constexpr const char* kTrainer =
    "ZDICT_optimizeTrainFromBuffer_fastCover(d=8,steps=4,f=20,accel=1,splitPoint=1.0)";
constexpr const char* kFoldRule = "sha256-rank-v1";

void validate(const MetricsOptions& o) {
  if (!valid_level(o.level)) {
    throw MetricsError("level " + std::to_string(o.level) + " is outside 1..22");
  }
  if (o.dictionary_bytes < 256 || o.dictionary_bytes > (16u << 20)) {
    throw MetricsError("dictionary_bytes " + std::to_string(o.dictionary_bytes) +
                       " is outside 256..16777216");
  }
  if (o.folds < 2) throw MetricsError("folds must be >= 2");
  if (o.max_diversity_proofs < 2) throw MetricsError("max_diversity_proofs must be >= 2");
  if (o.max_training_bytes == 0) throw MetricsError("max_training_bytes must be > 0");
  if (o.threads < 1 || o.threads > 256) throw MetricsError("threads must be in 1..256");
}

// Runs fn(i) for i in [0, n) on up to `threads` threads. Each i writes only its own results,
// so the outcome does not depend on the schedule. The exception of the lowest failing i is
// rethrown.
template <class F>
void parallel_for(std::size_t n, int threads, F&& fn) {
  const std::size_t workers = std::min<std::size_t>(static_cast<std::size_t>(threads), n);
  if (workers <= 1) {
    for (std::size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::mutex mutex;
  std::size_t failed_index = n;
  std::exception_ptr failure;
  auto work = [&] {
    for (;;) {
      const std::size_t i = next.fetch_add(1);
      if (i >= n) return;
      try {
        fn(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (i < failed_index) {
          failed_index = i;
          failure = std::current_exception();
        }
      }
    }
  };
  std::vector<std::thread> pool;
  for (std::size_t w = 1; w < workers; ++w) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
}

uint64_t hash64(std::string_view text) {
  const std::string hex = common::sha256_hex(text);
  return std::stoull(hex.substr(0, 16), nullptr, 16);
}

std::string replace_uses(const std::string& text, const std::vector<NameIndex::Use>& uses,
                         std::size_t entry, const std::string& replacement) {
  std::string out;
  std::size_t at = 0;
  for (const NameIndex::Use& u : uses) {
    if (u.entry != entry || u.offset < at) continue;
    out.append(text, at, u.offset - at);
    out += replacement;
    at = u.offset + u.length;
  }
  out.append(text, at, std::string::npos);
  return out;
}

}  // namespace

std::vector<KnownDeclaration> extract_declarations(const std::vector<ProofDoc>& proofs) {
  std::vector<KnownDeclaration> out;
  std::map<std::pair<std::string, std::string>, std::size_t> seen;  // (name, text) → index
  for (const ProofDoc& p : proofs) {
    for (const DeclarationSpan& d : find_declarations(p.text)) {
      if (d.name == p.task_name) continue;
      std::string text = p.text.substr(d.offset, d.length);
      auto [it, inserted] = seen.try_emplace({d.name, text}, out.size());
      if (inserted) {
        KnownDeclaration k;
        k.name = d.name;
        k.proof = p.text.substr(d.proof_offset, d.proof_length);
        k.text = std::move(text);
        out.push_back(std::move(k));
      }
      std::vector<std::string>& in = out[it->second].declared_in;
      if (in.empty() || in.back() != p.key) in.push_back(p.key);
    }
  }
  return out;
}

FoldPlan plan_folds(const std::vector<ProofDoc>& proofs, int folds) {
  FoldPlan plan;
  std::unordered_map<std::string, std::size_t> task_index;
  std::vector<std::size_t> proof_task;
  proof_task.reserve(proofs.size());
  for (const ProofDoc& p : proofs) {
    auto [it, inserted] = task_index.try_emplace(p.task_id, plan.tasks.size());
    if (inserted) plan.tasks.push_back(p.task_id);
    proof_task.push_back(it->second);
  }
  const std::size_t n = plan.tasks.size();
  plan.folds =
      static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(std::max(folds, 1)), n));
  std::vector<std::string> digests(n);
  for (std::size_t t = 0; t < n; ++t) digests[t] = common::sha256_hex(plan.tasks[t]);
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (digests[a] != digests[b]) return digests[a] < digests[b];
    return plan.tasks[a] < plan.tasks[b];
  });
  plan.task_fold.assign(n, 0);
  for (std::size_t rank = 0; rank < n; ++rank) {
    plan.task_fold[order[rank]] = static_cast<int>(rank % static_cast<std::size_t>(plan.folds));
  }
  plan.proof_fold.reserve(proofs.size());
  for (std::size_t t : proof_task) plan.proof_fold.push_back(plan.task_fold[t]);
  return plan;
}

std::string dictionary_version(const MetricsOptions& o) {
  common::TaggedHash h(kDictionaryScheme);
  h.add("trainer", kTrainer)
      .add("zstd", zstd_version())
      .add("level", std::to_string(o.level))
      .add("dictionary_bytes", std::to_string(o.dictionary_bytes))
      .add("folds", std::to_string(o.folds))
      .add("max_training_bytes", std::to_string(o.max_training_bytes))
      .add("fold_rule", kFoldRule)
      .add("frame", frame_parameters_json());
  return h.hex();
}

double ncd(std::string_view x, std::string_view y, int level) {
  Compressor c(level);
  const int64_t cx = c.size(x);
  const int64_t cy = c.size(y);
  std::string xy;
  xy.reserve(x.size() + y.size());
  xy.append(x).append(y);
  const int64_t cxy = c.size(xy);
  return static_cast<double>(cxy - std::min(cx, cy)) / static_cast<double>(std::max(cx, cy));
}

int fold_for_task(const std::string& task_id, const LibraryMetrics& library) {
  if (library.folds <= 0) return -1;
  for (const TaskMetrics& t : library.tasks) {
    if (t.task_id == task_id) return t.fold;
  }
  return static_cast<int>(hash64(task_id) % static_cast<uint64_t>(library.folds));
}

namespace {

void fill_proof(ProofMetrics& m, const ProofDoc& p, Compressor& plain, Compressor& given,
                int fold) {
  m.key = p.key;
  m.task_id = p.task_id;
  m.bytes = static_cast<int64_t>(p.text.size());
  m.tactics = count_tactics(p.text);
  m.c = plain.size(p.text);
  m.c_given_library = given.size(p.text);
  m.shared = m.c - m.c_given_library;
  m.novelty = static_cast<double>(m.c_given_library) / static_cast<double>(m.c);
  m.fold = fold;
}

}  // namespace

ProofMetrics measure_proof(const ProofDoc& proof, const Dictionary& dictionary, int level) {
  Compressor plain(level);
  Compressor given(level, dictionary);
  ProofMetrics m;
  fill_proof(m, proof, plain, given, dictionary.fold);
  return m;
}

ProofMeter::ProofMeter(const std::vector<Dictionary>& dictionaries, int level) : m_plain(level) {
  for (const Dictionary& d : dictionaries) {
    for (const auto& [fold, compressor] : m_given) {
      if (fold == d.fold) {
        throw MetricsError("two dictionaries for fold " + std::to_string(fold));
      }
    }
    m_given.emplace_back(d.fold, Compressor(level, d));
  }
}

ProofMetrics ProofMeter::measure(const ProofDoc& proof, int fold) {
  for (auto& [f, given] : m_given) {
    if (f == fold) {
      ProofMetrics m;
      fill_proof(m, proof, m_plain, given, fold);
      return m;
    }
  }
  throw MetricsError("no dictionary for fold " + std::to_string(fold));
}

LibraryMetrics compute_metrics(const std::vector<ProofDoc>& proofs,
                               const std::vector<KnownDeclaration>& declarations,
                               const MetricsOptions& options) {
  validate(options);
  std::unordered_map<std::string, std::size_t> key_index;
  for (std::size_t i = 0; i < proofs.size(); ++i) {
    if (!key_index.try_emplace(proofs[i].key, i).second) {
      throw MetricsError("proof key '" + proofs[i].key + "' appears twice");
    }
  }

  LibraryMetrics out;
  const FoldPlan plan = plan_folds(proofs, options.folds);
  out.folds = plan.folds;

  // Per fold: train its dictionary on the proofs of every other fold (input order), then
  // compress the fold's own proofs with it.
  const std::string version = dictionary_version(options);
  out.dictionaries.resize(static_cast<std::size_t>(plan.folds));
  out.proofs.resize(proofs.size());
  std::vector<std::vector<std::size_t>> members(static_cast<std::size_t>(plan.folds));
  for (std::size_t i = 0; i < proofs.size(); ++i) {
    members[static_cast<std::size_t>(plan.proof_fold[i])].push_back(i);
  }
  parallel_for(members.size(), options.threads, [&](std::size_t f) {
    std::vector<std::string_view> samples;
    for (std::size_t i = 0; i < proofs.size(); ++i) {
      if (plan.proof_fold[i] != static_cast<int>(f)) samples.push_back(proofs[i].text);
    }
    TrainingOptions training;
    training.dictionary_bytes = options.dictionary_bytes;
    training.max_training_bytes = options.max_training_bytes;
    TrainedDictionary trained = train_dictionary(samples, training);
    Dictionary& d = out.dictionaries[f];
    d.version = version;
    d.fold = static_cast<int>(f);
    d.kind = trained.kind;
    d.bytes = std::move(trained.bytes);
    d.samples = trained.samples;
    nlohmann::json params = {
        {"scheme", kDictionaryScheme},
        {"trainer", kTrainer},
        {"zstd", zstd_version()},
        {"level", options.level},
        {"dictionary_bytes", options.dictionary_bytes},
        {"max_training_bytes", options.max_training_bytes},
        {"folds", options.folds},
        {"folds_used", plan.folds},
        {"fold", static_cast<int>(f)},
        {"fold_rule", kFoldRule},
        {"frame", nlohmann::json::parse(frame_parameters_json())},
        {"kind", d.kind},
        {"samples", trained.samples},
        {"sample_bytes", trained.sample_bytes},
        {"bytes", d.bytes.size()},
    };
    if (!trained.zdict_error.empty()) params["zdict_error"] = trained.zdict_error;
    if (trained.segment_size != 0) params["zdict_k"] = trained.segment_size;
    d.params_json = params.dump();

    Compressor plain(options.level);
    Compressor given(options.level, d);
    for (std::size_t i : members[f]) {
      fill_proof(out.proofs[i], proofs[i], plain, given, static_cast<int>(f));
    }
  });

  // Tasks, in order of first appearance.
  std::vector<std::vector<std::size_t>> task_members(plan.tasks.size());
  {
    std::unordered_map<std::string, std::size_t> index;
    for (std::size_t t = 0; t < plan.tasks.size(); ++t) index[plan.tasks[t]] = t;
    for (std::size_t i = 0; i < proofs.size(); ++i) {
      task_members[index[proofs[i].task_id]].push_back(i);
    }
  }
  out.tasks.resize(plan.tasks.size());
  parallel_for(plan.tasks.size(), options.threads, [&](std::size_t t) {
    const std::vector<std::size_t>& m = task_members[t];
    TaskMetrics& tm = out.tasks[t];
    tm.task_id = plan.tasks[t];
    tm.task_name = proofs[m.front()].task_name;
    tm.proofs = static_cast<int64_t>(m.size());
    tm.fold = plan.task_fold[t];
    tm.min_c = out.proofs[m.front()].c;
    for (std::size_t i : m) tm.min_c = std::min(tm.min_c, out.proofs[i].c);
    if (m.size() < 2) return;
    const std::size_t n =
        std::min(m.size(), static_cast<std::size_t>(options.max_diversity_proofs));
    Compressor plain(options.level);
    double sum = 0;
    int64_t pairs = 0;
    std::string xy;
    for (std::size_t a = 0; a < n; ++a) {
      for (std::size_t b = a + 1; b < n; ++b) {
        const ProofDoc& x = proofs[m[a]];
        const ProofDoc& y = proofs[m[b]];
        const int64_t cx = out.proofs[m[a]].c;
        const int64_t cy = out.proofs[m[b]].c;
        xy.assign(x.text).append(y.text);
        const int64_t cxy = plain.size(xy);
        sum += static_cast<double>(cxy - std::min(cx, cy)) / static_cast<double>(std::max(cx, cy));
        ++pairs;
      }
    }
    tm.diversity = sum / static_cast<double>(pairs);
    tm.diversity_pairs = pairs;
  });

  // Declarations: the given ones (merged when name, text and visibility agree), then the
  // constants Lean reported that none of them names.
  struct Entry {
    std::string name;
    std::string text;
    std::string proof;
    bool global = true;
    std::vector<std::size_t> declared_in;  // sorted proof indices (local entries)
    std::set<std::size_t> users;           // proof indices
  };
  std::vector<Entry> entries;
  {
    std::map<std::tuple<std::string, std::string, bool>, std::size_t> merged;
    for (const KnownDeclaration& k : declarations) {
      const bool global = k.declared_in.empty();
      auto [it, inserted] = merged.try_emplace({k.name, k.text, global}, entries.size());
      if (inserted) {
        Entry e;
        e.name = k.name;
        e.text = k.text;
        e.proof = k.proof;
        e.global = global;
        entries.push_back(std::move(e));
      }
      Entry& e = entries[it->second];
      for (const std::string& key : k.declared_in) {
        const auto found = key_index.find(key);
        if (found != key_index.end()) e.declared_in.push_back(found->second);
      }
    }
    for (Entry& e : entries) {
      std::sort(e.declared_in.begin(), e.declared_in.end());
      e.declared_in.erase(std::unique(e.declared_in.begin(), e.declared_in.end()),
                          e.declared_in.end());
    }
  }
  auto visible_to = [&](const Entry& e, std::size_t proof) {
    return e.global || std::binary_search(e.declared_in.begin(), e.declared_in.end(), proof);
  };

  // Lean's constants: credited to the entry of that exact name visible to the proof (a local
  // one first), else to a new name-only entry.
  {
    std::unordered_map<std::string, std::vector<std::size_t>> by_name;
    for (std::size_t e = 0; e < entries.size(); ++e) by_name[entries[e].name].push_back(e);
    for (std::size_t i = 0; i < proofs.size(); ++i) {
      if (!proofs[i].constants_from_lean) continue;
      for (const std::string& constant : proofs[i].used_constants) {
        std::vector<std::size_t>& candidates = by_name[constant];
        std::optional<std::size_t> chosen;
        for (std::size_t e : candidates) {
          if (!entries[e].global && visible_to(entries[e], i)) chosen = e;
        }
        if (!chosen) {
          for (std::size_t e : candidates) {
            if (entries[e].global) {
              chosen = e;
              break;
            }
          }
        }
        if (!chosen) {
          Entry e;
          e.name = constant;
          chosen = entries.size();
          entries.push_back(std::move(e));
          candidates.push_back(*chosen);
        }
        entries[*chosen].users.insert(i);
      }
    }
  }

  // Text matching for the proofs without Lean's constants.
  std::vector<std::string> names;
  names.reserve(entries.size());
  for (const Entry& e : entries) names.push_back(e.name);
  const NameIndex index(names);
  std::size_t lean_proofs = 0;
  for (const ProofDoc& p : proofs) lean_proofs += p.constants_from_lean ? 1 : 0;
  {
    std::vector<std::vector<NameIndex::Use>> found(proofs.size());
    parallel_for(proofs.size(), options.threads, [&](std::size_t i) {
      if (proofs[i].constants_from_lean) return;
      found[i] =
          index.uses(proofs[i].text, [&](std::size_t e) { return visible_to(entries[e], i); });
    });
    for (std::size_t i = 0; i < proofs.size(); ++i) {
      for (const NameIndex::Use& u : found[i]) entries[u.entry].users.insert(i);
    }
  }

  out.declarations.resize(entries.size());
  parallel_for(entries.size(), options.threads, [&](std::size_t ei) {
    const Entry& e = entries[ei];
    DeclarationMetrics& dm = out.declarations[ei];
    dm.name = e.name;
    dm.declared_in = e.global ? 0 : static_cast<int64_t>(e.declared_in.size());
    dm.reuse = static_cast<int64_t>(e.users.size());
    std::size_t lean = 0;
    std::size_t text = 0;
    if (e.global) {
      lean = lean_proofs;
      text = proofs.size() - lean_proofs;
    } else {
      for (std::size_t i : e.declared_in) (proofs[i].constants_from_lean ? lean : text) += 1;
    }
    dm.method = lean > 0 && text > 0 ? "mixed" : lean > 0 ? "lean" : "text";
    if (e.text.empty() || e.proof.empty()) return;
    dm.digest = common::sha256_hex(e.text);
    Compressor plain(options.level);
    const int64_t c_declaration = plain.size(e.text);
    dm.c = c_declaration;
    // Each user as written (a local declaration's own text taken out: it is paid once, in
    // c_declaration) against the same user with `(PROOF)` in place of each use.
    const std::string replacement = "(" + e.proof + ")";
    int64_t gain = -c_declaration;
    for (std::size_t i : e.users) {
      std::string written = proofs[i].text;
      if (!e.global) {
        const std::size_t at = written.find(e.text);
        if (at != std::string::npos) written.erase(at, e.text.size());
      }
      const std::vector<NameIndex::Use> uses =
          index.uses(written, [&](std::size_t other) { return visible_to(entries[other], i); });
      const std::string inlined = replace_uses(written, uses, ei, replacement);
      gain += plain.size(inlined) - plain.size(written);
    }
    dm.mdl_gain = gain;
  });
  return out;
}

}  // namespace metrics
