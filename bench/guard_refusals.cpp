// guard_refusals: how many honest, verified proofs the guard refuses, and why. It reads proofs
// (JSONL lines or whole .lean files), puts each under its task's header exactly as
// harness::assemble does (GuardMode::whole_file for a whole file, GuardMode::proof_body for a
// continuation) and prints the refusal table. docs/guard.md ("False refusals") has the figures
// and where the proofs came from.
//
//   guard_refusals [--dataset TASKS.jsonl]... [--header-file FILE] [--examples N] PROOFS...
//
// PROOFS are .lean files (a whole file each) or JSONL files whose lines hold one proof field:
// full_proof, code, correct_proof (a whole file) or proof, formal_proof (a continuation). A
// proof's task header is the line's own `header`, else the header of the dataset task of the
// same name (`name`, else the theorem the file declares that a dataset knows), else
// --header-file, else miniF2F's header.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "common/lean_lexer.hpp"
#include "lean-bridge/guard.hpp"

namespace fs = std::filesystem;
using lean_bridge::GuardMode;

namespace {

constexpr std::string_view kMiniF2FHeader =
    "import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 0\n\n"
    "open BigOperators Real Nat Topology Rat\n\n";

struct Proof {
  std::string source;  // FILE or FILE:LINE
  std::string name;    // the task's name, "" if unknown
  std::string text;
  GuardMode mode;
  std::optional<std::string> header;  // the line's own
};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The names the text declares with `theorem`/`lemma`, in order.
std::vector<std::string> declared_theorems(std::string_view text) {
  std::vector<std::string> names;
  auto tokens = common::lex(text);
  for (size_t i = 0; i + 1 < tokens.size(); ++i) {
    if (tokens[i].kind == common::TokenKind::keyword &&
        (tokens[i].text == "theorem" || tokens[i].text == "lemma") &&
        tokens[i + 1].kind == common::TokenKind::identifier) {
      names.emplace_back(tokens[i + 1].text);
    }
  }
  return names;
}

void read_jsonl(const fs::path& path, std::vector<Proof>& out) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto json = nlohmann::json::parse(line);
    Proof p{fmt::format("{}:{}", path.string(), number), "", "", GuardMode::whole_file, {}};
    struct Field {
      const char* key;
      GuardMode mode;
    };
    bool found = false;
    for (const Field& field :
         {Field{"full_proof", GuardMode::whole_file}, Field{"code", GuardMode::whole_file},
          Field{"correct_proof", GuardMode::whole_file}, Field{"proof", GuardMode::proof_body},
          Field{"formal_proof", GuardMode::proof_body}}) {
      if (!json.contains(field.key) || !json[field.key].is_string()) continue;
      p.text = json[field.key];
      p.mode = field.mode;
      found = true;
      break;
    }
    if (!found) throw std::runtime_error(p.source + ": no proof field");
    if (json.contains("name") && json["name"].is_string()) p.name = json["name"];
    if (json.contains("header") && json["header"].is_string()) {
      p.header = json["header"].get<std::string>();
    }
    out.push_back(std::move(p));
  }
}

struct Dataset {
  std::map<std::string, std::string> header_by_name;
};

void read_dataset(const fs::path& path, Dataset& dataset) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    auto json = nlohmann::json::parse(line);
    if (json.contains("name") && json.contains("header")) {
      dataset.header_by_name.emplace(json["name"].get<std::string>(), json["header"]);
    }
  }
}

struct Tally {
  size_t count = 0;
  std::vector<std::string> examples;  // "SOURCE: line L, column C: `construct`"
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  Dataset dataset;
  std::string default_header(kMiniF2FHeader);
  size_t max_examples = 3;
  std::vector<Proof> proofs;
  try {
    for (size_t i = 0; i < args.size(); ++i) {
      if (args[i] == "--dataset" && i + 1 < args.size()) {
        read_dataset(args[++i], dataset);
      } else if (args[i] == "--header-file" && i + 1 < args.size()) {
        default_header = read_file(args[++i]);
      } else if (args[i] == "--examples" && i + 1 < args.size()) {
        max_examples = std::stoul(args[++i]);
      } else if (args[i].starts_with("--")) {
        fmt::print(stderr,
                   "usage: guard_refusals [--dataset TASKS.jsonl]... [--header-file FILE] "
                   "[--examples N] PROOFS.jsonl|FILE.lean...\n");
        return 2;
      } else if (fs::path(args[i]).extension() == ".jsonl") {
        read_jsonl(args[i], proofs);
      } else {
        proofs.push_back(Proof{args[i], "", read_file(args[i]), GuardMode::whole_file, {}});
      }
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "guard_refusals: {}\n", e.what());
    return 2;
  }
  if (proofs.empty()) {
    fmt::print(stderr, "guard_refusals: no proofs given\n");
    return 2;
  }

  const auto guard = lean_bridge::Guard::with_default_rules();
  std::map<std::string, Tally> by_rule;
  size_t refused = 0, without_task = 0;
  for (const Proof& p : proofs) {
    std::string name = p.name;
    if (name.empty()) {
      for (const auto& declared : declared_theorems(p.text)) {
        if (dataset.header_by_name.count(declared)) name = declared;
      }
    }
    std::string header = default_header;
    if (p.header) {
      header = *p.header;
    } else if (auto it = dataset.header_by_name.find(name); it != dataset.header_by_name.end()) {
      header = it->second;
    } else {
      ++without_task;
    }
    auto finding = guard.check(p.text, p.mode, header);
    if (!finding) continue;
    ++refused;
    Tally& tally = by_rule[finding->rule];
    ++tally.count;
    if (tally.examples.size() < max_examples) {
      tally.examples.push_back(fmt::format("{}: line {}, column {}: `{}`", p.source, finding->line,
                                           finding->column, finding->construct));
    }
  }

  auto percent = [&](size_t n) { return 100.0 * static_cast<double>(n) / proofs.size(); };
  fmt::print("guard {}\n", guard.version());
  fmt::print("proofs scanned: {} ({} without a dataset task: scanned under the default header)\n",
             proofs.size(), without_task);
  fmt::print("refused: {} ({:.1f}%)\n\n", refused, percent(refused));
  if (by_rule.empty()) return 0;
  fmt::print("| rule | refused | share of proofs | examples |\n|---|---:|---:|---|\n");
  for (const auto& [rule, tally] : by_rule) {
    std::string examples;
    for (const auto& e : tally.examples) examples += (examples.empty() ? "" : "<br>") + e;
    fmt::print("| `{}` | {} | {:.1f}% | {} |\n", rule, tally.count, percent(tally.count), examples);
  }
  return 0;
}
