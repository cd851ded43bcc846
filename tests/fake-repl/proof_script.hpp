#pragma once
// Reading a declaration as rules mode needs it: its starting goal and its tactic proof.
//
// Contracts:
//  - parse_header(tokens, from) reads, from the token after a declaration's name (or after
//    `example`), binders `(a b : T)`, `{a : T}`, `⦃a : T⦄`, `[inst : C]`, `[C]`, then `: TYPE :=`.
//    Each binder name becomes a hypothesis (`[C]` gives `inst✝ : C`), TYPE the target; texts are
//    the tokens joined as written with every gap (whitespace, comments) shown as one space.
//    nullopt for anything else (no type, pattern-matching bodies, a binder without a type).
//  - tactic_spans(tokens, first) splits a tactic block that starts at tokens[first] into one
//    span per tactic by layout, as Lean does: the first token's column C starts each tactic, a
//    later line indented deeper continues the current one, and the block ends at a line starting
//    left of C, or at C with a command (`theorem`, `#print`, `namespace`, ...). Directive tokens
//    are skipped. `;` and `<;>` inside a span are left to run_tactic.
//  - join_tokens(tokens, first, last) is the text of tokens[first..last] as above.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "goal.hpp"
#include "lexer.hpp"

namespace fake_repl {

struct DeclHeader {
  Goal goal;
  // The opening bracket of each hypothesis's binder ("(", "{", "⦃" or "["), in goal.hyps order.
  std::vector<std::string> brackets;
  std::size_t body = 0;  // index of the first token after `:=` (may be tokens.size())
};

struct TacticSpan {
  std::size_t first = 0;  // token indices, inclusive
  std::size_t last = 0;
  std::string text;
};

std::optional<DeclHeader> parse_header(const std::vector<Token>& tokens, std::size_t from);
std::vector<TacticSpan> tactic_spans(const std::vector<Token>& tokens, std::size_t first);
std::string join_tokens(const std::vector<Token>& tokens, std::size_t first, std::size_t last);
bool starts_command(const Token& token);
// An opening bracket ( { [ ⦃ ⟨, and a closing one.
bool is_open(const Token& t);
bool is_close(const Token& t);

}  // namespace fake_repl
