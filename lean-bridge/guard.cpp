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
constexpr std::string_view kCodeVersion = "context-rules-4";

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
    "a command-level `set_option` that the task's header does not have (other than a resource "
    "budget or a printing option) can change how the statement is elaborated or checked"};
constexpr ContextRule kUnreadable{
    "unreadable",
    "Lean may read this text differently from the guard (a malformed literal, escape, numeral or "
    "name, a string's {...} holding more than a plain term, a prime right after a symbol, "
    "Mathlib notation without `import Mathlib`), so the guard refuses rather than guesses"};
constexpr ContextRule kUnterminated{
    "unterminated",
    "a header or statement from the input line must close every comment, string, char literal "
    "and «name» it opens, in valid UTF-8: the text Lean reads after it (the statement, the proof) "
    "would otherwise be read differently from what the guard checked"};
constexpr ContextRule kHeaderCommand{
    "header_command",
    "a header from the input line may hold only imports, `open`, `set_option`, "
    "namespace/section/end, `universe` and def/abbrev/theorem/lemma declarations"};
constexpr ContextRule kHeaderOption{
    "header_option",
    "a header or statement from the input line may set only resource budgets, printing and "
    "linter options, autoImplicit, relaxedAutoImplicit and checkBinderAnnotations (docs/guard.md)"};
constexpr ContextRule kAttribute{
    "attribute_name",
    "a header or statement from the input line may use only the attributes simp, reducible, "
    "irreducible, inline, noinline, specialize, ext, norm_cast, push_cast and simps: others can "
    "register code, instances or rules that change how the statement elaborates"};
constexpr ContextRule kStatementCommand{
    "statement_command",
    "a formal_statement is exactly one theorem, lemma, def, abbrev or example: only attributes, "
    "modifiers and `open ... in`/`set_option ... in` may come before it"};
constexpr ContextRule kStatementSecond{
    "second_command",
    "a second top-level declaration/command: a formal_statement is exactly one declaration"};
constexpr ContextRule kStatementEnd{
    "statement_end",
    "a formal_statement must end with `:=` or with whitespace: the proof appended to it could "
    "otherwise join its last token (`by` + `_elab` is `by_elab`) or sit in its line comment"};
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

// The commands a header from the input line may hold (GuardMode::header), the attributes it and a
// statement may use, and the declarations a statement may be.
constexpr std::string_view kHeaderCommands =
    "import open namespace section end universe noncomputable private protected def abbrev "
    "theorem lemma";
constexpr std::string_view kAllowedAttributes =
    "simp reducible irreducible inline noinline specialize ext norm_cast push_cast simps";
constexpr std::string_view kDeclarationModifiers = "noncomputable private protected nonrec";
// The last four are refused by the rule table, which names them better.
constexpr std::string_view kStatementDeclarations =
    "theorem lemma def abbrev example instance opaque axiom";

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

// The facts of a header, read once for the texts checked under it one after another (a line's
// statement and proof, the lines of a task set): each thread keeps the last header's. Valid
// until this thread's next call.
const HeaderFacts& header_facts(std::string_view header) {
  thread_local std::string last_header;
  thread_local std::optional<HeaderFacts> last_facts;
  if (!last_facts || header != last_header) {
    last_facts.reset();  // a failed read must not leave the old facts under the new header
    last_header.assign(header);
    last_facts.emplace(header);
  }
  return *last_facts;
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
        m_command_level(code.size(), -1) {
    // Each code token's key once: the table's rules compare it at every token.
    m_keys.reserve(code.size());
    for (size_t i = 0; i < code.size(); ++i) {
      m_keys.push_back(code.is_code(i) ? code.key(i) : std::string());
    }
    if (m_mode == GuardMode::statement) read_statement_prefix();
  }

  std::optional<GuardFinding> run() {
    for (size_t i = 0; i < m_code.size(); ++i) {
      if (size_t end = header_command_end(i); end > i) {
        i = end - 1;
        continue;
      }
      if (auto finding = table_rule(i)) return finding;
      if (unreadable(m_code, i, m_header)) return finding(kUnreadable, i, i + 1);
      if (m_code[i].kind == TokenKind::error &&
          (m_mode == GuardMode::header || m_mode == GuardMode::statement)) {
        return finding(kUnterminated, i, i + 1);
      }
      if (auto finding = mode_rule(i)) return finding;
    }
    if (m_mode == GuardMode::statement) return statement_end();
    return std::nullopt;
  }

 private:
  std::optional<GuardFinding> mode_rule(size_t i) {
    switch (m_mode) {
      case GuardMode::proof_body:
        return proof_body_rule(i);
      case GuardMode::whole_file:
        return whole_file_rule(i);
      case GuardMode::header:
        return header_rule(i);
      case GuardMode::statement:
        return statement_rule(i);
    }
    return std::nullopt;
  }

  // A command that repeats the task header's own (trusted) is the header's: the rules skip it.
  // In a header itself, an option the header may set (a budget, `maxHeartbeats 0` included) is
  // the header's own in the same way. Returns one past its end, or i when there is none at i.
  size_t header_command_end(size_t i) {
    const Code& c = m_code;
    if (m_mode == GuardMode::header) {
      bool allowed = c.is_keyword(i, "set_option") && i + 2 < c.size() &&
                     header_option_kind(c.key(i + 1)) != OptionKind::refused;
      return allowed ? set_option_end(c, i) : i;
    }
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
    if (auto it = m_rules.by_first_word.find(m_keys[i]); it != m_rules.by_first_word.end()) {
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
    const std::string& key = m_keys[j];
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
      // A budget (`maxHeartbeats 400000`, as models trained on other headers restate it) or a
      // printing option cannot change what the statement means; the table still refuses
      // `maxHeartbeats 0` unless the header sets it.
      OptionKind kind = i + 2 < c.size() ? header_option_kind(c.key(i + 1)) : OptionKind::refused;
      if (kind == OptionKind::budget || kind == OptionKind::printing) return std::nullopt;
      return finding(kSetOption, i, set_option_end(c, i));
    }
    if (c[i].kind == TokenKind::keyword && c.text(i).starts_with('#') &&
        !one_of(c.text(i), kAllowedHashCommands)) {
      return finding(kHashCommand, i, i + 1);
    }
    return std::nullopt;
  }

  // A header from the input line: every command must be one dataset headers hold. What starts
  // a command: a command keyword, `@[`, a `#`-command, or a name at column 0 (Lean's own
  // convention; Mathlib declares some commands with names the lexer cannot know).
  std::optional<GuardFinding> header_rule(size_t i) {
    const Code& c = m_code;
    if (c.is_keyword(i, "set_option")) {  // an allowed one was skipped as the header's own
      return finding(kHeaderOption, i, set_option_end(c, i));
    }
    if (m_pending && i == m_pending_at) return m_pending;
    if (c.is_keyword(i, "@[")) {
      // Reported at the attribute's name, so that a table rule there (implemented_by) wins.
      if (auto bad = unlisted_attribute(i)) {
        m_pending = finding(kAttribute, *bad, *bad + 1);
        m_pending_at = *bad;
      }
      return std::nullopt;
    }
    bool starts =
        starts_plain_command(i) || (c[i].kind == TokenKind::identifier && c[i].column == 0);
    if (!starts || (c[i].kind == TokenKind::keyword && one_of(c.text(i), kHeaderCommands))) {
      return std::nullopt;
    }
    return finding(kHeaderCommand, i, c.line_end(i));
  }

  // The attribute list opened at i (`@[simp, local reducible]`): each attribute's name must be
  // one of kAllowedAttributes; arguments after the name are the attribute's own. Returns the
  // first name that is not.
  std::optional<size_t> unlisted_attribute(size_t i) const {
    const Code& c = m_code;
    bool entry_start = true;
    int depth = 1;
    for (size_t j = i + 1; j < c.size() && depth > 0; ++j) {
      std::string_view t = c.text(j);
      if (c[j].kind == TokenKind::symbol) {
        if (t == "[" || t == "#[" || t == "%[" || t == "(" || t == "{" || t == "⟨") ++depth;
        if (t == "]" || t == ")" || t == "}" || t == "⟩") --depth;
        if (t == "," && depth == 1) {
          entry_start = true;
          continue;
        }
      }
      if (!entry_start || depth == 0) continue;
      if (c.is_keyword(j, "local") || c.is_keyword(j, "scoped")) continue;
      entry_start = false;
      bool name = c[j].kind == TokenKind::identifier || c[j].kind == TokenKind::keyword;
      if (!name || !one_of(c.key(j), kAllowedAttributes)) return j;
    }
    return std::nullopt;
  }

  // The tokens before a statement's declaration keyword: attributes, modifiers, and
  // `open ... in` / `set_option ... in`. Sets m_declaration_at, or the prefix's finding (reported
  // at its position, after any table rule before or at it).
  void read_statement_prefix() {
    const Code& c = m_code;
    for (size_t j = 0; j < c.size();) {
      if (c.is_keyword(j, "@[")) {
        if (auto bad = unlisted_attribute(j)) return prefix_finding(kAttribute, *bad, *bad + 1);
        j = attribute_list_end(j);
      } else if (c[j].kind == TokenKind::keyword && one_of(c.text(j), kDeclarationModifiers)) {
        ++j;
      } else if (c.is_keyword(j, "open") || c.is_keyword(j, "set_option")) {
        bool open = c.is_keyword(j, "open");
        size_t end = open ? open_end(c, j) : set_option_end(c, j);
        if (!followed_by_in(end)) return prefix_finding(kStatementCommand, j, c.line_end(j));
        if (!open && !m_header.has_option(c, j) && j + 2 < c.size() &&
            header_option_kind(c.key(j + 1)) == OptionKind::refused) {
          return prefix_finding(kHeaderOption, j, end);
        }
        j = end + 1;
      } else if (c[j].kind == TokenKind::keyword && one_of(c.text(j), kStatementDeclarations)) {
        m_declaration_at = j;
        return;
      } else {
        return prefix_finding(kStatementCommand, j, c.line_end(j));
      }
    }
  }

  void prefix_finding(const ContextRule& rule, size_t first, size_t end) {
    m_prefix_finding = finding(rule, first, end);
    m_prefix_finding_at = first;
  }

  size_t attribute_list_end(size_t i) const {
    size_t j = i + 1;
    for (int depth = 1; j < m_code.size() && depth > 0; ++j) {
      std::string_view t = m_code.text(j);
      if (m_code[j].kind != TokenKind::symbol) continue;
      depth += (t == "[" || t == "#[" || t == "%[") - (t == "]");
    }
    return j;
  }

  std::optional<GuardFinding> statement_rule(size_t i) const {
    const Code& c = m_code;
    if (m_prefix_finding) {
      return i == m_prefix_finding_at ? m_prefix_finding : std::nullopt;
    }
    if (!m_declaration_at || i <= *m_declaration_at) return std::nullopt;
    if (c.is_keyword(i, "import")) return finding(kStatementSecond, i, import_end(c, i));
    bool escapes = c.is_keyword(i, "open")         ? !followed_by_in(open_end(c, i))
                   : c.is_keyword(i, "set_option") ? !followed_by_in(set_option_end(c, i))
                                                   : starts_plain_command(i);
    if (escapes) return finding(kStatementSecond, i, c.line_end(i));
    return std::nullopt;
  }

  // The proof is appended to a statement as is: the statement must end where no token of the
  // proof can join its last one.
  std::optional<GuardFinding> statement_end() const {
    const Code& c = m_code;
    std::string_view text = c.source();
    if (c.size() == 0 || text.empty()) return std::nullopt;
    char last = text.back();
    if (last == ' ' || last == '\n' || last == '\t' || last == '\r') return std::nullopt;
    size_t final_token = c.size() - 1;
    if (c.text(final_token) == ":=" && c[final_token].offset + c[final_token].size == text.size()) {
      return std::nullopt;
    }
    return finding(kStatementEnd, final_token, final_token + 1);
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
  std::vector<std::string> m_keys;  // guard_key of each code token, "" for the others
  std::vector<int8_t> m_command_level;  // -1 unknown, else 0/1
  // GuardMode::statement: where its declaration keyword is, or the prefix's finding.
  std::optional<size_t> m_declaration_at;
  std::optional<GuardFinding> m_prefix_finding;
  size_t m_prefix_finding_at = 0;
  // GuardMode::header: an attribute finding, reported when the scan reaches its position.
  std::optional<GuardFinding> m_pending;
  size_t m_pending_at = 0;
};

}  // namespace

std::string GuardFinding::describe() const {
  return fmt::format("line {}, column {}: `{}`: {}", line, column, construct, why);
}

std::string_view to_string(GuardMode mode) {
  switch (mode) {
    case GuardMode::proof_body:
      return "proof_body";
    case GuardMode::whole_file:
      return "whole_file";
    case GuardMode::header:
      return "header";
    case GuardMode::statement:
      return "statement";
  }
  return "?";
}

// The list is short on purpose: an option that is not here is refused, since the guard cannot
// know every option's effect. synthInstance.* is not taken whole: synthInstance.checkSynthOrder
// is a check.
OptionKind header_option_kind(std::string_view name) {
  auto under = [&](std::string_view prefix) {
    return name.size() > prefix.size() && name.starts_with(prefix) && name[prefix.size()] == '.';
  };
  if (one_of(name,
             "maxHeartbeats maxRecDepth maxSynthPendingDepth synthInstance.maxHeartbeats "
             "synthInstance.maxSize exponentiation.threshold")) {
    return OptionKind::budget;
  }
  if (under("pp") || under("linter")) return OptionKind::printing;
  if (one_of(name, "autoImplicit relaxedAutoImplicit checkBinderAnnotations")) {
    return OptionKind::harmless;
  }
  return OptionKind::refused;
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
  // A header is read under itself: what it imports decides how its own text lexes.
  const HeaderFacts& header = header_facts(mode == GuardMode::header ? text : task_header);
  return Checker(code, mode, header, RuleSet{m_rules, m_by_first_word, m_other_rules}).run();
}

}  // namespace lean_bridge
