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
//  - Heartbeats: each env has a `maxHeartbeats` limit (a fresh env: 200000, Lean's default),
//    inherited by the envs built on it; a top-level `set_option maxHeartbeats N` in a command
//    sets it for the rest of the command and for the new env, `set_option maxHeartbeats N in`
//    for the declaration it stands in (or precedes). `--! heartbeats H` spends H (option units)
//    at that point: above a non-zero limit, Lean's heartbeat error at the directive, and the
//    declaration depends on sorryAx; it sleeps min(H, limit, or H when the limit is 0) times
//    ms_per_kheartbeats / 1000 ms.
//  - With rules (rules mode, README.md "Tactic rules mode"), every proof state holds its goals:
//    a sorry's goal is the goal at that point of its declaration, tactics are applied by the
//    rules, and tactic proofs of theorems, lemmas and examples are run by the same rules.
//  - Lemmas (README.md, "Lemmas"): in rules mode, `exact NAME ...`/`apply NAME ...` with NAME a
//    theorem or lemma with a readable signature, resolved where the tactic runs (a proof
//    state's namespaces and the env its command made; in a command, also its earlier
//    declarations), is decided by that lemma (lemmas.hpp) before the rules. The axioms of a
//    declaration include those of every theorem or lemma its text names, as `#print axioms`
//    sees through them in Lean.
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "goal.hpp"
#include "lemmas.hpp"
#include "tactic_rules.hpp"

namespace fake_repl {

using Axioms = std::vector<std::string>;

// What the double knows of a declaration: its axioms, and its signature (the tokens between
// its name and `:=`), which stands in for its type when a statement check compares two. A
// `theorem` or `lemma` is marked, with its binders and type when its signature is readable.
struct DeclInfo {
  Axioms axioms;
  std::string signature;
  bool theorem = false;
  std::optional<Lemma> lemma;
};

// A proof state: its goals (rules mode), and where it was made: the env of its command and the
// namespace it was in, which lemma names resolve against.
struct ProofState {
  std::vector<Goal> goals;
  long env = -1;
  std::string scope;
};

class Elaborator {
 public:
  // backtick_sorry selects "declaration uses `sorry`" (Lean >= 4.28) over "... 'sorry'".
  // rules, when given, must outlive the elaborator.
  explicit Elaborator(bool backtick_sorry, const TacticRules* rules = nullptr)
      : m_backtick_sorry(backtick_sorry), m_rules(rules) {}

  // Milliseconds slept per 1000 heartbeats (option units) spent by `--! heartbeats`.
  void set_ms_per_kheartbeats(double ms) { m_ms_per_kheartbeats = ms; }

  bool has_env(long id) const { return id >= 0 && id < static_cast<long>(m_envs.size()); }
  // all_tactics: the answer lists the tactic lines with their usedConstants (README.md).
  // infotree: in rules mode, the answer's "infotree" has one TacticInfo node per tactic a
  // proof ran, with its goals before and after (README.md, "Infotree").
  nlohmann::json command(const std::string& text, std::optional<long> env,
                         bool all_tactics = false, bool infotree = false);
  nlohmann::json tactic(const std::string& text, long proof_state);

  // The proof states, indexed by id.
  using ProofStates = std::vector<ProofState>;

 private:
  struct Env {
    long parent;
    std::map<std::string, DeclInfo> decls;
    long max_heartbeats;  // the env's `maxHeartbeats` (0: no limit)
  };
  const DeclInfo* find_decl(long env, const std::string& name) const;
  nlohmann::json tactics_of(const std::string& text, long env);

  nlohmann::json rules_tactic(const std::string& text, long proof_state);

  std::vector<Env> m_envs;
  ProofStates m_states;
  bool m_backtick_sorry;
  const TacticRules* m_rules;
  double m_ms_per_kheartbeats = 0;
};

}  // namespace fake_repl
