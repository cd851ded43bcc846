// metrics_bench: speed of the proof compression metrics (metrics/) and their table on
// real proofs, run by hand. Prints markdown (metrics/README.md keeps the results):
//  1. speed at N proofs (default 10,000) of a synthetic corpus of realistic shape: the
//     proofs of minif2f_valid_few_shot.jsonl with hypotheses and variables renamed at random,
//     their comments kept or dropped, and 0-3 tactic lines of the tests' vocabulary
//     (tests/metrics/corpus.hpp) inserted; 4 proofs per task. Reports the time to train the
//     fold dictionaries, MB/s of C(x), of C(x | L) with a trained dictionary, of the tactic
//     count, and the whole compute_metrics with 1 and 2 threads;
//  2. the metrics of the real proofs of minif2f_valid_few_shot.jsonl: most compressible and
//     most novel proofs, most reused names.
//
// Usage: metrics_bench [--quick] [--section 1|2] [--proofs N] [--dataset PATH]
// --quick: 1,000 proofs. Exit status 64 on bad usage, 66 when the dataset cannot be read.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/lean_lexer.hpp"
#include "metrics/lean_text.hpp"
#include "metrics/metrics.hpp"
#include "tests/metrics/corpus.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using Seconds = std::chrono::duration<double>;

constexpr const char* kUsage =
    "usage: metrics_bench [--quick] [--section 1|2] [--proofs N] [--dataset PATH]\n";

struct Config {
  std::size_t proofs = 10000;
  int section = 0;
  std::string dataset =
      std::string(HARNESS_SOURCE_DIR) + "/../shared/datasets/minif2f_valid_few_shot.jsonl";
};

[[noreturn]] void usage_exit(int status) {
  fmt::print(status == 0 ? stdout : stderr, "{}", kUsage);
  std::exit(status);
}

Config parse_args(int argc, char** argv) {
  Config c;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") usage_exit(0);
    if (arg == "--quick") {
      c.proofs = 1000;
    } else if (arg == "--section" && i + 1 < argc) {
      c.section = std::atoi(argv[++i]);
      if (c.section != 1 && c.section != 2) usage_exit(64);
    } else if (arg == "--proofs" && i + 1 < argc) {
      const long n = std::atol(argv[++i]);
      if (n < 8) usage_exit(64);
      c.proofs = static_cast<std::size_t>(n);
    } else if (arg == "--dataset" && i + 1 < argc) {
      c.dataset = argv[++i];
    } else {
      usage_exit(64);
    }
  }
  return c;
}

struct Row {
  std::string name;
  std::string proof;
};

std::vector<Row> read_dataset(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    fmt::print(stderr, "metrics_bench: cannot read {}\n", path);
    std::exit(66);
  }
  std::vector<Row> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const nlohmann::json j = nlohmann::json::parse(line);
    rows.push_back({j.at("name").get<std::string>(), j.at("formal_proof").get<std::string>()});
  }
  return rows;
}

// A variant of a real proof: hypotheses (h₀, h1, hx...) and one-letter variables renamed at
// random, comments kept with probability 1/2, and 0-3 generated tactic lines inserted between
// its lines at the indentation of the line they precede.
std::string variant(const std::string& base, metrics_test::Rng& rng) {
  std::map<std::string, std::string> renames;
  const bool keep_comments = rng.below(2) == 0;
  std::string out;
  for (const common::Token& t : common::lex(base, common::Whitespace::keep)) {
    if (common::is_comment(t.kind)) {
      if (keep_comments) out += t.text;
      continue;
    }
    if (t.kind == common::TokenKind::identifier) {
      const std::string name(t.text);
      const bool hypothesis =
          name.size() >= 2 && name[0] == 'h' && name.find('.') == std::string::npos;
      const bool variable = name.size() == 1 && name[0] >= 'a' && name[0] <= 'z';
      if (hypothesis || variable) {
        auto it = renames.find(name);
        if (it == renames.end()) {
          it = renames.emplace(name, metrics_test::variable(rng) + std::to_string(rng.below(10)))
                   .first;
        }
        out += it->second;
        continue;
      }
    }
    out += t.text;
  }
  // Insert generated lines before random lines (not the first).
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= out.size()) {
    const std::size_t nl = out.find('\n', start);
    lines.push_back(out.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  const std::size_t inserts = rng.below(4);
  for (std::size_t k = 0; k < inserts && lines.size() > 1; ++k) {
    const std::size_t pos = 1 + rng.below(lines.size() - 1);
    const std::string& next = lines[pos];
    const std::size_t indent = std::min(next.find_first_not_of(' '), next.size());
    lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(pos),
                 std::string(indent == 0 ? 2 : indent, ' ') + metrics_test::tactic(rng));
  }
  std::string joined;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) joined += '\n';
    joined += lines[i];
  }
  return joined;
}

std::vector<metrics::ProofDoc> synthetic_corpus(const std::vector<Row>& rows, std::size_t n) {
  metrics_test::Rng rng(20261128);
  std::vector<metrics::ProofDoc> proofs;
  proofs.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t task = i / 4;
    metrics::ProofDoc d;
    d.key = std::to_string(i);
    d.task_id = "synthetic-" + std::to_string(task);
    d.task_name = d.task_id;
    // The proofs of one task start from the same real proof.
    d.text = variant(rows[(task * 7919) % rows.size()].proof, rng);
    proofs.push_back(std::move(d));
  }
  return proofs;
}

double mb(std::size_t bytes) {
  return static_cast<double>(bytes) / 1e6;
}

void speed(const Config& config, const std::vector<Row>& rows) {
  const std::vector<metrics::ProofDoc> proofs = synthetic_corpus(rows, config.proofs);
  std::size_t bytes = 0;
  for (const auto& p : proofs) bytes += p.text.size();
  const metrics::MetricsOptions options;
  fmt::print(
      "## Speed: {} synthetic proofs, {:.2f} MB ({:.0f} bytes per proof), level {}, "
      "{} KiB dictionaries, {} folds\n\n",
      proofs.size(), mb(bytes), static_cast<double>(bytes) / static_cast<double>(proofs.size()),
      options.level, options.dictionary_bytes / 1024, options.folds);

  // Dictionaries, one per fold, as compute_metrics trains them.
  const metrics::FoldPlan plan = metrics::plan_folds(proofs, options.folds);
  std::vector<metrics::Dictionary> dictionaries;
  std::vector<double> train_seconds;
  std::size_t trained_bytes = 0;
  for (int f = 0; f < plan.folds; ++f) {
    std::vector<std::string_view> samples;
    for (std::size_t i = 0; i < proofs.size(); ++i) {
      if (plan.proof_fold[i] != f) samples.push_back(proofs[i].text);
    }
    const auto t0 = Clock::now();
    metrics::TrainingOptions training;
    training.dictionary_bytes = options.dictionary_bytes;
    metrics::TrainedDictionary t = metrics::train_dictionary(samples, training);
    train_seconds.push_back(Seconds(Clock::now() - t0).count());
    trained_bytes += t.sample_bytes;
    metrics::Dictionary d;
    d.fold = f;
    d.kind = t.kind;
    d.bytes = std::move(t.bytes);
    d.samples = t.samples;
    dictionaries.push_back(std::move(d));
  }
  double train_total = 0;
  for (double s : train_seconds) train_total += s;

  fmt::print("| step | input | seconds | MB/s | per proof |\n|---|---:|---:|---:|---:|\n");
  fmt::print("| train {} dictionaries ({}) | {:.1f} MB of samples | {:.2f} | {:.1f} | |\n",
             dictionaries.size(), dictionaries[0].kind, mb(trained_bytes), train_total,
             mb(trained_bytes) / train_total);

  auto timed_over = [&](const std::string& label, std::size_t count, auto&& fn) {
    std::size_t input = 0;
    for (std::size_t i = 0; i < count; ++i) input += proofs[i].text.size();
    const auto t0 = Clock::now();
    int64_t sink = fn();
    const double s = Seconds(Clock::now() - t0).count();
    fmt::print("| {} | {:.2f} MB | {:.3f} | {:.2f} | {:.1f} µs |\n", label, mb(input), s,
               mb(input) / s, s * 1e6 / static_cast<double>(count));
    return sink;
  };
  auto timed = [&](const std::string& label, auto&& fn) {
    return timed_over(label, proofs.size(), fn);
  };
  const int64_t sum_c = timed("C(x)", [&] {
    metrics::Compressor c(options.level);
    int64_t total = 0;
    for (const auto& p : proofs) total += c.size(p.text);
    return total;
  });
  const int64_t sum_given = timed("C(x \\| L), fold dictionary", [&] {
    std::vector<metrics::Compressor> cs;
    for (const auto& d : dictionaries) cs.emplace_back(options.level, d);
    int64_t total = 0;
    for (std::size_t i = 0; i < proofs.size(); ++i) {
      total += cs[static_cast<std::size_t>(plan.proof_fold[i])].size(proofs[i].text);
    }
    return total;
  });
  timed("tactic count", [&] {
    int64_t total = 0;
    for (const auto& p : proofs) total += metrics::count_tactics(p.text);
    return total;
  });
  const std::size_t sampled = std::min<std::size_t>(proofs.size(), 1000);
  timed_over(fmt::format("measure_proof, dictionary loaded per proof ({} proofs)", sampled),
             sampled, [&] {
               int64_t total = 0;
               for (std::size_t i = 0; i < sampled; ++i) {
                 total += metrics::measure_proof(
                              proofs[i], dictionaries[static_cast<std::size_t>(plan.proof_fold[i])],
                              options.level)
                              .c_given_library;
               }
               return total;
             });
  timed("ProofMeter::measure (dictionaries loaded once)", [&] {
    metrics::ProofMeter meter(dictionaries, options.level);
    int64_t total = 0;
    for (std::size_t i = 0; i < proofs.size(); ++i) {
      total += meter.measure(proofs[i], plan.proof_fold[i]).c_given_library;
    }
    return total;
  });
  fmt::print("\n");
  fmt::print("Σ bytes {} · Σ C(x) {} · Σ C(x | L) {} · mean novelty {:.3f}\n\n", bytes, sum_c,
             sum_given, static_cast<double>(sum_given) / static_cast<double>(sum_c));

  fmt::print(
      "| compute_metrics (everything: dictionaries, per proof, diversity, names) | threads "
      "| seconds |\n|---|---:|---:|\n");
  // The names Lean would report: every name of the tests' vocabulary.
  std::vector<metrics::KnownDeclaration> names;
  for (const std::string& n : metrics_test::lemma_names()) names.push_back({n, "", "", {}});
  for (int threads : {1, 2}) {
    metrics::MetricsOptions o = options;
    o.threads = threads;
    const auto t0 = Clock::now();
    const metrics::LibraryMetrics m = metrics::compute_metrics(proofs, names, o);
    fmt::print("| {} proofs, {} tasks, {} names | {} | {:.2f} |\n", m.proofs.size(), m.tasks.size(),
               m.declarations.size(), threads, Seconds(Clock::now() - t0).count());
  }
  fmt::print("\n");
}

// Names a proof text mentions that look like library lemmas: identifiers with a `.` or `_`
// that are not hypotheses (h, h₀, h1, hx...) nor in tactic position (first on their line, or
// after `·`, `;`, `<;>`, `by`, `(`, `all_goals`, `try`...). The bench's stand-in for Lean's
// constant lists.
std::vector<metrics::KnownDeclaration> candidate_names(
    const std::vector<metrics::ProofDoc>& proofs) {
  static const std::set<std::string_view> kBeforeTactic = {
      "\u00B7",    ".",         ";",   "<;>",    "by",    "(",
      "all_goals", "any_goals", "try", "repeat", "first", "<|>"};
  std::set<std::string> seen;
  std::vector<metrics::KnownDeclaration> out;
  for (const auto& p : proofs) {
    std::optional<common::Token> previous;
    for (const common::Token& t : common::lex(p.text)) {
      if (common::is_comment(t.kind)) continue;
      const bool tactic_position =
          !previous || previous->line != t.line || kBeforeTactic.count(previous->text) != 0;
      previous = t;
      if (t.kind != common::TokenKind::identifier || tactic_position) continue;
      std::string name(t.text);
      if (name.find('.') == std::string::npos && name.find('_') == std::string::npos) continue;
      if (name[0] == 'h' && name.find('.') == std::string::npos) continue;
      if (name == "_") continue;
      // `foo.mp`, `foo.le`...: the constant is the prefix.
      for (const char* suffix :
           {".mp", ".mpr", ".symm", ".le", ".1", ".2", ".trans", ".ne'", ".ne"}) {
        const std::string s(suffix);
        if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
          name.resize(name.size() - s.size());
        }
      }
      if (seen.insert(name).second) out.push_back({name, "", "", {}});
    }
  }
  return out;
}

std::string cell(std::string s) {
  std::string out;
  for (char c : s) out += c == '|' ? '/' : c;
  return out;
}

void real_table(const std::vector<Row>& rows) {
  std::vector<metrics::ProofDoc> proofs;
  std::map<std::string, std::string> text_of;
  for (const Row& r : rows) {
    metrics::ProofDoc d;
    d.key = r.name;
    d.task_id = r.name;
    d.task_name = r.name;
    d.text = r.proof;
    text_of[r.name] = r.proof;
    proofs.push_back(std::move(d));
  }
  const std::vector<metrics::KnownDeclaration> names = candidate_names(proofs);
  const metrics::MetricsOptions options;
  const auto t0 = Clock::now();
  const metrics::LibraryMetrics m = metrics::compute_metrics(proofs, names, options);
  const double seconds = Seconds(Clock::now() - t0).count();
  std::size_t bytes = 0;
  int64_t c = 0;
  int64_t given = 0;
  int64_t tactics = 0;
  for (const auto& p : m.proofs) {
    bytes += static_cast<std::size_t>(p.bytes);
    c += p.c;
    given += p.c_given_library;
    tactics += p.tactics;
  }
  std::map<std::string, int> kinds;
  for (const auto& d : m.dictionaries) ++kinds[d.kind];
  std::string kind_list;
  for (const auto& [k, n] : kinds)
    kind_list += fmt::format("{}{} × {}", kind_list.empty() ? "" : ", ", n, k);
  fmt::print(
      "## minif2f_valid_few_shot.jsonl: {} proofs (continuation texts, informal comments "
      "included), level {}, {} folds ({}), {:.2f} s\n\n",
      m.proofs.size(), options.level, m.folds, kind_list, seconds);
  fmt::print(
      "Σ bytes {} · Σ tactics {} · Σ C(x) {} · Σ C(x | L) {} · Σ shared {} · novelty of the "
      "whole {:.3f}\n\n",
      bytes, tactics, c, given, c - given, static_cast<double>(given) / static_cast<double>(c));

  std::vector<metrics::ProofDoc> code = proofs;
  for (auto& p : code) p.text = metrics::without_comments(p.text);
  const metrics::LibraryMetrics mc = metrics::compute_metrics(code, {}, options);
  {
    std::size_t code_bytes = 0;
    int64_t code_c = 0;
    int64_t code_given = 0;
    for (const auto& p : mc.proofs) {
      code_bytes += static_cast<std::size_t>(p.bytes);
      code_c += p.c;
      code_given += p.c_given_library;
    }
    std::map<std::string, int> code_kinds;
    for (const auto& d : mc.dictionaries) ++code_kinds[d.kind];
    std::string code_kind_list;
    for (const auto& [k, n] : code_kinds) {
      code_kind_list += fmt::format("{}{} × {}", code_kind_list.empty() ? "" : ", ", n, k);
    }
    fmt::print(
        "Comments removed (code only, {}): Σ bytes {} · Σ C(x) {} · Σ C(x | L) {} · "
        "Σ shared {} · novelty of the whole {:.3f}\n\n",
        code_kind_list, code_bytes, code_c, code_given, code_c - code_given,
        static_cast<double>(code_given) / static_cast<double>(code_c));
  }

  auto print_proofs = [&](const std::string& title, std::vector<metrics::ProofMetrics> list,
                          auto&& less, std::size_t rows = 10) {
    std::sort(list.begin(), list.end(), less);
    fmt::print(
        "### {}\n\n| proof | bytes | tactics | C(x) | C(x \\| L) | shared | novelty | "
        "C(x \\| L)/byte |\n|---|---:|---:|---:|---:|---:|---:|---:|\n",
        title);
    for (std::size_t i = 0; i < std::min<std::size_t>(rows, list.size()); ++i) {
      const auto& p = list[i];
      fmt::print("| {} | {} | {} | {} | {} | {} | {:.3f} | {:.3f} |\n", p.key, p.bytes, p.tactics,
                 p.c, p.c_given_library, p.shared, p.novelty,
                 static_cast<double>(p.c_given_library) /
                     static_cast<double>(std::max<int64_t>(1, p.bytes)));
    }
    fmt::print("\n");
  };
  auto per_byte = [](const metrics::ProofMetrics& p) {
    return static_cast<double>(p.c_given_library) /
           static_cast<double>(std::max<int64_t>(1, p.bytes));
  };
  print_proofs("Most compressible (smallest C(x | L) per byte)", m.proofs,
               [&](const auto& a, const auto& b) {
                 return per_byte(a) != per_byte(b) ? per_byte(a) < per_byte(b) : a.key < b.key;
               });
  print_proofs("Most novel (largest C(x | L) / C(x))", m.proofs, [](const auto& a, const auto& b) {
    return a.novelty != b.novelty ? a.novelty > b.novelty : a.key < b.key;
  });
  print_proofs("Least novel (most shared with the rest)", m.proofs,
               [](const auto& a, const auto& b) {
                 return a.novelty != b.novelty ? a.novelty < b.novelty : a.key < b.key;
               });

  print_proofs(
      "Code only (comments removed): most novel", mc.proofs,
      [](const auto& a, const auto& b) {
        return a.novelty != b.novelty ? a.novelty > b.novelty : a.key < b.key;
      },
      6);
  print_proofs(
      "Code only (comments removed): least novel", mc.proofs,
      [](const auto& a, const auto& b) {
        return a.novelty != b.novelty ? a.novelty < b.novelty : a.key < b.key;
      },
      6);

  std::vector<metrics::DeclarationMetrics> decls = m.declarations;
  std::sort(decls.begin(), decls.end(), [](const auto& a, const auto& b) {
    return a.reuse != b.reuse ? a.reuse > b.reuse : a.name < b.name;
  });
  fmt::print(
      "### Most reused names ({} candidate names: identifiers with `.` or `_`, not "
      "hypotheses, not in tactic position)\n\n| name | reuse | method |\n|---|---:|---|\n",
      decls.size());
  for (std::size_t i = 0; i < std::min<std::size_t>(12, decls.size()); ++i) {
    fmt::print("| `{}` | {} | {} |\n", cell(decls[i].name), decls[i].reuse, decls[i].method);
  }
  fmt::print("\n");
}

}  // namespace

int main(int argc, char** argv) {
  const Config config = parse_args(argc, argv);
  const std::vector<Row> rows = read_dataset(config.dataset);
  if (rows.empty()) {
    fmt::print(stderr, "metrics_bench: {} has no proofs\n", config.dataset);
    return 66;
  }
  fmt::print("zstd {} · {} hardware threads\n\n", metrics::zstd_version(),
             std::thread::hardware_concurrency());
  if (config.section == 0 || config.section == 1) speed(config, rows);
  if (config.section == 0 || config.section == 2) real_table(rows);
  return 0;
}
