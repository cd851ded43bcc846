#include "lean-bridge/guard.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <iterator>

#include "common/lean_lexer.hpp"
#include "common/tagged_hash.hpp"
#include "lean-bridge/guard_text.hpp"

namespace lean_bridge {
namespace {

using common::TokenKind;
using namespace guard_text;

// The version of the context rules below; hashed into Guard::version(). Bump it whenever a
// context rule refuses something else or says something else.
constexpr std::string_view kCodeVersion = "context-rules-2";

// Rules that need context: which command a token belongs to, and the task's header.
struct ContextRule {
  std::string_view id;
  std::string_view why;
};
constexpr ContextRule kSecondCommand{
    "second_command",
    "a second top-level declaration/command: a proof body completes the task's one theorem"};
constexpr ContextRule kImportInProof{
    "import", "a proof cannot import modules: the task's header decides the imports"};
constexpr ContextRule kImport{"import", "imports a module that the task's header does not"};
constexpr ContextRule kOpen{
    "open",
    "a command-level `open` that the task's header does not have can change what the "
    "statement's names mean"};
constexpr ContextRule kSetOption{
    "set_option",
    "a command-level `set_option` that the task's header does not have can change "
    "how the statement is elaborated or checked"};
constexpr ContextRule kUnreadable{
    "unreadable",
    "Lean may read this text differently from the guard (a malformed literal, escape, numeral or "
    "name, a string's {...} holding more than a plain term, a prime right after a symbol, "
    "Mathlib notation without `import Mathlib`), so the guard refuses rather than guesses"};
constexpr ContextRule kHashCommand{
    "hash_command",
    "only #check, #print, #reduce and #synth are allowed: other #-commands can "
    "run code or change how the text is checked"};

// Keywords that only ever start a command (none can appear inside a proof). `open` and
// `set_option` also have a `... in` form inside proofs and are handled apart; `local` and
// `scoped` only prefix other commands (or follow `open`).
constexpr std::string_view kCommandKeywords =
    "theorem lemma def abbrev instance example opaque axiom structure class inductive coinductive "
    "namespace section end export variable universe noncomputable private protected partial "
    "unsafe nonrec mutual attribute import macro macro_rules syntax elab elab_rules notation "
    "infix infixl infixr prefix postfix initialize builtin_initialize declare_syntax_cat run_cmd "
    "omit include deriving";
constexpr std::string_view kAllowedHashCommands = "#check #print #reduce #synth";

// True if Lean may read the text at token i differently from the lexer, so that code could
// hide in what the guard takes for a string, char literal or comment: an error token after
// which Lean resumes elsewhere (common::error_may_hide_code), or a prime symbol that is a token
// only with Mathlib (`⁻¹'`: without it, Lean opens a char literal at the prime).
bool unreadable(const Code& c, size_t i, const HeaderFacts& header) {
  switch (c[i].kind) {
    case TokenKind::error:
      return c[i].may_hide_code;
    case TokenKind::symbol:
      return !header.imports_mathlib() && common::is_mathlib_prime_symbol(c.text(i));
    default:
      return false;
  }
}

struct RuleSet {
  const std::vector<GuardRule>& rules;
  const std::unordered_map<std::string, std::vector<size_t>>& by_first_word;
  const std::vector<size_t>& other_rules;
};

// One check of one text: walks the code tokens in order and stops at the first finding.
class Checker {
 public:
  Checker(const Code& code, GuardMode mode, const HeaderFacts& header, RuleSet rules)
      : m_code(code),
        m_mode(mode),
        m_header(header),
        m_rules(rules),
        m_in_attribute(attribute_tokens(code)),
        m_command_level(code.size(), -1) {}

  std::optional<GuardFinding> run() {
    for (size_t i = 0; i < m_code.size(); ++i) {
      if (size_t end = header_command_end(i); end > i) {
        i = end - 1;
        continue;
      }
      if (auto finding = table_rule(i)) return finding;
      if (unreadable(m_code, i, m_header)) return finding(kUnreadable, i, i + 1);
      if (auto finding =
              m_mode == GuardMode::proof_body ? proof_body_rule(i) : whole_file_rule(i)) {
        return finding;
      }
    }
    return std::nullopt;
  }

 private:
  // A command that repeats the task header's own (trusted) is the header's: the rules skip it.
  // Returns one past its end, or i when there is none at i.
  size_t header_command_end(size_t i) {
    const Code& c = m_code;
    bool whole = m_mode == GuardMode::whole_file;
    if (c.is_keyword(i, "set_option") && m_header.has_option(c, i) &&
        (whole || followed_by_in(set_option_end(c, i)))) {
      return set_option_end(c, i);
    }
    if (whole && c.is_keyword(i, "import") && m_header.imports_all(c, i, import_end(c, i))) {
      return import_end(c, i);
    }
    if (whole && c.is_keyword(i, "open") && command_level(i) &&
        m_header.covers_open(c, i, open_end(c, i))) {
      return open_end(c, i);
    }
    return i;
  }

  std::optional<GuardFinding> table_rule(size_t i) const {
    if (!m_code.is_code(i)) return std::nullopt;
    std::optional<size_t> first;
    auto try_rule = [&](size_t r) {
      if ((!first || r < *first) && matches(m_rules.rules[r], i)) first = r;
    };
    if (auto it = m_rules.by_first_word.find(m_code.key(i)); it != m_rules.by_first_word.end()) {
      for (size_t r : it->second) try_rule(r);
    }
    if (m_code[i].kind == TokenKind::identifier || m_code[i].kind == TokenKind::keyword) {
      for (size_t r : m_rules.other_rules) try_rule(r);
    }
    if (!first) return std::nullopt;
    const GuardRule& rule = m_rules.rules[*first];
    return finding(rule.id, rule.verdict, rule.why, i, i + rule.pattern.size());
  }

  bool matches(const GuardRule& rule, size_t i) const {
    if (i + rule.pattern.size() > m_code.size()) return false;
    for (size_t k = 0; k < rule.pattern.size(); ++k) {
      if (!matches(rule.pattern[k], i + k)) return false;
    }
    return true;
  }

  bool matches(const GuardMatcher& m, size_t j) const {
    TokenKind kind = m_code[j].kind;
    if (!m_code.is_code(j)) return false;
    std::string key = m_code.key(j);
    switch (m.kind) {
      case GuardMatcher::Kind::exact:
        return key == m.text;
      case GuardMatcher::Kind::suffix:
        return kind == TokenKind::identifier &&
               (key == m.text || (key.ends_with(m.text) && key.size() > m.text.size() &&
                                  key[key.size() - m.text.size() - 1] == '.'));
      case GuardMatcher::Kind::prefix:
        return kind == TokenKind::identifier &&
               (key == m.text || (key.starts_with(m.text) && key.size() > m.text.size() &&
                                  key[m.text.size()] == '.'));
      case GuardMatcher::Kind::attribute:
        return m_in_attribute[j] && key == m.text &&
               (kind == TokenKind::identifier || kind == TokenKind::keyword);
    }
    return false;
  }

  std::optional<GuardFinding> proof_body_rule(size_t i) {
    const Code& c = m_code;
    if (c.is_keyword(i, "import")) return finding(kImportInProof, i, import_end(c, i));
    bool escapes = c.is_keyword(i, "open")         ? !followed_by_in(open_end(c, i))
                   : c.is_keyword(i, "set_option") ? !followed_by_in(set_option_end(c, i))
                                                   : starts_plain_command(i);
    if (escapes) return finding(kSecondCommand, i, c.line_end(i));
    return std::nullopt;
  }

  std::optional<GuardFinding> whole_file_rule(size_t i) {
    const Code& c = m_code;
    if (c.is_keyword(i, "import")) return finding(kImport, i, import_end(c, i));
    if (c.is_keyword(i, "open") && command_level(i)) return finding(kOpen, i, open_end(c, i));
    if (c.is_keyword(i, "set_option") && command_level(i)) {
      return finding(kSetOption, i, set_option_end(c, i));
    }
    if (c[i].kind == TokenKind::keyword && c.text(i).starts_with('#') &&
        !one_of(c.text(i), kAllowedHashCommands)) {
      return finding(kHashCommand, i, i + 1);
    }
    return std::nullopt;
  }

  bool followed_by_in(size_t end) const { return m_code.is_keyword(end, "in"); }

  bool starts_plain_command(size_t i) const {
    const Code& c = m_code;
    if (c[i].kind == TokenKind::identifier) return one_of(c.text(i), kIdentifierCommands);
    if (c[i].kind != TokenKind::keyword) return false;
    std::string_view t = c.text(i);
    return one_of(t, kCommandKeywords) || t == "@[" || t.starts_with('#');
  }

  // For an `open` or `set_option` at i: true if it is a command (no `in`, or `in` followed by a
  // command), false if it is the tactic/term form inside a proof. Chains (`open A in open B in
  // ...`) are resolved once, without recursion.
  bool command_level(size_t i) {
    std::vector<size_t> chain;
    bool result = false;
    for (size_t j = i;;) {
      if (m_command_level[j] >= 0) {
        result = m_command_level[j] == 1;
        break;
      }
      chain.push_back(j);
      size_t end = m_code.is_keyword(j, "open") ? open_end(m_code, j) : set_option_end(m_code, j);
      if (!followed_by_in(end)) {
        result = true;
        break;
      }
      size_t next = end + 1;
      if (!m_code.is_keyword(next, "open") && !m_code.is_keyword(next, "set_option")) {
        result = next < m_code.size() && starts_plain_command(next);
        break;
      }
      j = next;
    }
    for (size_t j : chain) m_command_level[j] = result;
    return result;
  }

  GuardFinding finding(const ContextRule& rule, size_t first, size_t end) const {
    return finding(std::string(rule.id), Verdict::rejected, rule.why, first, end);
  }
  GuardFinding finding(std::string_view id, Verdict verdict, std::string_view why, size_t first,
                       size_t end) const {
    return GuardFinding{std::string(id),         verdict,
                        m_code.span(first, end), m_code[first].line,
                        m_code[first].column,    std::string(why)};
  }

  const Code& m_code;
  GuardMode m_mode;
  const HeaderFacts& m_header;
  RuleSet m_rules;
  std::vector<bool> m_in_attribute;
  std::vector<int8_t> m_command_level;  // -1 unknown, else 0/1
};

}  // namespace

std::string GuardFinding::describe() const {
  return fmt::format("line {}, column {}: `{}`: {}", line, column, construct, why);
}

Guard Guard::with_default_rules() {
  Guard guard;
  guard.add_rules(default_guard_rules(), "lean-bridge/guard_rules.cpp");
  return guard;
}

void Guard::add_rules(std::string_view rules_text, std::string_view source_name) {
  std::vector<GuardRule> added = parse_guard_rules(rules_text, source_name);
  std::unordered_map<std::string_view, std::string_view> defined;
  for (const GuardRule& rule : m_rules) defined.emplace(rule.id, rule.where);
  for (const GuardRule& rule : added) {
    auto [it, fresh] = defined.emplace(rule.id, rule.where);
    if (!fresh) {
      throw GuardError(fmt::format("{}: duplicate rule id '{}' (first defined at {})", rule.where,
                                   rule.id, it->second));
    }
  }
  m_rules.insert(m_rules.end(), std::make_move_iterator(added.begin()),
                 std::make_move_iterator(added.end()));
  index_rules();
}

void Guard::index_rules() {
  m_by_first_word.clear();
  m_other_rules.clear();
  common::TaggedHash hash("guard-v1");
  hash.add("code", kCodeVersion);
  for (size_t r = 0; r < m_rules.size(); ++r) {
    const GuardRule& rule = m_rules[r];
    const GuardMatcher& first = rule.pattern.front();
    if (first.kind == GuardMatcher::Kind::exact) {
      m_by_first_word[first.text].push_back(r);
    } else {
      m_other_rules.push_back(r);
    }
    hash.add("rule", fmt::format("{} {} {} -- {}", rule.id, to_string(rule.verdict),
                                 rule.pattern_text, rule.why));
  }
  m_version = hash.hex();
}

std::optional<GuardFinding> Guard::check(std::string_view text, GuardMode mode,
                                         std::string_view task_header) const {
  if (text.size() > UINT32_MAX) {
    return GuardFinding{"text_size",
                        Verdict::rejected,
                        fmt::format("a text of {} bytes", text.size()),
                        1,
                        0,
                        "the guard reads texts up to 4 GiB"};
  }
  Code code(text);
  HeaderFacts header(task_header);
  return Checker(code, mode, header, RuleSet{m_rules, m_by_first_word, m_other_rules}).run();
}

}  // namespace lean_bridge
