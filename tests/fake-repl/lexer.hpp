#pragma once
// A small Lean 4 lexer, just enough for the fake REPL's "elaboration".
//
// Contract: tokenize(source) returns the tokens of `source` in order, with Lean positions
// (1-based line, 0-based column counted in Unicode code points). Comments produce no tokens,
// except a line comment starting with `--!`, which becomes a `directive` token whose text is the
// comment's content after `--!`, trimmed. `/- ... -/` block comments nest. String literals are
// one token (text = source including quotes), so words inside strings and comments are never
// identifiers. Identifiers follow Lean's rules (letters, `_`, Greek and letter-like symbols,
// Latin-1/Latin Extended/Cyrillic letters for leniency; then also digits, `'`, `!`, `?`,
// subscripts), may be dotted (`Foo.bar'`) and may have «guillemet» components. Each token also
// carries its byte range in the source, so that text between tokens (a gap: whitespace or a
// comment) can be told from adjacency.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace fake_repl {

struct Position {
  int line = 1;
  int column = 0;
};

enum class TokenKind { identifier, hash_command, string_literal, directive, symbol };

struct Token {
  TokenKind kind;
  std::string text;
  Position begin;
  Position end;
  std::size_t offset = 0;      // byte offset of the token's first byte in the source
  std::size_t end_offset = 0;  // byte offset just past its last byte
};

std::vector<Token> tokenize(std::string_view source);

}  // namespace fake_repl
