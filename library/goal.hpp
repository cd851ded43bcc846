#pragma once
// Goals as Lean prints them, read back for the lemma library: the hypotheses of a goal are the
// context a lifted lemma is stated over (docs/library.md, "Candidates").
//
// Contract:
// - parse_goal reads Lean's `ppGoal` text: an optional `case TAG` line, hypothesis lines
//   `a b : T` (a merged line gives one hypothesis per name; a line indented deeper than the
//   hypothesis lines continues the one above), then `⊢ TARGET` (its continuation lines belong to
//   the target). Whitespace runs in types and target become one space. Nothing when the text
//   has no `⊢` line or a hypothesis line without ` : `.
// - identifiers() lists the identifier tokens of a text (the shared Lean lexer's), in order;
//   a dotted identifier `h.left` counts as its first component too (`h`), so that a binder is
//   found where its projection is used.
// - is_accessible(name) is false for Lean's inaccessible names (`h✝`, `x✝¹`), which a proof
//   cannot write, so a lemma over them cannot be applied by name.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace library {

struct Hypothesis {
  std::string name;
  std::string type;
};

struct Goal {
  std::string tag;  // "" for none
  std::vector<Hypothesis> hypotheses;
  std::string target;
};

std::optional<Goal> parse_goal(std::string_view text);
std::vector<std::string> identifiers(std::string_view text);
bool is_accessible(std::string_view name);
// Runs of ASCII whitespace become one space; leading and trailing whitespace goes.
std::string collapse_space(std::string_view text);
// `text` with every identifier token that names a key of `renames` (or starts with KEY + ".")
// replaced; everything else, comments and literals included, kept byte for byte.
std::string rename_identifiers(std::string_view text,
                               const std::vector<std::pair<std::string, std::string>>& renames);

}  // namespace library
