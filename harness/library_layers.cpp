#include "harness/library_layers.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>

#include "common/lean_lexer.hpp"
#include "common/tagged_hash.hpp"
#include "common/text.hpp"

namespace harness {
namespace {

// The `.`-separated components of an identifier token, «guillemets» removed.
std::vector<std::string_view> components(std::string_view identifier) {
  std::vector<std::string_view> out;
  size_t start = 0;
  bool quoted = false;
  for (size_t i = 0; i <= identifier.size(); ++i) {
    if (i < identifier.size() && identifier.compare(i, 2, "«") == 0) quoted = true;
    if (i < identifier.size() && identifier.compare(i, 2, "»") == 0) quoted = false;
    if (i == identifier.size() || (!quoted && identifier[i] == '.')) {
      std::string_view part = identifier.substr(start, i - start);
      if (part.starts_with("«") && part.ends_with("»") && part.size() >= 4) {
        part = part.substr(2, part.size() - 4);
      }
      out.push_back(part);
      start = i + 1;
    }
  }
  return out;
}

}  // namespace

std::string lemma_digest(std::string_view header, std::string_view statement,
                         std::string_view proof) {
  return common::TaggedHash("lemma-v1")
      .add("header", header)
      .add("statement", statement)
      .add("proof", proof)
      .hex();
}

std::optional<SplitDeclaration> split_declaration(std::string_view declaration) {
  int depth = 0;
  for (const auto& token : common::lex(declaration)) {
    if (token.kind != common::TokenKind::symbol) continue;
    if (token.text == "(" || token.text == "[" || token.text == "{" || token.text == "⦃" ||
        token.text == "⟨") {
      ++depth;
    } else if (token.text == ")" || token.text == "]" || token.text == "}" || token.text == "⦄" ||
               token.text == "⟩") {
      --depth;
    } else if (token.text == ":=" && depth == 0) {
      std::string_view statement = declaration.substr(0, token.offset);
      if (statement.ends_with(' ')) statement.remove_suffix(1);
      std::string_view proof = declaration.substr(token.offset + token.text.size());
      if (proof.starts_with(' ')) proof.remove_prefix(1);
      return SplitDeclaration{std::string(statement), std::string(proof)};
    }
  }
  return std::nullopt;
}

std::string library_version(const std::vector<std::string>& digests) {
  if (digests.empty()) return "";
  common::TaggedHash hash("library-v1");
  for (const auto& digest : digests) hash.add("lemma", digest);
  return hash.hex();
}

LibraryLayers::LibraryLayers(std::vector<LibraryEntry> lemmas) : m_lemmas(std::move(lemmas)) {
  std::vector<std::string> digests;
  std::map<std::string, std::vector<std::string>> header_digests;
  std::map<std::string, std::string> header_texts;
  for (auto& lemma : m_lemmas) {
    if (lemma.digest.empty()) {
      // Without a `:=` the declaration cannot elaborate (Lean refuses the layer); its digest is
      // still over its whole text, so that the version names it.
      auto split = split_declaration(lemma.declaration);
      lemma.digest = split ? lemma_digest(lemma.header, split->statement, split->proof)
                           : lemma_digest(lemma.header, lemma.declaration, "");
    }
    digests.push_back(lemma.digest);
    header_digests[lemma.header].push_back(lemma.digest);
    header_texts[lemma.header] += std::string(common::trim_end(lemma.declaration)) + "\n\n";
    for (const auto& task : lemma.derived_from) m_forbidden[task].push_back(lemma.name);
  }
  m_version = library_version(digests);
  for (auto& [header, text] : header_texts) {
    m_layers[header] =
        lean_bridge::LibraryLayer{library_version(header_digests[header]),
                                  std::make_shared<const std::string>(std::move(text))};
  }
  for (auto& [task, names] : m_forbidden) {
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
  }
}

lean_bridge::LibraryLayer LibraryLayers::layer(const std::string& task_header) const {
  auto it = m_layers.find(task_header);
  return it == m_layers.end() ? lean_bridge::LibraryLayer{} : it->second;
}

const std::vector<std::string>& LibraryLayers::forbidden(const std::string& task_id) const {
  static const std::vector<std::string> kNone;
  auto it = m_forbidden.find(task_id);
  return it == m_forbidden.end() ? kNone : it->second;
}

std::optional<std::string> LibraryLayers::names_forbidden(const std::string& task_id,
                                                          std::string_view text) const {
  const auto& names = forbidden(task_id);
  if (names.empty()) return std::nullopt;
  for (const auto& token : common::lex(text)) {
    if (token.kind != common::TokenKind::identifier) continue;
    for (std::string_view part : components(token.text)) {
      auto it = std::lower_bound(names.begin(), names.end(), part);
      if (it != names.end() && *it == part) return *it;
    }
  }
  return std::nullopt;
}

void apply_library(const LibraryLayers& library, const tasks::Candidate& candidate,
                   Assembly& assembly) {
  if (!assembly.early) {
    if (auto name = library.names_forbidden(candidate.task.id, candidate.proof)) {
      assembly.early =
          EarlyVerdict{lean_bridge::Verdict::rejected, lean_bridge::DecidedBy::guard, "",
                       fmt::format("library: {} is derived from this task", *name)};
    }
  }
  if (assembly.on_task_header) assembly.request.library = library.layer(candidate.task.header);
}

}  // namespace harness
