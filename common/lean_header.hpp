#pragma once
// Splitting Lean source text into its `import` block and the rest. The imports decide which
// environment a REPL worker must load (so equal import blocks must map to equal strings);
// the rest is what is checked in that environment.
#include <string>
#include <string_view>

namespace common {

struct HeaderParts {
  // One line per import command, "import A" (or "import A B", "public import A"), tokens
  // separated by single spaces, lines joined by "\n" without a trailing newline; comments,
  // blank lines and spacing do not matter. Empty if the text has no imports.
  std::string imports;
  // The text verbatim from the start of the first line that holds a token other than an import
  // command or a comment (from that token itself if an import shares its line). Comments and
  // blank lines between or after the imports are dropped. Empty if there is nothing else.
  std::string rest;
  // 1-based line of the original text where `rest` starts (one past the last line if `rest` is
  // empty), so positions Lean reports in `rest` map back to the original.
  int rest_first_line = 1;
};

// Works on a task header ("import Mathlib\nimport Aesop\n\nset_option ...") and on a whole
// Lean file alike. `import` inside comments or strings does not count (the lexer decides), and
// an `import` after the first other command belongs to `rest` (Lean will reject it there).
HeaderParts split_header(std::string_view text);

}  // namespace common
