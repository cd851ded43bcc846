// `harness metrics`: reads the store's verified proofs (of one run or of all), computes what is
// missing (metrics/: C(x), C(x | L), shared information, novelty, diversity, reuse, MDL
// gain), records the computation with its dictionaries, and prints the top tables or, with
// --format json, every proof's, task's and declaration's metrics as JSON lines.
#include "harness/metrics_command.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "common/tagged_hash.hpp"
#include "harness/engine.hpp"
#include "metrics/metrics.hpp"
#include "harness/score_settings.hpp"
#include "store/store.hpp"

namespace harness {
namespace {

using nlohmann::json;
using ojson = nlohmann::ordered_json;

std::string attempt_key(int64_t run_id, int64_t line) { return fmt::format("{}:{}", run_id, line); }

std::optional<int64_t> resolve_run(const store::Store& db, const std::optional<std::string>& run) {
  if (!run) return std::nullopt;
  if (auto row = db.run_by_uuid(*run)) return row->id;
  if (!run->empty() && std::all_of(run->begin(), run->end(), ::isdigit)) {
    if (auto row = db.run(std::stoll(*run))) return row->id;
  }
  throw UsageError(fmt::format("--run {}: no such run in {}", *run, db.path()));
}

std::vector<metrics::ProofDoc> proof_docs(const std::vector<store::VerifiedProof>& proofs) {
  std::vector<metrics::ProofDoc> docs;
  for (const auto& p : proofs) {
    metrics::ProofDoc d;
    d.key = attempt_key(p.run_id, p.line);
    d.task_id = p.task_id;
    d.task_name = p.task_name;
    d.text = p.proof;
    if (p.used_constants_json) {
      json used = json::parse(*p.used_constants_json, nullptr, false);
      if (used.is_array()) {
        for (const auto& name : used) {
          if (name.is_string()) d.used_constants.push_back(name.get<std::string>());
        }
        d.constants_from_lean = true;
      }
    }
    docs.push_back(std::move(d));
  }
  return docs;
}

// The declarations whose reuse and MDL gain are measured: helper lemmas of whole-file proofs,
// and the tasks' own theorems with their verified proof (a task theorem used by other proofs
// is a lemma of the library).
std::vector<metrics::KnownDeclaration> known_declarations(
    const std::vector<store::VerifiedProof>& proofs, const std::vector<metrics::ProofDoc>& docs) {
  auto declarations = metrics::extract_declarations(docs);
  std::set<std::string> seen;
  for (const auto& p : proofs) {
    if (p.task_name.empty() || !seen.insert(p.task_id).second) continue;
    metrics::KnownDeclaration d;
    d.name = p.task_name;
    d.text = p.statement + p.proof;
    d.proof = p.proof;
    declarations.push_back(std::move(d));
  }
  return declarations;
}

// What decides the figures: the inputs and the options. A computation with the same
// fingerprint is reused instead of computed again.
std::string fingerprint(const std::vector<metrics::ProofDoc>& docs,
                        const metrics::MetricsOptions& options) {
  common::TaggedHash h("metrics-input-v1");
  h.add("dictionary_version", metrics::dictionary_version(options));
  h.add("max_diversity_proofs", std::to_string(options.max_diversity_proofs));
  for (const auto& d : docs) {
    h.add("key", d.key).add("task", d.task_id).add("text", d.text);
    std::string used;
    for (const auto& c : d.used_constants) used += c + '\n';
    h.add(d.constants_from_lean ? "lean" : "text", used);
  }
  return h.hex();
}

struct Computed {
  int64_t id = 0;
  std::vector<store::ProofMetricsRecord> proofs;
  std::vector<store::TaskMetricsRecord> tasks;
  std::vector<store::DeclarationMetricsRecord> declarations;
  bool reused = false;
};

Computed compute_and_record(store::Store& db, const std::string& scope,
                            const std::vector<metrics::ProofDoc>& docs,
                            const std::vector<metrics::KnownDeclaration>& declarations,
                            const metrics::MetricsOptions& options) {
  metrics::LibraryMetrics library = metrics::compute_metrics(docs, declarations, options);
  std::vector<store::DictionaryRecord> dictionaries;
  for (const auto& d : library.dictionaries) {
    store::DictionaryRecord r;
    r.version = d.version;
    r.fold = d.fold;
    r.kind = d.kind;
    r.samples = static_cast<int64_t>(d.samples);
    r.params_json = d.params_json.empty() ? "{}" : d.params_json;
    r.bytes = d.bytes;
    dictionaries.push_back(std::move(r));
  }
  Computed out;
  for (size_t i = 0; i < library.proofs.size(); ++i) {
    const auto& m = library.proofs[i];
    auto colon = m.key.find(':');
    store::ProofMetricsRecord r;
    r.run_id = std::stoll(m.key.substr(0, colon));
    r.line = std::stoll(m.key.substr(colon + 1));
    r.bytes = m.bytes;
    r.tactics = m.tactics;
    r.c = m.c;
    r.c_given_library = m.c_given_library;
    r.shared = m.shared;
    r.novelty = m.novelty;
    r.fold = m.fold;
    for (size_t k = 0; k < library.dictionaries.size(); ++k) {
      if (library.dictionaries[k].fold == m.fold) r.dictionary_id = store::dictionary_in_call(k);
    }
    out.proofs.push_back(r);
  }
  for (const auto& t : library.tasks) out.tasks.push_back({t.task_id, t.proofs, t.diversity});
  for (const auto& d : library.declarations) {
    out.declarations.push_back({d.name, d.reuse, d.method, d.mdl_gain, d.digest, d.c, d.declared_in});
  }
  store::MetricsComputation computation;
  computation.scope = scope;
  computation.params_json = json{{"fingerprint", fingerprint(docs, options)},
                                 {"dictionary_version", metrics::dictionary_version(options)},
                                 {"level", options.level},
                                 {"dictionary_bytes", options.dictionary_bytes},
                                 {"folds", library.folds},
                                 {"max_diversity_proofs", options.max_diversity_proofs}}
                                .dump();
  computation.summary_json = json{{"proofs", out.proofs.size()},
                                  {"tasks", out.tasks.size()},
                                  {"declarations", out.declarations.size()}}
                                 .dump();
  out.id = db.record_metrics(computation, dictionaries, out.proofs, out.tasks, out.declarations);
  return out;
}

void print_tables(const Computed& c, const std::vector<store::VerifiedProof>& proofs, int top) {
  std::map<std::pair<int64_t, int64_t>, const store::VerifiedProof*> by_attempt;
  std::map<std::string, std::string> task_names;
  for (const auto& p : proofs) {
    by_attempt[{p.run_id, p.line}] = &p;
    task_names[p.task_id] = p.task_name;
  }
  auto name_of = [&](const store::ProofMetricsRecord& m) {
    auto it = by_attempt.find({m.run_id, m.line});
    return it == by_attempt.end() ? std::string("?") : it->second->task_name;
  };
  auto limit = [&](size_t n) { return std::min(n, static_cast<size_t>(top)); };
  fmt::print("{} verified proofs, {} tasks, {} declarations (computation {}{})\n\n",
             c.proofs.size(), c.tasks.size(), c.declarations.size(), c.id,
             c.reused ? ", unchanged inputs: read from the store" : "");

  auto proofs_sorted = c.proofs;
  auto ratio = [](const store::ProofMetricsRecord& m) {
    return m.bytes > 0 ? static_cast<double>(m.c) / static_cast<double>(m.bytes) : 1.0;
  };
  std::stable_sort(proofs_sorted.begin(), proofs_sorted.end(),
                   [&](const auto& a, const auto& b) { return ratio(a) < ratio(b); });
  fmt::print("Most compressible proofs (C(x) / bytes, lowest first)\n");
  fmt::print("{:<32} {:>10} {:>7} {:>7} {:>9} {:>8} {:>8}\n", "task", "attempt", "bytes",
             "tactics", "C(x)", "C(x|L)", "ratio");
  for (size_t i = 0; i < limit(proofs_sorted.size()); ++i) {
    const auto& m = proofs_sorted[i];
    fmt::print("{:<32} {:>10} {:>7} {:>7} {:>9} {:>8} {:>8.3f}\n", name_of(m).substr(0, 32),
               attempt_key(m.run_id, m.line), m.bytes, m.tactics, m.c, m.c_given_library, ratio(m));
  }
  std::stable_sort(proofs_sorted.begin(), proofs_sorted.end(),
                   [](const auto& a, const auto& b) { return a.novelty > b.novelty; });
  fmt::print("\nMost novel proofs (novelty = C(x|L) / C(x), highest first)\n");
  fmt::print("{:<32} {:>10} {:>9} {:>8} {:>8} {:>8}\n", "task", "attempt", "C(x)", "C(x|L)",
             "shared", "novelty");
  for (size_t i = 0; i < limit(proofs_sorted.size()); ++i) {
    const auto& m = proofs_sorted[i];
    fmt::print("{:<32} {:>10} {:>9} {:>8} {:>8} {:>8.3f}\n", name_of(m).substr(0, 32),
               attempt_key(m.run_id, m.line), m.c, m.c_given_library, m.shared, m.novelty);
  }
  std::vector<store::DeclarationMetricsRecord> decls;
  for (const auto& d : c.declarations) {
    if (d.reuse > 0) decls.push_back(d);
  }
  std::stable_sort(decls.begin(), decls.end(),
                   [](const auto& a, const auto& b) { return a.reuse > b.reuse; });
  fmt::print("\nMost reused declarations\n");
  fmt::print("{:<40} {:>6} {:>7} {:>10}\n", "declaration", "reuse", "method", "MDL gain");
  for (size_t i = 0; i < limit(decls.size()); ++i) {
    const auto& d = decls[i];
    fmt::print("{:<40} {:>6} {:>7} {:>10}\n", d.name.substr(0, 40), d.reuse, d.method,
               d.mdl_gain ? std::to_string(*d.mdl_gain) : "-");
  }
  if (decls.empty()) fmt::print("(no declaration is used by a verified proof)\n");
  std::vector<store::DeclarationMetricsRecord> gains;
  for (const auto& d : c.declarations) {
    if (d.mdl_gain && d.reuse > 0) gains.push_back(d);
  }
  std::stable_sort(gains.begin(), gains.end(),
                   [](const auto& a, const auto& b) { return *a.mdl_gain > *b.mdl_gain; });
  fmt::print("\nHighest MDL gain (bytes the library saves by having the declaration)\n");
  fmt::print("{:<40} {:>6} {:>10}\n", "declaration", "reuse", "MDL gain");
  for (size_t i = 0; i < limit(gains.size()); ++i) {
    fmt::print("{:<40} {:>6} {:>10}\n", gains[i].name.substr(0, 40), gains[i].reuse,
               *gains[i].mdl_gain);
  }
  if (gains.empty()) fmt::print("(no declaration with a known proof is used by a proof)\n");
  auto tasks = c.tasks;
  std::vector<store::TaskMetricsRecord> diverse;
  for (const auto& t : tasks) {
    if (t.diversity) diverse.push_back(t);
  }
  std::stable_sort(diverse.begin(), diverse.end(),
                   [](const auto& a, const auto& b) { return *a.diversity > *b.diversity; });
  fmt::print("\nMost diverse tasks (mean pairwise NCD of their verified proofs)\n");
  fmt::print("{:<40} {:>6} {:>10}\n", "task", "proofs", "diversity");
  for (size_t i = 0; i < limit(diverse.size()); ++i) {
    fmt::print("{:<40} {:>6} {:>10.3f}\n", task_names[diverse[i].task_id].substr(0, 40),
               diverse[i].proofs, *diverse[i].diversity);
  }
  if (diverse.empty()) fmt::print("(no task has two verified proofs)\n");
}

void print_json(const Computed& c, const std::vector<store::VerifiedProof>& proofs) {
  std::map<std::pair<int64_t, int64_t>, const store::VerifiedProof*> by_attempt;
  std::map<std::string, std::string> task_names;
  for (const auto& p : proofs) {
    by_attempt[{p.run_id, p.line}] = &p;
    task_names[p.task_id] = p.task_name;
  }
  auto dump = [](const ojson& j) {
    fmt::print("{}\n", j.dump(-1, ' ', false, ojson::error_handler_t::replace));
  };
  for (const auto& m : c.proofs) {
    const auto* p = by_attempt.at({m.run_id, m.line});
    dump({{"attempt", attempt_key(m.run_id, m.line)}, {"run_id", m.run_id}, {"line", m.line},
          {"task", p->task_name}, {"task_id", p->task_id}, {"bytes", m.bytes},
          {"tactics", m.tactics}, {"c", m.c}, {"c_given_library", m.c_given_library},
          {"shared", m.shared}, {"novelty", m.novelty}, {"fold", m.fold}});
  }
  for (const auto& t : c.tasks) {
    dump({{"task", task_names[t.task_id]}, {"task_id", t.task_id}, {"proofs", t.proofs},
          {"diversity", t.diversity ? ojson(*t.diversity) : ojson(nullptr)}});
  }
  for (const auto& d : c.declarations) {
    dump({{"declaration", d.name}, {"reuse", d.reuse}, {"method", d.method},
          {"mdl_gain", d.mdl_gain ? ojson(*d.mdl_gain) : ojson(nullptr)},
          {"c", d.c ? ojson(*d.c) : ojson(nullptr)}, {"declared_in", d.declared_in}});
  }
}

int metrics_command(const MetricsSettings& s) {
  if (s.format != "table" && s.format != "json") {
    throw UsageError(fmt::format("--format {}: expected table or json", s.format));
  }
  store::Store db = store::Store::open(
      s.db, store::OpenMode::existing,
      "harness metrics reads an existing store; create one with score or search");
  auto run_id = resolve_run(db, s.run);
  std::string scope = store::metrics_scope(run_id);
  auto proofs = db.verified_proofs(run_id);
  auto docs = proof_docs(proofs);
  metrics::MetricsOptions options;
  options.threads = std::max(1, s.threads);
  Computed computed;
  auto latest = db.latest_metrics(scope);
  std::string print = fingerprint(docs, options);
  if (latest && !s.recompute &&
      json::parse(latest->params_json, nullptr, false).value("fingerprint", "") == print) {
    computed.id = latest->id;
    computed.proofs = db.proof_metrics(latest->id);
    computed.tasks = db.task_metrics(latest->id);
    computed.declarations = db.declaration_metrics(latest->id);
    computed.reused = true;
  } else if (!docs.empty()) {
    computed = compute_and_record(db, scope, docs, known_declarations(proofs, docs), options);
  }
  if (s.format == "json") {
    print_json(computed, proofs);
  } else if (docs.empty()) {
    fmt::print("no verified proof in {}{}\n", s.db, run_id ? fmt::format(" for run {}", *run_id) : "");
  } else {
    print_tables(computed, proofs, s.top);
  }
  return kExitOk;
}

}  // namespace

int run_metrics(const MetricsSettings& settings) {
  return run_command("metrics", [&] { return metrics_command(settings); });
}

}  // namespace harness
