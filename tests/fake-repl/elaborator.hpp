#pragma once
// The fake REPL's state (environments, proof states) and its fake "elaboration".
//
// Contracts (see README.md for the full list of directives):
//  - Env ids and proof-state ids start at 0 and grow by one per allocation, never reused;
//    an env inherits the declarations of its parent env, recursively.
//  - command(text, env) returns the REPL's command answer
//    {"env": N, "messages": [...], "sorries": [...]} (empty lists omitted); env must be either
//    absent (a fresh environment: leading `import` lines are the header) or a known env.
//  - tactic(text, state) returns the REPL's tactic answer, or {"message": "Unknown proof state."}.
//  - Directives may perform side effects (sleep, output, crash, ...) while a command runs.
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace fake_repl {

using Axioms = std::vector<std::string>;

// What the double knows of a declaration: its axioms, and its signature (the tokens between
// its name and `:=`), which stands in for its type when a statement check compares two.
struct DeclInfo {
  Axioms axioms;
  std::string signature;
};

class Elaborator {
 public:
  // backtick_sorry selects "declaration uses `sorry`" (Lean >= 4.28) over "... 'sorry'".
  explicit Elaborator(bool backtick_sorry) : m_backtick_sorry(backtick_sorry) {}

  bool has_env(long id) const { return id >= 0 && id < static_cast<long>(m_envs.size()); }
  nlohmann::json command(const std::string& text, std::optional<long> env);
  nlohmann::json tactic(const std::string& text, long proof_state);

 private:
  struct Env {
    long parent;
    std::map<std::string, DeclInfo> decls;
  };
  const DeclInfo* find_decl(long env, const std::string& name) const;

  std::vector<Env> m_envs;
  long m_proof_states = 0;
  bool m_backtick_sorry;
};

}  // namespace fake_repl
