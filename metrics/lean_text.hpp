#pragma once
// What the metrics read from Lean text with the shared lexer (common/lean_lexer.hpp), so that
// comments and strings never count: tactic steps, `theorem`/`lemma` declarations with their
// proofs, and uses of known declaration names. Rules in README.md ("Tactics", "Declarations",
// "Uses").
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace metrics {

// Tactic steps of a proof text. A continuation text (one that does not start with a command
// such as `theorem`, nor with `by` or `:=`) is read as the body of a `by` block; in a whole-file
// text only `by` blocks count. In a block, a step starts at the block's first token, at each
// line whose first token sits at the block's column, and after `;` or `<;>` at the block's
// bracket depth. `by`, a focusing bullet (`·`, `.`) and `=>` after `case`/`next`/`conv`... or
// after an alternative `| pat` open nested blocks whose steps count too; lines indented further
// than the block continue the current step (`calc` steps, long `rw [...]` lists); lines starting
// with `|`, `_` or `<;>` are never steps. Comments are ignored.
int64_t count_tactics(std::string_view text);

// `text` without its comments (line, block and doc comments; strings untouched), whitespace
// kept. For measuring a proof's code alone, e.g. before novelty shaping, which would otherwise
// reward comments the library has never seen.
std::string without_comments(std::string_view text);

// A `theorem NAME ... := PROOF` or `lemma NAME ... := PROOF` in a text.
struct DeclarationSpan {
  std::string keyword;           // "theorem" or "lemma"
  std::string name;              // as written after the keyword
  std::size_t offset = 0;        // of the keyword
  std::size_t length = 0;        // keyword .. end of the proof's last code token
  std::size_t proof_offset = 0;  // first code token after `:=`
  std::size_t proof_length = 0;  // .. end of the last code token
};
// The declaration runs from its keyword to the last code token before the next line whose first
// token (code or doc comment) sits at column 0, or to the end of the text. A keyword whose name
// is missing, or with no `:=` at bracket depth 0 before that point, gives nothing.
std::vector<DeclarationSpan> find_declarations(std::string_view text);

// Splits a name into its `.`-separated components («» components kept whole).
std::vector<std::string_view> name_components(std::string_view name);

// Known declaration names, looked up by identifier tokens (README.md, "Uses").
class NameIndex {
 public:
  // Entry i of the index is names[i]; names may repeat (declarations of the same name that are
  // visible to different proofs).
  explicit NameIndex(const std::vector<std::string>& names);

  struct Use {
    std::size_t entry;   // index into the names given to the constructor
    std::size_t offset;  // the matched prefix of an identifier token
    std::size_t length;
  };
  // Every use in `text` of an entry for which visible(entry) is true. An identifier token is
  // compared by its leading components, longest first (`foo.mp` uses `foo`); at each length the
  // entries named exactly so win, else the entries whose name ends with those components
  // (`add_comm` uses `Nat.add_comm`), all of them if several; the first length with a visible
  // match decides. The name after a declaration keyword (`lemma foo`) is not a use.
  std::vector<Use> uses(std::string_view text,
                        const std::function<bool(std::size_t)>& visible) const;
  std::size_t size() const { return m_size; }

 private:
  std::size_t m_size = 0;
  std::unordered_map<std::string, std::vector<std::size_t>> m_exact;
  std::unordered_map<std::string, std::vector<std::size_t>> m_suffix;
};

}  // namespace metrics
