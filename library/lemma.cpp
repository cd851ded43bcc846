#include "library/lemma.hpp"

#include <fmt/format.h>

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

std::string application(std::string_view name, const std::vector<std::string>& args) {
  std::string out(name);
  for (const auto& arg : args) {
    bool wrap = arg.find(' ') != std::string::npos;
    out += wrap ? fmt::format(" ({})", arg) : " " + arg;
  }
  return out;
}

}  // namespace library
