#pragma once
// Internal to the guard (guard.cpp): how the guard reads a text before judging it. A text's
// code tokens (through the shared lexer, comments dropped), where the commands the header may
// repeat (`import`, `set_option`, `open`) end, what the task's trusted header imports, sets and
// opens, and which tokens sit inside attribute lists. The rules themselves (what is refused, and
// why) are in guard.cpp. Not part of the guard's API.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "common/lean_lexer.hpp"
#include "lean-bridge/guard.hpp"

namespace lean_bridge::guard_text {

using common::TokenKind;

// Commands (of Lean and Mathlib) that the lexer reads as identifiers.
inline constexpr std::string_view kIdentifierCommands =
    "irreducible_def alias notation3 simproc dsimproc simproc_decl dsimproc_decl unif_hint "
    "register_option register_builtin_option register_simp_attr declare_config_elab "
    "binder_predicate assert_not_exists library_note add_decl_doc initialize_simps_projections "
    "suppress_compilation unseal seal compile_inductive run_elab run_meta";

// True if `word` is one of the space-separated words of `list`.
bool one_of(std::string_view word, std::string_view list);

// A code token (comments dropped); compact, since a hostile text may hold millions.
struct Tok {
  uint32_t offset;
  uint32_t size;
  int32_t line;
  int32_t column;
  TokenKind kind;
  bool may_hide_code;  // an error token after which Lean may read on differently
};

// The code tokens of a text.
class Code {
 public:
  explicit Code(std::string_view text);
  size_t size() const { return m_toks.size(); }
  const Tok& operator[](size_t i) const { return m_toks[i]; }
  std::string_view text(size_t i) const { return m_text.substr(m_toks[i].offset, m_toks[i].size); }
  bool is(size_t i, TokenKind kind, std::string_view word) const {
    return i < size() && m_toks[i].kind == kind && text(i) == word;
  }
  bool is_keyword(size_t i, std::string_view word) const { return is(i, TokenKind::keyword, word); }
  bool is_code(size_t i) const {
    TokenKind k = m_toks[i].kind;
    return k == TokenKind::identifier || k == TokenKind::keyword || k == TokenKind::symbol ||
           k == TokenKind::number;
  }
  std::string key(size_t i) const { return i < size() ? guard_key(text(i)) : std::string(); }
  // The text of tokens [first, end) as written, whitespace runs as one space, cut to 80 code
  // points.
  std::string span(size_t first, size_t end) const;
  // One past the last token on the line of token i.
  size_t line_end(size_t i) const;
  // The whole text, comments included.
  std::string_view source() const { return m_text; }

 private:
  std::string_view m_text;
  std::vector<Tok> m_toks;
};

// `import A B`: names on the line of the name before them (as common::split_header reads).
size_t import_end(const Code& c, size_t i);
// `set_option NAME VALUE`.
size_t set_option_end(const Code& c, size_t i);
// `open [scoped] A B (x y) hiding z renaming a → b`; an identifier at column 0 of a later line,
// or one that names a command, starts the next command.
size_t open_end(const Code& c, size_t i);
// An `open` of plain names (`open A B`, `open scoped A`), without clauses.
bool plain_open(const Code& c, size_t i, size_t end);

// What the task's trusted header imports, sets and opens.
struct HeaderFacts {
  std::unordered_set<std::string> modules;
  std::vector<std::pair<std::string, std::string>> options;  // set_option NAME VALUE
  std::unordered_set<std::string> opened;                    // by `open A`
  std::unordered_set<std::string> opened_scoped;             // by `open scoped A`
  std::vector<std::vector<std::string>> opens;               // each `open`'s keys

  explicit HeaderFacts(std::string_view header);
  // True if the `open` at i opens nothing the header does not: the same command, or plain
  // names the header opens the same way (`open A` also opens A's scoped names).
  bool covers_open(const Code& c, size_t i, size_t end) const;
  bool has_option(const Code& c, size_t i) const;
  bool imports_all(const Code& c, size_t i, size_t end) const;
  // True if the header imports all of Mathlib (`import Mathlib`), whose notation the lexer
  // assumes for `''`, `⁻¹'`, `∑'`, `∏'` and `∘'` (common::is_mathlib_prime_symbol).
  bool imports_mathlib() const { return modules.count("Mathlib") > 0; }

 private:
  void add_open(const Code& c, size_t i, size_t end);
  static std::vector<std::string> keys(const Code& c, size_t first, size_t end);
};

// Which tokens sit inside `@[...]` or `attribute [...]`.
std::vector<bool> attribute_tokens(const Code& c);

}  // namespace lean_bridge::guard_text
