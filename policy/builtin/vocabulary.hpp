#pragma once
// The tactic vocabulary of the built-in policy: the actions it can choose from, in a fixed
// (append) order. Two lists are embedded in the library at build time (vocabularies/core.txt
// and vocabularies/mathlib.txt; README.md says why each entry is there); a vocabulary can also
// come from a file. The vocabulary grows with the tactics of verified proofs.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace policy::builtin {

class Vocabulary {
 public:
  Vocabulary() = default;
  explicit Vocabulary(const std::vector<std::string>& tactics);  // duplicates are dropped

  int size() const { return static_cast<int>(m_tactics.size()); }
  const std::string& operator[](int i) const { return m_tactics[static_cast<std::size_t>(i)]; }
  const std::vector<std::string>& tactics() const { return m_tactics; }
  // Index of `tactic`, if present.
  std::optional<int> find(std::string_view tactic) const;
  // Appends `tactic` if it is new; returns true if it was added.
  bool add(const std::string& tactic);

 private:
  std::vector<std::string> m_tactics;
  std::map<std::string, int, std::less<>> m_index;
};

// The text of an embedded list ("core" or "mathlib"), nullopt for another name.
std::optional<std::string_view> embedded_vocabulary_text(std::string_view name);

// Parses vocabulary text: one tactic per line, surrounding whitespace trimmed, empty lines and
// lines whose first non-blank character is '#' skipped. A duplicate tactic or an empty list
// throws PolicyError with "SOURCE:LINE: ..." (`source` names the text in messages).
std::vector<std::string> parse_vocabulary(std::string_view text, std::string_view source);

// The vocabulary named by the policy option: "core", "mathlib", or the path of a file in the
// format above. Throws PolicyError if the file cannot be read or is malformed.
std::vector<std::string> load_vocabulary(std::string_view spec);

// Normalises a tactic for the vocabulary: trailing blanks of each line, blank lines at both
// ends and the indentation common to all lines removed. Returns "" for a tactic
// with no text.
std::string normalise_tactic(std::string_view tactic);

}  // namespace policy::builtin
