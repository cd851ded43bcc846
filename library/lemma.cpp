#include "library/lemma.hpp"

#include <fmt/format.h>

#include "common/lean_lexer.hpp"
#include "common/tagged_hash.hpp"
#include "library/goal.hpp"

namespace library {

std::string canonical_key(std::string_view header, const Statement& statement) {
  std::vector<std::pair<std::string, std::string>> renames;
  for (std::size_t i = 0; i < statement.binders.size(); ++i) {
    renames.emplace_back(statement.binders[i].name, fmt::format("_b{}", i));
  }
  common::TaggedHash hash("lemma-statement-v1");
  hash.add("header", header);
  for (const auto& binder : statement.binders) {
    hash.add("binder", collapse_space(rename_identifiers(binder.type, renames)));
  }
  hash.add("type", collapse_space(rename_identifiers(statement.type, renames)));
  return hash.hex();
}

std::string lemma_name(std::string_view key) {
  auto colon = key.find(':');
  std::string_view hex = colon == std::string_view::npos ? key : key.substr(colon + 1);
  return "lib_" + std::string(hex.substr(0, 12));
}

std::string binders_text(const Statement& statement) {
  std::string out;
  for (const auto& binder : statement.binders) {
    if (!out.empty()) out += ' ';
    out += fmt::format("({} : {})", binder.name, binder.type);
  }
  return out;
}

std::string statement_text(const Lemma& lemma) {
  std::string binders = binders_text(lemma.statement);
  return fmt::format("theorem {}{}{} : {}", lemma.name, binders.empty() ? "" : " ", binders,
                     lemma.statement.type);
}

std::string declaration_text(const Lemma& lemma) {
  return statement_text(lemma) + " :=" + (lemma.proof.rfind("\n", 0) == 0 ? "" : " ") + lemma.proof;
}

std::string lemma_digest(const Lemma& lemma) {
  common::TaggedHash hash("lemma-v1");
  hash.add("header", lemma.header);
  hash.add("statement", statement_text(lemma));
  hash.add("proof", lemma.proof);
  return hash.hex();
}

std::string library_version(const std::vector<Lemma>& lemmas) {
  if (lemmas.empty()) return "";
  common::TaggedHash hash("library-v1");
  for (const auto& lemma : lemmas) hash.add("lemma", lemma_digest(lemma));
  return hash.hex();
}

std::optional<ParsedStatement> parse_statement(std::string_view text) {
  auto tokens = common::lex(text);
  if (tokens.size() < 4 || tokens[0].text != "theorem" ||
      tokens[1].kind != common::TokenKind::identifier) {
    return std::nullopt;
  }
  ParsedStatement out;
  out.name = std::string(tokens[1].text);
  std::size_t i = 2;
  while (i < tokens.size() && tokens[i].text == "(") {
    std::size_t open = i;
    int depth = 0;
    std::size_t colon = 0;
    for (; i < tokens.size(); ++i) {
      if (tokens[i].text == "(") ++depth;
      if (tokens[i].text == ")" && --depth == 0) break;
      if (depth == 1 && tokens[i].text == ":" && colon == 0) colon = i;
    }
    if (i == tokens.size() || colon == 0) return std::nullopt;
    std::size_t type_begin = tokens[colon].offset + 1;
    std::string type = collapse_space(text.substr(type_begin, tokens[i].offset - type_begin));
    for (std::size_t n = open + 1; n < colon; ++n) {
      if (tokens[n].kind != common::TokenKind::identifier) return std::nullopt;
      out.statement.binders.push_back({std::string(tokens[n].text), type});
    }
    ++i;
  }
  if (i >= tokens.size() || tokens[i].text != ":") return std::nullopt;
  out.statement.type = collapse_space(text.substr(tokens[i].offset + 1));
  if (out.statement.type.empty()) return std::nullopt;
  return out;
}

std::string application(std::string_view name, const std::vector<std::string>& args) {
  std::string out(name);
  for (const auto& arg : args) {
    bool wrap = arg.find(' ') != std::string::npos;
    out += wrap ? fmt::format(" ({})", arg) : " " + arg;
  }
  return out;
}

}  // namespace library
