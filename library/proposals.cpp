#include "library/proposals.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <variant>

#include "common/lean_lexer.hpp"
#include "common/text.hpp"
#include "library/goal.hpp"

namespace library {
namespace {

// The answer without a leading thinking part (policy/remote/README.md, "Extraction").
std::string_view without_think(std::string_view answer) {
  auto close = answer.find("</think>");
  if (close != std::string_view::npos) return answer.substr(close + 8);
  if (common::trim_start(answer).rfind("<think>", 0) == 0) return {};
  return answer;
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return out;
}

// The contents of the closed code blocks in Lean (lean, lean4, or no language).
std::vector<std::string> lean_blocks(std::string_view answer) {
  std::vector<std::string> out;
  bool inside = false;  // in a code block
  bool lean = false;    // ...whose language is Lean's, read into `code`
  std::string code;
  for (std::string_view line : common::lines(without_think(answer))) {
    std::string_view t = common::trim_start(line);
    if (t.rfind("```", 0) == 0) {
      if (inside) {
        if (lean) out.push_back(std::move(code));
        code.clear();
        inside = lean = false;
      } else {
        std::string language = lowercase(common::trim(t.substr(3)));
        inside = true;
        lean = language.empty() || language == "lean" || language == "lean4";
      }
      continue;
    }
    if (lean) code += std::string(line) + "\n";
  }
  return out;  // an unclosed block is not read
}

const std::set<std::string> kDeclarationWords = {
    "theorem", "lemma", "def", "example", "instance", "abbrev", "structure", "inductive",
    "class", "axiom", "opaque", "private", "protected", "noncomputable"};

bool starts_declaration(std::string_view line) {
  if (line.rfind("@[", 0) == 0) return true;
  auto end = line.find_first_of(" \t(:");
  return kDeclarationWords.count(std::string(line.substr(0, end))) > 0;
}

// The declarations of a block: each from its first line over the indented and blank lines.
std::vector<std::string> declarations(std::string_view block) {
  std::vector<std::string> out;
  bool open = false;  // a declaration is being read, into `current`
  std::string current;
  auto close = [&] {
    if (open) out.emplace_back(common::trim_end(current));
    open = false;
    current.clear();
  };
  for (std::string_view line : common::lines(block)) {
    bool indented = !line.empty() && (line[0] == ' ' || line[0] == '\t');
    bool blank = common::trim(line).empty();
    if (!indented && !blank) {
      close();
      open = starts_declaration(line);
      if (open) current = std::string(line) + "\n";
      continue;
    }
    if (open) current += std::string(line) + "\n";
  }
  close();
  return out;
}

Rejection rejection(std::string name, std::string reason) {
  Rejection r;
  r.name = std::move(name);
  r.origin = "remote";
  r.reason = std::move(reason);
  return r;
}

// The binders in the order find_candidates gives a lifted statement's (library/candidates.cpp,
// context_for), so that a model's lemma with its binders in another order has the same key: by
// the first use of each in the type (those it does not use after, in the given order), a binder
// never before one its own type names.
void order_binders(Statement& statement) {
  std::vector<Binder> given = std::move(statement.binders);
  statement.binders.clear();
  std::vector<std::string> in_type = identifiers(statement.type);
  auto rank = [&](std::size_t i) {
    auto at = std::find(in_type.begin(), in_type.end(), given[i].name);
    return at != in_type.end() ? static_cast<std::size_t>(at - in_type.begin()) : in_type.size() + i;
  };
  std::vector<std::size_t> left(given.size());
  for (std::size_t i = 0; i < given.size(); ++i) left[i] = i;
  std::set<std::string> placed;
  while (!left.empty()) {
    std::optional<std::size_t> best;
    for (std::size_t k = 0; k < left.size(); ++k) {
      bool ready = true;
      for (const auto& name : identifiers(given[left[k]].type)) {
        for (std::size_t j : left) {
          if (j != left[k] && given[j].name == name && placed.count(name) == 0) ready = false;
        }
      }
      if (ready && (!best || rank(left[k]) < rank(left[*best]))) best = k;
    }
    if (!best) best = 0;
    placed.insert(given[left[*best]].name);
    statement.binders.push_back(std::move(given[left[*best]]));
    left.erase(left.begin() + static_cast<std::ptrdiff_t>(*best));
  }
}

constexpr std::string_view kForm = "`theorem NAME (x : T) ... : TYPE := PROOF`";

// One declaration as a lemma, or why not.
std::variant<Lemma, Rejection> read_declaration(const std::string& text, const std::string& header) {
  std::vector<common::Token> tokens;
  for (const auto& t : common::lex(text)) {
    if (t.kind == common::TokenKind::line_comment || t.kind == common::TokenKind::block_comment ||
        t.kind == common::TokenKind::doc_comment) {
      continue;
    }
    tokens.push_back(t);
  }
  std::string given = tokens.size() > 1 && tokens[1].kind == common::TokenKind::identifier
                          ? std::string(tokens[1].text)
                          : "";
  if (tokens.empty() || (tokens[0].text != "theorem" && tokens[0].text != "lemma")) {
    std::string first = tokens.empty() ? "" : std::string(tokens[0].text);
    return rejection(given, "not a theorem (" + first + "): a lemma is " + std::string(kForm));
  }
  int depth = 0;
  std::optional<std::size_t> assign;
  for (const auto& t : tokens) {
    std::string_view s = t.text;
    if (s == "(" || s == "[" || s == "{" || s == "⟨" || s == "⦃") ++depth;
    if (s == ")" || s == "]" || s == "}" || s == "⟩" || s == "⦄") --depth;
    if (depth == 0 && s == ":=") {
      assign = t.offset;
      break;
    }
  }
  if (!assign) return rejection(given, "no `:= PROOF`: a lemma is " + std::string(kForm));
  std::string statement = text.substr(0, *assign);
  if (tokens[0].text == "lemma") statement = "theorem" + statement.substr(tokens[0].offset + 5);
  auto parsed = parse_statement(statement);
  if (!parsed) {
    return rejection(given, "the statement does not read as " + std::string(kForm) +
                                " with explicit binders only");
  }
  std::string proof(common::trim(std::string_view(text).substr(*assign + 2)));
  if (proof.empty()) return rejection(given, "empty proof");
  Lemma lemma;
  lemma.header = header;
  lemma.statement = std::move(parsed->statement);
  order_binders(lemma.statement);
  lemma.key = canonical_key(header, lemma.statement);
  lemma.name = lemma_name(lemma.key);
  lemma.proof = std::move(proof);
  lemma.origin = "remote";
  return lemma;
}

}  // namespace

PromptBatch prompt_batch(const std::vector<ProofTrace>& proofs, int max_proofs, int64_t max_bytes) {
  PromptBatch batch;
  std::map<std::string, int> count;
  std::vector<std::string> order;
  for (const auto& p : proofs) {
    if (count[p.header]++ == 0) order.push_back(p.header);
  }
  int best = 0;
  for (const auto& h : order) {
    if (count[h] > best) {
      best = count[h];
      batch.header = h;
    }
  }
  for (std::size_t i = 0; i < proofs.size(); ++i) {
    if (static_cast<int>(batch.proofs.size()) >= max_proofs) break;
    if (proofs[i].header != batch.header) continue;
    int64_t size = static_cast<int64_t>(proofs[i].checked_text().size());
    if (batch.bytes + size > max_bytes) continue;
    batch.proofs.push_back(i);
    batch.bytes += size;
  }
  return batch;
}

ReadProposals read_proposals(std::string_view answer, const std::string& header) {
  ReadProposals out;
  for (const std::string& block : lean_blocks(answer)) {
    ++out.blocks;
    auto found = declarations(block);
    if (found.empty() && !common::trim(block).empty()) {
      out.rejected.push_back(rejection("", "a Lean block with no theorem"));
    }
    for (const std::string& text : found) {
      ++out.declarations;
      auto read = read_declaration(text, header);
      if (auto* lemma = std::get_if<Lemma>(&read)) {
        out.lemmas.push_back(std::move(*lemma));
      } else {
        out.rejected.push_back(std::get<Rejection>(std::move(read)));
      }
    }
  }
  return out;
}

JoinOutcome join_proposals(std::vector<Candidate>& candidates, std::vector<Candidate> single_use,
                           const std::vector<Lemma>& proposed) {
  JoinOutcome out;
  std::map<std::string, std::size_t> by_key;
  for (std::size_t i = 0; i < candidates.size(); ++i) by_key.emplace(candidates[i].key, i);
  std::map<std::string, std::size_t> single_by_key;
  for (std::size_t i = 0; i < single_use.size(); ++i) single_by_key.emplace(single_use[i].key, i);
  for (const Lemma& lemma : proposed) {
    auto it = by_key.find(lemma.key);
    if (it == by_key.end()) {
      auto single = single_by_key.find(lemma.key);
      if (single == single_by_key.end()) {
        out.rejected.push_back({lemma.key, lemma.name, "remote", "no use in the proofs", 0, std::nullopt});
        continue;
      }
      candidates.push_back(std::move(single_use[single->second]));
      single_by_key.erase(single);
      it = by_key.emplace(lemma.key, candidates.size() - 1).first;
    }
    Candidate& c = candidates[it->second];
    std::string text = declaration_text(lemma);
    auto same = std::find_if(c.versions.begin(), c.versions.end(),
                             [&](const Lemma& v) { return declaration_text(v) == text; });
    if (same != c.versions.end()) {
      out.rejected.push_back({lemma.key, lemma.name, "remote",
                              same->origin == "remote" ? "proposed twice"
                                                       : "the same text as a version found in the proofs",
                              0, std::nullopt});
      continue;
    }
    Lemma version = lemma;
    if (!c.versions.empty()) {
      version.sources = c.versions.front().sources;
      version.derived_from = c.versions.front().derived_from;
    }
    c.versions.push_back(std::move(version));
    std::stable_sort(c.versions.begin(), c.versions.end(), [](const Lemma& a, const Lemma& b) {
      return declaration_text(a).size() < declaration_text(b).size();
    });
    ++out.joined;
  }
  return out;
}

}  // namespace library
