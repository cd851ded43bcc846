#include "lean-bridge/guard.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <unordered_set>
#include <utility>

#include "common/lean_lexer.hpp"
#include "common/tagged_hash.hpp"

namespace lean_bridge {
namespace {

using common::TokenKind;

// The version of the context rules below; hashed into Guard::version(). Bump it whenever a
// context rule refuses something else or says something else.
constexpr std::string_view kCodeVersion = "context-rules-1";

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
    "the guard cannot read this the way Lean does (code inside a string's {...}, a '\"' char "
    "literal, an escape it does not know, an unterminated string), so it refuses rather than "
    "guesses"};
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
// Commands (of Lean and Mathlib) that the lexer reads as identifiers.
constexpr std::string_view kIdentifierCommands =
    "irreducible_def alias notation3 simproc dsimproc simproc_decl dsimproc_decl unif_hint "
    "register_option register_builtin_option register_simp_attr declare_config_elab "
    "binder_predicate assert_not_exists library_note add_decl_doc initialize_simps_projections "
    "suppress_compilation unseal seal compile_inductive run_elab run_meta";
constexpr std::string_view kAllowedHashCommands = "#check #print #reduce #synth";

// True if `word` is one of the space-separated words of `list`.
bool one_of(std::string_view word, std::string_view list) {
  for (size_t at = list.find(word); at != std::string_view::npos; at = list.find(word, at + 1)) {
    size_t end = at + word.size();
    if ((at == 0 || list[at - 1] == ' ') && (end == list.size() || list[end] == ' ')) return true;
  }
  return false;
}

// A code token (comments dropped); compact, since a hostile text may hold millions.
struct Tok {
  uint32_t offset;
  uint32_t size;
  int32_t line;
  int32_t column;
  TokenKind kind;
  bool unterminated_string;  // an error token: a string literal that never ends
};

// The code tokens of a text.
class Code {
 public:
  explicit Code(std::string_view text) : m_text(text) {
    common::LeanLexer lexer(text);
    while (auto t = lexer.next()) {
      if (common::is_comment(t->kind)) continue;
      m_toks.push_back({static_cast<uint32_t>(t->offset), static_cast<uint32_t>(t->text.size()),
                        t->line, t->column, t->kind, t->problem == "unterminated string literal"});
    }
  }
  size_t size() const { return m_toks.size(); }
  const Tok& operator[](size_t i) const { return m_toks[i]; }
  std::string_view text(size_t i) const { return m_text.substr(m_toks[i].offset, m_toks[i].size); }
  // The byte right after token i, or 0 at the end.
  char byte_after(size_t i) const {
    size_t at = m_toks[i].offset + m_toks[i].size;
    return at < m_text.size() ? m_text[at] : '\0';
  }
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
  std::string span(size_t first, size_t end) const {
    end = std::clamp(end, first + 1, size());
    const Tok& last = m_toks[end - 1];
    std::string_view raw =
        m_text.substr(m_toks[first].offset, last.offset + last.size - m_toks[first].offset);
    std::string out;
    int code_points = 0;
    for (size_t i = 0; i < raw.size(); ++code_points) {
      if (code_points == 80) return out + "...";
      auto c = common::decode_utf8(raw, i);
      bool space = c.code == ' ' || c.code == '\t' || c.code == '\r' || c.code == '\n';
      if (!space || out.empty() || out.back() != ' ') {
        out.append(space ? " " : raw.substr(i, static_cast<size_t>(c.length)));
      }
      i += static_cast<size_t>(c.length);
    }
    return out;
  }
  // One past the last token on the line of token i.
  size_t line_end(size_t i) const {
    size_t j = i + 1;
    while (j < size() && m_toks[j].line == m_toks[i].line) ++j;
    return j;
  }

 private:
  std::string_view m_text;
  std::vector<Tok> m_toks;
};

// `import A B`: names on the line of the name before them (as common::split_header reads).
size_t import_end(const Code& c, size_t i) {
  size_t j = i + 1;
  while (j < c.size() && c[j].kind == TokenKind::identifier &&
         (j == i + 1 || c[j].line == c[j - 1].line))
    ++j;
  return j;
}

size_t set_option_end(const Code& c, size_t i) {
  return std::min(i + 3, c.size());
}

// `open [scoped] A B (x y) hiding z renaming a → b`; an identifier at column 0 of a later line,
// or one that names a command, starts the next command.
size_t open_end(const Code& c, size_t i) {
  size_t j = i + 1;
  if (c.is_keyword(j, "scoped")) ++j;
  for (; j < c.size(); ++j) {
    std::string_view t = c.text(j);
    bool name = c[j].kind == TokenKind::identifier && !one_of(t, kIdentifierCommands) &&
                (c[j].column > 0 || c[j].line == c[i].line);
    bool clause = c[j].kind == TokenKind::symbol && (t == "(" || t == ")" || t == "→" || t == "->");
    if (!name && !clause) break;
  }
  return j;
}

// An `open` of plain names (`open A B`, `open scoped A`), without clauses.
bool plain_open(const Code& c, size_t i, size_t end) {
  for (size_t j = i + 1; j < end; ++j) {
    if (c[j].kind != TokenKind::identifier && !(j == i + 1 && c.is_keyword(j, "scoped"))) {
      return false;
    }
  }
  return end > i + 1;
}

// What the task's trusted header imports, sets and opens.
struct HeaderFacts {
  std::unordered_set<std::string> modules;
  std::vector<std::pair<std::string, std::string>> options;  // set_option NAME VALUE
  std::unordered_set<std::string> opened;                    // by `open A`
  std::unordered_set<std::string> opened_scoped;             // by `open scoped A`
  std::vector<std::vector<std::string>> opens;               // each `open`'s keys

  explicit HeaderFacts(std::string_view header) {
    Code c(header);
    for (size_t i = 0; i < c.size(); ++i) {
      if (c.is_keyword(i, "import")) {
        for (size_t j = i + 1, end = import_end(c, i); j < end; ++j) modules.insert(c.key(j));
      } else if (c.is_keyword(i, "set_option") && i + 2 < c.size()) {
        options.emplace_back(c.key(i + 1), c.key(i + 2));
      } else if (c.is_keyword(i, "open")) {
        add_open(c, i, open_end(c, i));
      }
    }
  }
  void add_open(const Code& c, size_t i, size_t end) {
    opens.push_back(keys(c, i + 1, end));
    if (!plain_open(c, i, end)) return;
    bool scoped = c.is_keyword(i + 1, "scoped");
    for (size_t j = i + 1 + scoped; j < end; ++j)
      (scoped ? opened_scoped : opened).insert(c.key(j));
  }
  // True if the `open` at i opens nothing the header does not: the same command, or plain
  // names the header opens the same way (`open A` also opens A's scoped names).
  bool covers_open(const Code& c, size_t i, size_t end) const {
    if (std::find(opens.begin(), opens.end(), keys(c, i + 1, end)) != opens.end()) return true;
    if (!plain_open(c, i, end)) return false;
    bool scoped = c.is_keyword(i + 1, "scoped");
    for (size_t j = i + 1 + scoped; j < end; ++j) {
      std::string name = c.key(j);
      if (!opened.count(name) && !(scoped && opened_scoped.count(name))) return false;
    }
    return true;
  }
  bool has_option(const Code& c, size_t i) const {
    return i + 2 < c.size() && std::find(options.begin(), options.end(),
                                         std::pair(c.key(i + 1), c.key(i + 2))) != options.end();
  }
  bool imports_all(const Code& c, size_t i, size_t end) const {
    for (size_t j = i + 1; j < end; ++j) {
      if (!modules.count(c.key(j))) return false;
    }
    return end > i + 1;
  }
  static std::vector<std::string> keys(const Code& c, size_t first, size_t end) {
    std::vector<std::string> out;
    for (size_t j = first; j < end; ++j) out.push_back(c.key(j));
    return out;
  }
};

// Which tokens sit inside `@[...]` or `attribute [...]`.
std::vector<bool> attribute_tokens(const Code& c) {
  std::vector<bool> inside(c.size());
  int depth = 0;
  for (size_t i = 0; i < c.size(); ++i) {
    inside[i] = depth > 0;
    std::string_view t = c.text(i);
    if (depth > 0 && c[i].kind == TokenKind::symbol) {
      depth += (t == "[" || t == "#[" || t == "%[") - (t == "]");
    } else if (depth == 0 &&
               (c.is_keyword(i, "@[") || (t == "[" && i > 0 && c.is_keyword(i - 1, "attribute")))) {
      depth = 1;
    }
  }
  return inside;
}

// Inside the `{...}` of a string token: quotes, char literals, backslashes or comments. Lean
// parses a term there (for `s!"..."` and for every syntax that takes an interpolated string,
// `throwError "..."` too) and the lexer does not, so the two may end the string differently.
bool braces_hold_code(std::string_view t) {
  if (t.starts_with("r\"") || t.starts_with("r#")) return false;  // raw: no escapes, no {}
  size_t i = t.find('"');
  if (i == std::string_view::npos) return false;
  int depth = 0;
  for (++i; i + 1 < t.size(); ++i) {
    char ch = t[i];
    if (depth == 0) {
      i += ch == '\\';
      depth = ch == '{';
      continue;
    }
    std::string_view two = t.substr(i, 2);
    if (ch == '"' || ch == '\'' || ch == '\\' || two == "--" || two == "/-") return true;
    depth += (ch == '{') - (ch == '}');
  }
  return false;
}

// True if Lean may read token i differently from the lexer, so that code could hide in what
// the guard takes for a string: an unterminated string, a `'"'` char literal (after a token
// that ends in `'`, such as Mathlib's `⁻¹'`, Lean opens a string there), a `'` before an escape
// the lexer does not read (`'\u03B1'`), or code inside a string's `{...}`.
bool unreadable(const Code& c, size_t i) {
  switch (c[i].kind) {
    case TokenKind::error:
      return c[i].unterminated_string;
    case TokenKind::char_literal:
      return c.text(i).find('"') != std::string_view::npos;
    case TokenKind::symbol:
      return c.text(i) == "'" && c.byte_after(i) == '\\';
    case TokenKind::string:
      return braces_hold_code(c.text(i));
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
      if (unreadable(m_code, i)) return finding(kUnreadable, i, i + 1);
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
