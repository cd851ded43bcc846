#pragma once
// Finds the command-level declarations of Lean text with the shared lexer (so comments and
// strings never count) and qualifies their names with the enclosing namespaces.
//
// A declaration is a `theorem`, `lemma`, `def`, `abbrev`, `instance`, `example` or `opaque`
// keyword token; modifiers (`private`, `noncomputable`, ...), attributes `@[...]` and doc
// comments before it do not matter. `instance` inside brackets (`@[instance]`,
// `attribute [instance] x`) or after `deriving` is not a declaration. Scopes: `namespace A.B`
// opens A and B; `section [X]`, `noncomputable section` and `mutual` open unnamed scopes;
// `end [X.Y]` closes one scope per name component (one if no name). `_root_.x` is not
// qualified.
#include <string>
#include <string_view>
#include <vector>

namespace tasks {

struct Declaration {
  std::string keyword;  // theorem, lemma, def, abbrev, instance, example, opaque
  // Fully qualified, as Lean prints it: components joined by ".", a component kept in «» only
  // when it is not a plain identifier («my thm», but «foo» → foo). Empty for `example`, an
  // anonymous `instance`, or a keyword with no name after it.
  std::string name;
  int line;  // 1-based line of the keyword in the scanned text
};

class DeclarationScanner {
 public:
  // The declarations of `text`, in order. Scopes left open stay open for the next call, so a
  // header can be scanned before the statement that follows it.
  std::vector<Declaration> scan(std::string_view text);
  // The namespace currently open ("" at the root), e.g. "A.B".
  std::string current_namespace() const;

 private:
  struct Scope {
    std::string name;  // namespace component; "" for a section or mutual block
    bool is_namespace;
  };
  std::string qualify(std::string_view written) const;
  void open_scopes(std::string_view name, bool is_namespace);
  void close_scopes(std::string_view name);

  std::vector<Scope> m_scopes;
  friend class DeclarationWalk;
};

// A declaration name split into components, each normalised as in Declaration::name
// ("Foo.«bar»" → {"Foo", "bar"}, "«my thm»" → {"«my thm»"}).
std::vector<std::string> name_components(std::string_view name);

}  // namespace tasks
