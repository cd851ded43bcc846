#pragma once
// The guard: a scanner run on a candidate's Lean text before Lean sees it. It refuses what a
// proof must not use (`sorry` → incomplete; axioms, trusted compiled code, code run while Lean
// elaborates, syntax and meta-programming, environment edits... → rejected) and, by mode, the
// commands a candidate may not add. It reads text only through the shared lexer
// (common/lean_lexer.hpp), so a word inside a comment or a string literal never counts.
//
// Contract:
// - It can only make a verdict worse: a finding refuses the text; no finding says nothing
//   about the proof (Lean decides). It never throws on candidate text, whatever its bytes.
// - The rules are data: the default table (guard_rules.cpp), extended by a user's file in the
//   same format; the rules that need context (commands, the header's preamble) are code in
//   guard.cpp. Both are listed in docs/guard.md.
// - `version()` names the rule table and the code; it is part of every verification cache
//   key, so changing a rule invalidates cached verdicts.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "lean-bridge/verdict.hpp"

namespace lean_bridge {

enum class GuardMode {
  // The candidate's text completes the task's statement (`theorem foo ... := by` + text):
  // exactly one declaration, so any new top-level command is refused.
  proof_body,
  // The candidate wrote a whole Lean file: helper declarations are allowed; imports,
  // command-level `set_option` and `open` must repeat the task header's own (a resource budget
  // or an option that only changes what Lean prints may differ: see header_option_kind).
  whole_file,
  // A task header that the input line wrote (not the user's --tasks/--header): only the commands
  // dataset headers hold (imports, `open`, `set_option` of the options header_option_kind
  // allows, namespace/section/end, universe, def/abbrev/theorem/lemma with a few harmless
  // attributes); the rule table on everything. `task_header` is not read: the text is the header.
  header,
  // A formal_statement that the input line wrote: exactly one declaration (attributes,
  // modifiers, doc comments and `open ... in`/`set_option ... in` before it), no second command,
  // every comment and literal closed, and an end that the proof cannot glue onto (`:=` or
  // whitespace). `task_header` is the header it is checked under.
  statement,
};

std::string_view to_string(GuardMode mode);

// What a `set_option NAME` in a header is (docs/guard.md, "Options a header may set").
enum class OptionKind {
  budget,    // a resource limit (maxHeartbeats, maxRecDepth, synthInstance.maxHeartbeats...)
  printing,  // changes what Lean prints or lints, never what it accepts (pp.*, linter.*)
  harmless,  // changes how declarations elaborate, switches no check off (autoImplicit...)
  refused,   // anything else: debug.*, internal.*, and every option not listed
};
OptionKind header_option_kind(std::string_view option_name);

struct GuardFinding {
  std::string rule;       // rule id, e.g. "native_decide"
  Verdict verdict;        // Verdict::incomplete for sorry/admit, Verdict::rejected otherwise
  std::string construct;  // the offending text as written, e.g. "set_option maxHeartbeats 0"
  int64_t line = 0;       // 1-based, in the scanned text
  int64_t column = 0;     // 0-based, in code points
  std::string why;        // from the rule
  // "line 3, column 2: `native_decide`: trusts compiled code (Lean.ofReduceBool)"
  std::string describe() const;
};

// A bad rule line: "FILE:LINE: problem".
class GuardError : public std::runtime_error {
  using runtime_error::runtime_error;
};

// One token matcher of a rule's pattern (see docs/guard.md, "Rule format").
struct GuardMatcher {
  enum class Kind {
    exact,      // the token's text (identifiers without «», numbers by value)
    suffix,     // `~name`: an identifier that is `name` or ends in `.name`
    prefix,     // `name.*`: an identifier that is `name` or starts with `name.`
    attribute,  // `attr:name`: the name inside `@[...]` or `attribute [...]`
  };
  Kind kind;
  std::string text;
};

struct GuardRule {
  std::string id;
  Verdict verdict;
  std::string pattern_text;  // the pattern words as written, joined by single spaces
  std::vector<GuardMatcher> pattern;
  std::string why;
  std::string where;  // "FILE:LINE" of its definition
};

// The default rule table (guard_rules.cpp), in the rule-file format.
std::string_view default_guard_rules();

// Reads rules in the rule-file format; throws GuardError "SOURCE:LINE: problem" on the first
// bad line. Does not look for duplicate ids (Guard::add_rules does).
std::vector<GuardRule> parse_guard_rules(std::string_view rules_text, std::string_view source_name);

// What an exact matcher compares for one code token: identifiers without «» and without a
// leading `_root_.`, integer literals as their decimal value (0x0 is 0), anything else as is.
std::string guard_key(std::string_view token_text);

class Guard {
 public:
  static Guard with_default_rules();

  // Adds rules in the default table's format (one per line) from `rules_text`, read from
  // `source_name`. All or nothing: throws GuardError "FILE:LINE: problem" on the first bad
  // line, and then adds none of them.
  void add_rules(std::string_view rules_text, std::string_view source_name);

  // The first finding in text order, or nothing. At one position a table rule wins over a
  // context rule. `task_header` is the header the text is checked under (imports, set_option,
  // open...), whose commands a whole file or a proof may repeat; GuardMode::header ignores it.
  // Const and without shared state: one Guard may serve every worker thread at once.
  std::optional<GuardFinding> check(std::string_view text, GuardMode mode,
                                    std::string_view task_header) const;

  // "guard-v1:<sha256 of the code's version and the rule table>".
  const std::string& version() const { return m_version; }
  // Rules in the table (the context rules in code are not counted).
  size_t rule_count() const { return m_rules.size(); }
  const std::vector<GuardRule>& rules() const { return m_rules; }

 private:
  Guard() = default;
  void index_rules();

  std::vector<GuardRule> m_rules;
  // Rules by the text of their first matcher when it is exact; the others are tried on every
  // identifier and keyword.
  std::unordered_map<std::string, std::vector<size_t>> m_by_first_word;
  std::vector<size_t> m_other_rules;
  std::string m_version;
};

}  // namespace lean_bridge
