// The guard's rule table (data) and the reader of its format. Format and matching rules are in
// docs/guard.md; in short, one rule per line:
//
//   ID  VERDICT  PATTERN...  -- WHY
//
// PATTERN is a sequence of token matchers: a word is matched token by token as Lean code
// (`#eval`, `+native`, `native := true`), `~name` is an identifier that is `name` or ends in
// `.name`, `name.*` an identifier that is `name` or starts with `name.`, `attr:name` a name
// inside `@[...]` or `attribute [...]`. Lines starting with `#` are comments.
#include <fmt/format.h>

#include <cctype>
#include <cstdint>
#include <optional>

#include "common/lean_lexer.hpp"
#include "common/text.hpp"
#include "lean-bridge/guard.hpp"

namespace lean_bridge {

// Changing a line here changes Guard::version() and so every verification cache key.
std::string_view default_guard_rules() {
  return R"rules(
# ID                     VERDICT     PATTERN                     -- WHY

# Goals left unproved (Lean reports them too; the guard names them before Lean runs).
sorry                    incomplete  sorry                       -- leaves a goal unproved (sorryAx)
admit                    incomplete  admit                       -- leaves a goal unproved (a synonym of sorry)
sorry_ax                 incomplete  ~sorryAx                    -- names the axiom behind sorry

# Assumptions and declarations the kernel does not check.
axiom                    rejected    axiom                       -- declares an unproved assumption
opaque                   rejected    opaque                      -- declares a constant the kernel cannot unfold, backed by unchecked code
unsafe                   rejected    unsafe                      -- unsafe code is exempt from the kernel's checks
partial                  rejected    partial                     -- a partial definition is an opaque constant backed by unchecked code
implemented_by           rejected    implemented_by              -- swaps a declaration's compiled code for other code
extern                   rejected    extern                      -- binds a declaration to foreign code
csimp                    rejected    csimp                       -- replaces a definition by another one in compiled code

# Compiled code trusted as a proof.
native_decide            rejected    native_decide               -- trusts compiled code (Lean.ofReduceBool)
decide_native            rejected    +native                     -- `decide +native` trusts compiled code (Lean.ofReduceBool)
native_option            rejected    native := true              -- `decide (config := {native := true})` trusts compiled code (Lean.ofReduceBool)
of_reduce_bool           rejected    ~ofReduceBool               -- the axiom that trusts compiled code
of_reduce_nat            rejected    ~ofReduceNat                -- the axiom that trusts compiled Nat arithmetic
trust_compiler           rejected    ~trustCompiler              -- the axiom that trusts the compiler

# Code run while Lean elaborates (it could print a forged answer, read files, edit the environment).
eval                     rejected    #eval                       -- runs code while Lean elaborates
exit                     rejected    #exit                       -- makes Lean stop reading the text
run_cmd                  rejected    run_cmd                     -- runs command-elaborator code
run_tac                  rejected    run_tac                     -- runs tactic code written in the proof
run_elab                 rejected    run_elab                    -- runs elaborator code
run_meta                 rejected    run_meta                    -- runs MetaM code
by_elab                  rejected    by_elab                     -- runs term-elaborator code
initialize               rejected    initialize                  -- runs code when the environment is initialised
builtin_initialize       rejected    builtin_initialize          -- runs code when the environment is initialised
attr_init                rejected    attr:init                   -- runs code when the environment is initialised
attr_builtin_init        rejected    attr:builtin_init           -- runs code when the environment is initialised
attr_tactic              rejected    attr:tactic                 -- registers a definition as tactic code that Lean runs
attr_term_elab           rejected    attr:term_elab              -- registers a definition as elaborator code that Lean runs
attr_command_elab        rejected    attr:command_elab           -- registers a definition as elaborator code that Lean runs
attr_delab               rejected    attr:delab                  -- registers a definition as printing code that Lean runs
attr_norm_num            rejected    attr:norm_num               -- registers a norm_num extension (code that Lean runs)
attr_positivity          rejected    attr:positivity             -- registers a positivity extension (code that Lean runs)
attr_aesop               rejected    attr:aesop                  -- registers an aesop rule, which can be tactic code that Lean runs
simproc                  rejected    simproc                     -- declares a simp procedure (code that Lean runs)
dsimproc                 rejected    dsimproc                    -- declares a simp procedure (code that Lean runs)
simproc_decl             rejected    simproc_decl                -- declares a simp procedure (code that Lean runs)
dsimproc_decl            rejected    dsimproc_decl               -- declares a simp procedure (code that Lean runs)

# Syntax, meta-programming and declarations that can change what the statement means.
elab                     rejected    elab                        -- defines elaborator code
elab_rules               rejected    elab_rules                  -- defines elaborator code
macro                    rejected    macro                       -- defines a macro, which can change what the statement's syntax means
macro_rules              rejected    macro_rules                 -- redefines syntax, which can change what the statement means
syntax                   rejected    syntax                      -- defines syntax, which can change what the statement means
declare_syntax_cat       rejected    declare_syntax_cat          -- defines a syntax category
notation                 rejected    notation                    -- defines notation, which can change what the statement's symbols mean
notation3                rejected    notation3                   -- defines notation, which can change what the statement's symbols mean
infix                    rejected    infix                       -- defines notation, which can change what the statement's symbols mean
infixl                   rejected    infixl                      -- defines notation, which can change what the statement's symbols mean
infixr                   rejected    infixr                      -- defines notation, which can change what the statement's symbols mean
prefix                   rejected    prefix                      -- defines notation, which can change what the statement's symbols mean
postfix                  rejected    postfix                     -- defines notation, which can change what the statement's symbols mean
binder_predicate         rejected    binder_predicate            -- defines binder notation, which can change what the statement means
unif_hint                rejected    unif_hint                   -- adds a unification hint, which can change how the statement elaborates
instance                 rejected    instance                    -- a new instance can change how the statement elaborates (inside a proof use haveI/letI)
attribute                rejected    attribute                   -- changes attributes of existing declarations (instances, simp sets...), which can change how the statement elaborates
export                   rejected    export                      -- makes names visible under other names, which can change what the statement's names mean
variable                 rejected    variable                    -- adds binders to the declarations after it, which changes their statements
include                  rejected    include                     -- adds section variables to the declarations after it, which changes their statements

# Options that switch off checks or budgets (the task's header may set them; a candidate may not).
debug_option             rejected    set_option debug.*          -- debug options switch off checks (debug.skipKernelTC skips the kernel)
internal_option          rejected    set_option internal.*       -- internal switches of Lean's elaborator
unlimited_heartbeats     rejected    set_option maxHeartbeats 0  -- removes the elaboration budget
unlimited_synth          rejected    set_option synthInstance.maxHeartbeats 0 -- removes the instance-search budget

# The environment, unsafe casts and the outside world, from code run while elaborating.
modify_env               rejected    ~modifyEnv                  -- edits Lean's environment directly
set_env                  rejected    ~setEnv                     -- replaces Lean's environment
add_decl                 rejected    ~addDecl                    -- adds a declaration to the environment without elaborating it
add_and_compile          rejected    ~addAndCompile              -- adds a declaration to the environment without elaborating it
environment              rejected    Lean.Environment.*          -- works on Lean's environment directly
kernel                   rejected    Lean.Kernel.*               -- calls the kernel's internals directly
elab_command             rejected    ~elabCommand                -- elaborates commands from inside a proof
eval_const               rejected    ~evalConst                  -- runs a declaration's compiled code
unsafe_cast              rejected    ~unsafeCast                 -- reinterprets a value as another type
unsafe_base_io           rejected    ~unsafeBaseIO               -- runs IO from pure code
unsafe_io                rejected    ~unsafeIO                   -- runs IO from pure code
unsafe_eio               rejected    ~unsafeEIO                  -- runs IO from pure code
ptr_addr_unsafe          rejected    ~ptrAddrUnsafe              -- reads memory addresses, which breaks referential transparency
io                       rejected    IO.*                        -- file, process and console access (IO.FS, IO.Process, IO.println)
)rules";
}

namespace {

// Rule ids owned by the context rules in guard.cpp.
constexpr std::string_view kReservedIds[] = {
    "second_command", "import",        "open",           "set_option",
    "hash_command",   "text_size",     "unreadable",     "unterminated",
    "header_command", "header_option", "attribute_name", "statement_command",
    "statement_end"};

using common::trim;

std::vector<std::string_view> split_words(std::string_view text) {
  std::vector<std::string_view> words;
  while (!(text = trim(text)).empty()) {
    size_t end = std::min(text.find_first_of(" \t"), text.size());
    words.push_back(text.substr(0, end));
    text.remove_prefix(end);
  }
  return words;
}

// Quoted input in error messages, cut to 60 bytes.
std::string quoted(std::string_view text) {
  return fmt::format("'{}{}'", text.substr(0, 60), text.size() > 60 ? "..." : "");
}

// The `--` that starts the why: preceded by whitespace.
size_t why_separator(std::string_view line) {
  for (size_t at = line.find("--"); at != std::string_view::npos; at = line.find("--", at + 2)) {
    if (at > 0 && (line[at - 1] == ' ' || line[at - 1] == '\t')) return at;
  }
  return std::string_view::npos;
}

bool valid_id(std::string_view id) {
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') {
      return false;
    }
  }
  return !id.empty();
}

// The one token `name` lexes to, if it is a single token of one of the two kinds.
std::optional<std::string_view> single_name(std::string_view name, common::TokenKind kind,
                                            common::TokenKind other) {
  auto tokens = common::lex(name);
  if (tokens.size() != 1 || (tokens[0].kind != kind && tokens[0].kind != other)) {
    return std::nullopt;
  }
  return tokens[0].text;
}

using Kind = GuardMatcher::Kind;

// What is wrong with a rule line; parse_guard_rules adds where it is.
struct BadRule {
  std::string problem;
};

// The matchers of one pattern word; throws BadRule.
std::vector<GuardMatcher> compile_word(std::string_view word) {
  using common::TokenKind;
  auto named = [&](std::string_view name, Kind kind, TokenKind other, std::string_view what) {
    auto token = single_name(name, TokenKind::identifier, other);
    if (!token) throw BadRule{fmt::format("pattern word {}: expected {}", quoted(word), what)};
    return std::vector<GuardMatcher>{{kind, guard_key(*token)}};
  };
  if (word.starts_with('~')) {
    return named(word.substr(1), Kind::suffix, TokenKind::identifier, "an identifier after `~`");
  }
  if (word.starts_with("attr:")) {
    return named(word.substr(5), Kind::attribute, TokenKind::keyword,
                 "an attribute name after `attr:`");
  }
  if (word.ends_with(".*")) {
    return named(word.substr(0, word.size() - 2), Kind::prefix, TokenKind::identifier,
                 "an identifier before `.*`");
  }
  if (word.find('*') != std::string_view::npos) {
    throw BadRule{
        fmt::format("pattern word {}: `*` is a wildcard only as a `.*` suffix", quoted(word))};
  }
  std::vector<GuardMatcher> matchers;
  for (const common::Token& token : common::lex(word)) {
    if (token.kind != TokenKind::identifier && token.kind != TokenKind::keyword &&
        token.kind != TokenKind::symbol && token.kind != TokenKind::number) {
      throw BadRule{fmt::format("pattern word {}: holds a {}, not code tokens", quoted(word),
                                common::to_string(token.kind))};
    }
    matchers.push_back({Kind::exact, guard_key(token.text)});
  }
  return matchers;
}

std::optional<Verdict> rule_verdict(std::string_view word) {
  auto verdict = parse_verdict(word);
  if (verdict == Verdict::incomplete || verdict == Verdict::rejected) return verdict;
  return std::nullopt;
}

// One non-blank, non-comment line; throws BadRule.
GuardRule parse_rule(std::string_view line) {
  size_t separator = why_separator(line);
  if (separator == std::string_view::npos || trim(line.substr(separator + 2)).empty()) {
    throw BadRule{"missing `-- WHY` (every rule says why it refuses)"};
  }
  auto words = split_words(line.substr(0, separator));
  if (words.size() < 3) {
    throw BadRule{
        fmt::format("expected `ID VERDICT PATTERN... -- WHY`, got {}", quoted(trim(line)))};
  }
  GuardRule rule;
  rule.id = words[0];
  if (!valid_id(rule.id)) {
    throw BadRule{
        fmt::format("rule id {}: use letters, digits, '_', '-' and '.'", quoted(rule.id))};
  }
  for (std::string_view reserved : kReservedIds) {
    if (rule.id == reserved) {
      throw BadRule{fmt::format("rule id {} is reserved for a context rule", quoted(rule.id))};
    }
  }
  auto verdict = rule_verdict(words[1]);
  if (!verdict) {
    throw BadRule{fmt::format("verdict {}: expected incomplete or rejected", quoted(words[1]))};
  }
  rule.verdict = *verdict;
  for (size_t i = 2; i < words.size(); ++i) {
    auto matchers = compile_word(words[i]);
    rule.pattern.insert(rule.pattern.end(), matchers.begin(), matchers.end());
    rule.pattern_text += (i > 2 ? " " : "") + std::string(words[i]);
  }
  rule.why = trim(line.substr(separator + 2));
  return rule;
}

std::optional<uint64_t> integer_value(std::string_view text) {
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && std::isalpha(static_cast<unsigned char>(text[1]))) {
    char b = static_cast<char>(std::tolower(static_cast<unsigned char>(text[1])));
    base = b == 'x' ? 16 : b == 'b' ? 2 : b == 'o' ? 8 : 0;
    text.remove_prefix(2);
  }
  if (base == 0 || text.empty()) return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    int digit = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                : std::isxdigit(static_cast<unsigned char>(c))
                    ? std::tolower(static_cast<unsigned char>(c)) - 'a' + 10
                    : base;
    if (digit >= base || value > (UINT64_MAX - static_cast<uint64_t>(digit)) / base) {
      return std::nullopt;
    }
    value = value * base + static_cast<uint64_t>(digit);
  }
  return value;
}

}  // namespace

std::string guard_key(std::string_view token) {
  if (!token.empty() && std::isdigit(static_cast<unsigned char>(token[0]))) {
    auto value = integer_value(token);
    return value ? std::to_string(*value) : std::string(token);
  }
  if (token.starts_with("_root_.")) token.remove_prefix(7);
  std::string key;
  key.reserve(token.size());
  for (size_t i = 0; i < token.size(); ++i) {
    std::string_view rest = token.substr(i);
    if (rest.starts_with("\u00AB") || rest.starts_with("\u00BB")) {
      ++i;  // the second byte of « or »
    } else {
      key.push_back(token[i]);
    }
  }
  return key;
}

std::vector<GuardRule> parse_guard_rules(std::string_view rules_text,
                                         std::string_view source_name) {
  std::vector<GuardRule> rules;
  int line_number = 0;
  while (!rules_text.empty()) {
    size_t end = std::min(rules_text.find('\n'), rules_text.size());
    std::string_view line = trim(rules_text.substr(0, end));
    rules_text.remove_prefix(std::min(end + 1, rules_text.size()));
    ++line_number;
    if (line.empty() || line.starts_with('#')) continue;
    std::string where = fmt::format("{}:{}", source_name, line_number);
    try {
      rules.push_back(parse_rule(line));
    } catch (const BadRule& bad) {
      throw GuardError(fmt::format("{}: {}", where, bad.problem));
    }
    rules.back().where = std::move(where);
  }
  return rules;
}

}  // namespace lean_bridge
