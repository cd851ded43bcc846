#include "tasks/declaration_scanner.hpp"

#include <algorithm>
#include <array>
#include <optional>

#include "common/lean_lexer.hpp"

namespace tasks {
namespace {

using common::Token;
using common::TokenKind;

constexpr std::string_view kOpenGuillemet = "\u00AB";
constexpr std::string_view kCloseGuillemet = "\u00BB";

constexpr std::array<std::string_view, 7> kDeclarationKeywords = {
    "theorem", "lemma", "def", "abbrev", "instance", "example", "opaque"};
// Keywords that can only start a command; seeing one resets the bracket depth, so an
// unbalanced bracket cannot hide the rest of the text.
constexpr std::array<std::string_view, 20> kCommandKeywords = {
    "theorem",   "lemma",    "def",       "abbrev",      "example",   "opaque",  "axiom",
    "structure", "class",    "inductive", "coinductive", "namespace", "section", "end",
    "mutual",    "variable", "universe",  "attribute",   "export",    "import"};
constexpr std::array<std::string_view, 10> kOpeners = {"(",  "[",  "{",  "\u2983", "\u27E8",
                                                       "@[", "#[", "%[", "`(",     "``("};
constexpr std::array<std::string_view, 5> kClosers = {")", "]", "}", "\u2984", "\u27E9"};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& words, std::string_view word) {
  return std::find(words.begin(), words.end(), word) != words.end();
}

// Code tokens (comments dropped) with one token of lookahead; copy it to look further.
class CodeTokens {
 public:
  explicit CodeTokens(std::string_view text) : m_lexer(text) { m_next = pull(); }
  std::optional<Token> take() {
    auto token = m_next;
    m_next = pull();
    return token;
  }
  const std::optional<Token>& peek() const { return m_next; }

 private:
  std::optional<Token> pull() {
    auto token = m_lexer.next();
    while (token && common::is_comment(token->kind)) token = m_lexer.next();
    return token;
  }
  common::LeanLexer m_lexer;
  std::optional<Token> m_next;
};

std::string join(const std::vector<std::string>& components) {
  std::string name;
  for (const auto& component : components) name += (name.empty() ? "" : ".") + component;
  return name;
}

}  // namespace

// One pass over one text; owns the bracket depth, borrows the scanner's scopes.
class DeclarationWalk {
 public:
  DeclarationWalk(DeclarationScanner& scanner, std::string_view text)
      : m_scanner(scanner), m_tokens(text) {}

  std::vector<Declaration> run() {
    while (auto token = m_tokens.take()) {
      step(*token);
      m_previous = token->text;
    }
    return std::move(m_found);
  }

 private:
  void step(const Token& token) {
    if (token.kind == TokenKind::symbol || token.text == "@[") return track_brackets(token.text);
    if (token.kind != TokenKind::keyword) return;
    std::string_view word = token.text;
    if (contains(kCommandKeywords, word)) m_depth = 0;
    if (word == "namespace") {
      if (auto name = take_identifier(-1)) m_scanner.open_scopes(*name, true);
    } else if (word == "section") {
      m_scanner.open_scopes(take_identifier(token.line).value_or(""), false);
    } else if (word == "mutual") {
      m_scanner.open_scopes("", false);
    } else if (word == "end") {
      m_scanner.close_scopes(take_identifier(token.line).value_or(""));
    } else if (contains(kDeclarationKeywords, word) && counts(word)) {
      m_found.push_back(declaration(token));
    }
  }

  bool counts(std::string_view word) const {
    return word != "instance" || (m_depth == 0 && m_previous != "deriving");
  }

  void track_brackets(std::string_view symbol) {
    if (contains(kOpeners, symbol)) ++m_depth;
    if (contains(kClosers, symbol) && m_depth > 0) --m_depth;
  }

  // Takes the next token if it is an identifier (on `line`, unless line < 0).
  std::optional<std::string_view> take_identifier(int line) {
    const auto& next = m_tokens.peek();
    if (!next || next->kind != TokenKind::identifier || (line >= 0 && next->line != line)) {
      return std::nullopt;
    }
    return m_tokens.take()->text;
  }

  Declaration declaration(const Token& keyword) {
    Declaration found{std::string(keyword.text), "", keyword.line};
    if (keyword.text == "example") return found;
    if (keyword.text == "instance") skip_priority();
    if (auto name = take_identifier(-1)) found.name = m_scanner.qualify(*name);
    return found;
  }

  // `instance (priority := 100) foo : ...`
  void skip_priority() {
    CodeTokens ahead = m_tokens;
    if (!ahead.peek() || ahead.peek()->text != "(") return;
    ahead.take();
    if (!ahead.peek() || ahead.peek()->text != "priority") return;
    int depth = 0;
    while (auto token = m_tokens.take()) {
      if (token->text == "(") ++depth;
      if (token->text == ")" && --depth == 0) return;
    }
  }

  DeclarationScanner& m_scanner;
  CodeTokens m_tokens;
  int m_depth = 0;
  std::string_view m_previous;
  std::vector<Declaration> m_found;
};

std::vector<Declaration> DeclarationScanner::scan(std::string_view text) {
  return DeclarationWalk(*this, text).run();
}

std::string DeclarationScanner::current_namespace() const {
  std::vector<std::string> components;
  for (const Scope& scope : m_scopes) {
    if (scope.is_namespace) components.push_back(scope.name);
  }
  return join(components);
}

std::string DeclarationScanner::qualify(std::string_view written) const {
  std::vector<std::string> components = name_components(written);
  if (!components.empty() && components.front() == "_root_") {
    components.erase(components.begin());
    return join(components);
  }
  std::string prefix = current_namespace();
  std::string name = join(components);
  return prefix.empty() || name.empty() ? name : prefix + "." + name;
}

void DeclarationScanner::open_scopes(std::string_view name, bool is_namespace) {
  if (name.empty()) {
    m_scopes.push_back(Scope{"", is_namespace});
    return;
  }
  for (auto& component : name_components(name)) {
    m_scopes.push_back(Scope{std::move(component), is_namespace});
  }
}

void DeclarationScanner::close_scopes(std::string_view name) {
  std::size_t count = name.empty() ? 1 : name_components(name).size();
  m_scopes.resize(m_scopes.size() - std::min(count, m_scopes.size()));
}

std::vector<std::string> name_components(std::string_view name) {
  std::vector<std::string> components;
  std::string current;
  std::size_t i = 0;
  while (i < name.size()) {
    if (name.substr(i, kOpenGuillemet.size()) == kOpenGuillemet) {
      std::size_t begin = i + kOpenGuillemet.size();
      std::size_t close = std::min(name.find(kCloseGuillemet, begin), name.size());
      std::string_view inner = name.substr(begin, close - begin);
      bool plain = common::is_plain_identifier(inner);
      current += plain ? std::string(inner) : std::string(name.substr(i, close + 2 - i));
      i = std::min(close + kCloseGuillemet.size(), name.size());
    } else if (name[i] == '.') {
      components.push_back(std::move(current));
      current.clear();
      ++i;
    } else {
      current.push_back(name[i++]);
    }
  }
  if (!name.empty()) components.push_back(std::move(current));
  return components;
}

}  // namespace tasks
