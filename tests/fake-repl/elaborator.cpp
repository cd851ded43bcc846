#include "elaborator.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <functional>
#include <regex>
#include <set>
#include <string_view>

#include "effects.hpp"
#include "lexer.hpp"
#include "proof_script.hpp"
#include "tactic_block.hpp"

namespace fake_repl {
namespace {

using nlohmann::json;
using Lookup = std::function<const DeclInfo*(const std::string&)>;

json position_json(Position p) {
  return {{"line", p.line}, {"column", p.column}};
}

json message_json(const std::string& severity, Position begin, std::optional<Position> end,
                  const std::string& data) {
  json message = {{"severity", severity}, {"pos", position_json(begin)}, {"data", data}};
  if (end) message["endPos"] = position_json(*end);
  return message;
}

std::string trim(std::string_view text) {
  auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return std::string(text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1));
}

std::optional<long> parse_number(const std::string& text) {
  long value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

std::vector<std::string> split_name(const std::string& name) {
  std::vector<std::string> parts(1);
  bool quoted = false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name.compare(i, 2, "«") == 0) quoted = true;
    if (name.compare(i, 2, "»") == 0) quoted = false;
    if (name[i] == '.' && !quoted)
      parts.emplace_back();
    else
      parts.back() += name[i];
  }
  return parts;
}

// «foo» and foo are the same Lean name: guillemets are dropped where they are not needed.
std::string normalize_name(const std::string& name) {
  std::string out;
  for (const std::string& part : split_name(name)) {
    std::string component = part;
    if (part.starts_with("«") && part.ends_with("»") && part.size() > 4) {
      std::string inner = part.substr(2, part.size() - 4);
      bool plain = !std::isdigit(static_cast<unsigned char>(inner[0])) &&
                   std::all_of(inner.begin(), inner.end(), [](char c) {
                     return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '\'';
                   });
      if (plain) component = inner;
    }
    out += (out.empty() ? "" : ".") + component;
  }
  return out;
}

// The full names a name written inside namespace `enclosing` may stand for, in the order Lean
// tries them: under each enclosing namespace, innermost first, then at the root (`_root_.X` is
// only X).
std::vector<std::string> resolution_candidates(const std::string& written,
                                               const std::string& enclosing) {
  std::string name = normalize_name(written);
  if (name.starts_with("_root_.")) return {name.substr(7)};
  std::vector<std::string> candidates;
  std::vector<std::string> scope = split_name(enclosing);
  for (std::size_t n = enclosing.empty() ? 0 : scope.size(); n > 0; --n) {
    std::string prefix;
    for (std::size_t i = 0; i < n; ++i) prefix += scope[i] + ".";
    candidates.push_back(prefix + name);
  }
  candidates.push_back(name);
  return candidates;
}

const std::set<std::string> named_declarations = {
    "theorem", "lemma", "def", "abbrev", "axiom", "opaque", "structure", "inductive", "class"};
const std::set<std::string> anonymous_declarations = {"example", "instance"};
// Declarations whose tactic proofs rules mode runs.
const std::set<std::string> checked_declarations = {"theorem", "lemma", "example"};
// Declarations that are lemmas (README.md, "Lemmas").
const std::set<std::string> lemma_declarations = {"theorem", "lemma"};

Goal default_goal() {
  return {"", {}, "True"};
}

bool is_sorry(const Token& token) {
  return token.kind == TokenKind::identifier && (token.text == "sorry" || token.text == "admit");
}

struct CommandResult {
  json messages = json::array();
  json sorries = json::array();
  std::map<std::string, DeclInfo> decls;
  long max_heartbeats = 0;  // the env's limit after the command
  json infotree = json::array();  // rules mode: one TacticInfo node per tactic a proof ran
};

// Lean's default `maxHeartbeats`, in option units (Lean counts 1000 heartbeats per unit).
constexpr long kDefaultMaxHeartbeats = 200000;

// Lean's error when elaboration passes `maxHeartbeats` (CoreM.lean, throwMaxHeartbeat, recent
// versions), as the harness reads it (docs/lean-assumptions.md, A24).
std::string heartbeat_error(long limit) {
  return "(deterministic) timeout at `whnf`, maximum number of heartbeats (" +
         std::to_string(limit) +
         ") has been reached\nUse `set_option maxHeartbeats <num>` to set the limit.\n\n"
         "Note: Additional diagnostic information may be available using the "
         "`set_option diagnostics true` command.";
}

// Elaborates one command text; see README.md for what each construct does.
class CommandRun {
 public:
  CommandRun(const std::string& text, bool fresh, bool backtick_sorry,
             Elaborator::ProofStates& states, const TacticRules* rules, Lookup parent,
             long max_heartbeats, double ms_per_kheartbeats, long env_id)
      : m_tokens(tokenize(text)),
        m_header(fresh),
        m_backtick_sorry(backtick_sorry),
        m_states(states),
        m_rules(rules),
        m_parent(std::move(parent)),
        m_env_heartbeats(max_heartbeats),
        m_ms_per_kheartbeats(ms_per_kheartbeats),
        m_env_id(env_id) {}

  CommandResult run() {
    collect_axioms();
    while (m_index < m_tokens.size()) {
      const Token& token = m_tokens[m_index++];
      if (token.kind == TokenKind::directive) {
        directive(token);
        continue;
      }
      if (token.kind == TokenKind::identifier && token.text == "import") {
        import(token);
        continue;
      }
      m_header = false;
      if (token.kind == TokenKind::identifier) identifier(token);
      if (token.kind == TokenKind::hash_command) hash_command(token);
    }
    close_decl();
    m_result.max_heartbeats = m_env_heartbeats;
    return std::move(m_result);
  }

 private:
  struct Decl {
    Position begin, end;
    std::string name;               // fully qualified; "" for an example or instance
    bool uses_sorry = false;
    std::optional<Goal> start;      // rules mode: the starting goal, when the header is readable
    std::size_t body = 0;           // index of the first token of the proof
    std::size_t first = 0;          // index of the token after its name
    json messages = json::array();  // rules mode: the errors of its tactic proof

    static Decl at(Position begin, Position end) {
      Decl decl;
      decl.begin = begin;
      decl.end = end;
      return decl;
    }
  };

  std::vector<Token> m_tokens;
  std::size_t m_index = 0;
  bool m_header;
  bool m_backtick_sorry;
  Elaborator::ProofStates& m_states;
  const TacticRules* m_rules;
  std::map<std::size_t, Goal> m_sorry_goals;  // rules mode: token index -> goal of that sorry
  Lookup m_parent;
  Axioms m_axioms;
  std::vector<std::string> m_scopes;  // open namespaces/sections, innermost last ("" = section)
  std::optional<Decl> m_decl;
  CommandResult m_result;
  // Heartbeats: the env's limit (a top-level set_option changes it), and the limit of a
  // `set_option maxHeartbeats N in`, for the declaration numbered m_scoped_decl. Declarations
  // are numbered by close_decl(), which every new declaration (and command) calls first.
  long m_env_heartbeats;
  double m_ms_per_kheartbeats;
  std::optional<long> m_scoped_heartbeats;
  long m_scoped_decl = -1;
  long m_decl_number = 0;
  long m_env_id;  // the id of the env this command makes

  const Token* next(TokenKind kind, std::optional<int> same_line = std::nullopt) {
    if (m_index >= m_tokens.size() || m_tokens[m_index].kind != kind) return nullptr;
    if (same_line && m_tokens[m_index].begin.line != *same_line) return nullptr;
    return &m_tokens[m_index++];
  }

  void message(const std::string& severity, const Token& at, const std::string& data) {
    m_result.messages.push_back(message_json(severity, at.begin, at.end, data));
  }

  // The command's declarations depend on `--! axioms` (default none); a declaration that uses
  // sorry also on sorryAx (added where the sorry is met).
  void collect_axioms() {
    for (const Token& token : m_tokens) {
      if (token.kind != TokenKind::directive ||
          token.text.substr(0, token.text.find_first_of(" \t")) != "axioms")
        continue;
      std::string list = trim(std::string_view(token.text).substr(6));
      m_axioms.clear();
      for (std::size_t start = 0; list != "none" && start <= list.size();) {
        std::size_t comma = std::min(list.find(',', start), list.size());
        if (std::string name = trim(list.substr(start, comma - start)); !name.empty())
          m_axioms.push_back(name);
        start = comma + 1;
      }
    }
  }

  // The named declaration being elaborated depends on `axiom` too.
  void add_axiom(const std::string& axiom) {
    if (!m_decl || m_decl->name.empty()) return;
    Axioms& axioms = m_result.decls[m_decl->name].axioms;
    if (std::find(axioms.begin(), axioms.end(), axiom) == axioms.end()) axioms.push_back(axiom);
  }

  std::string current_namespace() const {
    std::string prefix;
    for (const std::string& scope : m_scopes)
      if (!scope.empty()) prefix += (prefix.empty() ? "" : ".") + scope;
    return prefix;
  }

  void import(const Token& token) {
    std::vector<std::string> modules;
    while (const Token* module = next(TokenKind::identifier, token.begin.line))
      modules.push_back(module->text);
    if (!m_header) {
      message("error", token,
              "invalid 'import' command, it must be used in the beginning of the file");
      return;
    }
    for (const std::string& module : modules) {
      std::string root = split_name(module).front();
      if (!root.starts_with("Missing")) continue;
      m_result.messages.push_back(message_json(
          "error", Position{1, 0}, std::nullopt,
          "unknown module prefix '" + root + "'\n\nNo directory '" + root + "' or file '" + root +
              ".olean' in the search path entries:\n/fake-repl/lib/lean"));
    }
  }

  void identifier(const Token& token) {
    if (token.text == "example" && statement_check(token)) return;
    if (named_declarations.contains(token.text) || anonymous_declarations.contains(token.text)) {
      close_decl();
      m_decl = Decl::at(token.begin, token.end);
      std::string full;
      if (named_declarations.contains(token.text)) {
        const Token* name = next(TokenKind::identifier);
        if (name == nullptr) return;
        m_decl = Decl::at(name->begin, name->end);
        full = normalize_name(name->text);
        if (full.starts_with("_root_."))
          full = full.substr(7);
        else if (std::string prefix = current_namespace(); !prefix.empty())
          full = prefix + "." + full;
        m_decl->name = full;
        m_decl->first = m_index;
        DeclInfo& info = m_result.decls[full];
        info = DeclInfo();
        info.axioms = token.text == "axiom" ? Axioms{full} : m_axioms;
        info.signature = signature();
        info.theorem = lemma_declarations.contains(token.text);
        if (info.theorem) info.lemma = read_lemma(m_tokens, m_index);
      }
      if (m_rules) prepare_proof(token.text);
    } else if (token.text == "set_option") {
      set_option();
    } else if (token.text == "namespace" || token.text == "section") {
      close_decl();
      const Token* name = next(TokenKind::identifier, token.begin.line);
      m_scopes.push_back(name && token.text == "namespace" ? normalize_name(name->text) : "");
    } else if (token.text == "end") {
      close_decl();
      next(TokenKind::identifier, token.begin.line);
      if (!m_scopes.empty()) m_scopes.pop_back();
    } else if (token.text == "sorry" || token.text == "admit") {
      std::size_t index = static_cast<std::size_t>(&token - m_tokens.data());
      Goal goal = default_goal();
      if (auto mapped = m_sorry_goals.find(index); mapped != m_sorry_goals.end())
        goal = mapped->second;
      else if (m_decl && m_decl->start && index >= m_decl->body)
        goal = *m_decl->start;
      if (!m_decl) m_decl = Decl::at(token.begin, token.end);
      m_decl->uses_sorry = true;
      add_axiom("sorryAx");
      m_states.push_back({{goal}, m_env_id, current_namespace()});
      m_result.sorries.push_back({{"proofState", static_cast<long>(m_states.size()) - 1},
                                  {"pos", position_json(token.begin)},
                                  {"endPos", position_json(token.end)},
                                  {"goal", render_goal(goal)}});
    }
  }

  // Rules mode, at a declaration (m_index after its name, or after `example`): its starting
  // goal for the sorries of its proof; for a tactic proof, the goal of each sorry in it, or,
  // when it has no sorry and declares a theorem, lemma or example, the proof run by the rules.
  void prepare_proof(const std::string& keyword) {
    auto header = parse_header(m_tokens, m_index);
    if (!header) return;
    m_decl->start = header->goal;
    m_decl->body = header->body;
    std::size_t by = header->body;
    if (by >= m_tokens.size() || m_tokens[by].kind != TokenKind::identifier ||
        m_tokens[by].text != "by")
      return;
    std::vector<TacticSpan> spans;
    std::size_t first = by + 1;
    while (first < m_tokens.size() && m_tokens[first].kind == TokenKind::directive) ++first;
    bool command_next = first < m_tokens.size() &&
                        m_tokens[first].begin.line != m_tokens[by].end.line &&
                        starts_command(m_tokens[first]);
    if (!command_next) spans = tactic_spans(m_tokens, first);
    bool has_sorry = false;
    for (const TacticSpan& span : spans)
      for (std::size_t k = span.first; k <= span.last; ++k) has_sorry |= is_sorry(m_tokens[k]);
    if (has_sorry)
      map_sorry_goals(spans, {header->goal});
    else if (checked_declarations.contains(keyword))
      run_proof(spans, header->goal, m_tokens[by]);
  }

  // The goal of each sorry of a tactic proof: a tactic that is just `sorry` gets the main goal
  // and closes it; a `have ... := by` block holding sorries maps them from its own goal (the
  // main goal then gains the have's hypothesis); from the first other tactic containing a
  // sorry, or the first tactic the rules refuse, every later sorry gets the main goal of that
  // moment. True once that has happened.
  bool map_sorry_goals(const std::vector<TacticSpan>& spans, std::vector<Goal> goals) {
    std::optional<Goal> frozen;
    for (const TacticSpan& span : spans) {
      std::vector<std::size_t> sorries;
      for (std::size_t k = span.first; k <= span.last; ++k)
        if (is_sorry(m_tokens[k])) sorries.push_back(k);
      Goal main = goals.empty() ? default_goal() : goals.front();
      if (!frozen && (span.text == "sorry" || span.text == "admit")) {
        m_sorry_goals[sorries.front()] = main;
        if (!goals.empty()) goals.erase(goals.begin());
        continue;
      }
      if (!frozen && !sorries.empty()) {
        std::optional<HaveStep> have = read_have(m_tokens, span);
        if (have && have->tactic_block && !goals.empty()) {
          if (map_sorry_goals(have->block, {Goal{"", main.hyps, have->type}})) {
            frozen = main;
            continue;
          }
          goals.front().hyps.push_back({have->name, have->type});
          settle_names(goals.front().hyps);
          continue;
        }
        frozen = main;
      }
      for (std::size_t k : sorries) m_sorry_goals[k] = *frozen;
      if (frozen) continue;
      BlockRun run = run_block(*m_rules, &m_lemmas, m_tokens, {span}, goals);
      if (run.refused)
        frozen = main;
      else
        goals = std::move(run.goals);
    }
    return frozen.has_value();
  }

  // A tactic proof without sorry: the tactics in order from the starting goal (run_block:
  // `have ... := by` blocks included). The first one the rules refuse is an error at that
  // tactic; goals left at the end are "unsolved goals" at `by`. Either way the declaration
  // depends on sorryAx, as Lean's error recovery makes it.
  void run_proof(const std::vector<TacticSpan>& spans, const Goal& start, const Token& by) {
    BlockRun run = run_block(*m_rules, &m_lemmas, m_tokens, spans, {start});
    for (const BlockError& error : run.errors)
      m_decl->messages.push_back(message_json("error", error.begin, error.end, error.text));
    for (json& node : run.nodes) m_result.infotree.push_back(std::move(node));
    bool failed = !run.errors.empty();
    if (!run.refused && !run.goals.empty()) {
      Position end = spans.empty() ? by.end : m_tokens[spans.back().last].end;
      std::string data = "unsolved goals";
      for (std::size_t g = 0; g < run.goals.size(); ++g)
        data += (g == 0 ? "\n" : "\n\n") + render_goal(run.goals[g]);
      m_decl->messages.push_back(message_json("error", by.begin, end, data));
      failed = true;
    }
    if (failed) add_axiom("sorryAx");
  }

  // `set_option NAME VALUE [in]`: only `maxHeartbeats` with a plain number means anything here.
  void set_option() {
    const Token* name = next(TokenKind::identifier);
    if (name == nullptr || normalize_name(name->text) != "maxHeartbeats") return;
    if (m_index >= m_tokens.size()) return;
    std::optional<long> value = parse_number(m_tokens[m_index].text);
    if (!value) return;
    ++m_index;
    bool scoped = m_index < m_tokens.size() && m_tokens[m_index].kind == TokenKind::identifier &&
                  m_tokens[m_index].text == "in";
    if (!scoped) {
      m_env_heartbeats = *value;
      return;
    }
    ++m_index;
    // Before a declaration it is that declaration's (numbered when it starts), else the one
    // it stands in.
    bool before_command = m_index < m_tokens.size() &&
                          (named_declarations.contains(m_tokens[m_index].text) ||
                           anonymous_declarations.contains(m_tokens[m_index].text));
    m_scoped_heartbeats = *value;
    m_scoped_decl = m_decl_number + (before_command ? 1 : 0);
  }

  long heartbeat_limit() const {
    return m_scoped_heartbeats && m_scoped_decl == m_decl_number ? *m_scoped_heartbeats
                                                                 : m_env_heartbeats;
  }

  // `--! heartbeats H`: a computation of H heartbeats (option units) under the current limit.
  void spend_heartbeats(const Token& at, long spent) {
    long limit = heartbeat_limit();
    long until_stop = limit == 0 ? spent : std::min(spent, limit);
    sleep_ms(static_cast<long>(static_cast<double>(until_stop) * m_ms_per_kheartbeats / 1000.0));
    if (limit == 0 || spent <= limit) return;
    message("error", at, heartbeat_error(limit));
    add_axiom("sorryAx");
  }

  // The declaration a name written here stands for, and its full name (README.md, "Lemmas");
  // the declaration being elaborated does not see itself.
  std::pair<std::string, const DeclInfo*> resolve(const std::string& written) const {
    for (const std::string& candidate : resolution_candidates(written, current_namespace())) {
      if (m_decl && candidate == m_decl->name) continue;
      if (const DeclInfo* decl = find(candidate)) return {candidate, decl};
    }
    return {"", nullptr};
  }

  const LemmaLookup m_lemmas = [this](const std::string& written) -> const Lemma* {
    const DeclInfo* decl = resolve(written).second;
    return decl != nullptr && decl->lemma ? &*decl->lemma : nullptr;
  };

  // A named declaration depends on the axioms of every theorem or lemma its text names (from
  // its name to where it ends), as `#print axioms` sees through lemmas in Lean.
  void inherit_axioms() {
    if (!m_decl || m_decl->name.empty() || m_decl->first == 0) return;
    for (std::size_t k = m_decl->first; k < m_index && k < m_tokens.size(); ++k) {
      if (m_tokens[k].kind != TokenKind::identifier) continue;
      const DeclInfo* used = resolve(m_tokens[k].text).second;
      if (used == nullptr || !used->theorem) continue;
      for (const std::string& axiom : used->axioms) add_axiom(axiom);
    }
  }

  void close_decl() {
    inherit_axioms();
    ++m_decl_number;
    if (m_decl)
      for (json& message : m_decl->messages) m_result.messages.push_back(std::move(message));
    if (m_decl && m_decl->uses_sorry)
      m_result.messages.push_back(
          message_json("warning", m_decl->begin, m_decl->end,
                       m_backtick_sorry ? "declaration uses `sorry`" : "declaration uses 'sorry'"));
    m_decl.reset();
  }

  void hash_command(const Token& token) {
    close_decl();
    if (token.text == "#eval") {
      if (const Token* literal = next(TokenKind::string_literal))
        message("info", token, literal->text);
    } else if (token.text == "#print" && m_index < m_tokens.size() &&
               m_tokens[m_index].text == "axioms") {
      ++m_index;
      if (const Token* name = next(TokenKind::identifier))
        print_axioms(token, *name);
      else
        message("error", token, "expected identifier");
    }
  }

  // The tokens after a declaration's name up to `:=`, joined by spaces (the index is left
  // where it was: the body is elaborated as usual).
  std::string signature() const {
    std::string out;
    for (std::size_t i = m_index; i + 1 < m_tokens.size(); ++i) {
      if (m_tokens[i].text == ":" && m_tokens[i + 1].text == "=") break;
      out += (out.empty() ? "" : " ") + m_tokens[i].text;
    }
    return out;
  }

  // `example : (type_of% @A) = (type_of% @B) := rfl`, the harness's statement check: an error
  // unless A and B are known and have the same signature. Returns false for other examples.
  bool statement_check(const Token& token) {
    std::vector<std::string> names;
    bool type_of = false;
    std::size_t i = m_index;
    for (; i < m_tokens.size() && m_tokens[i].begin.line == token.begin.line; ++i) {
      type_of |= m_tokens[i].text == "type_of";
      if (m_tokens[i].text == "@" && i + 1 < m_tokens.size()) names.push_back(m_tokens[i + 1].text);
    }
    if (!type_of || names.size() != 2) return false;
    close_decl();
    m_index = i;
    const DeclInfo* a = find(normalize_name(names[0]));
    const DeclInfo* b = find(normalize_name(names[1]));
    if (a == nullptr || b == nullptr) {
      message("error", token, "unknown identifier '" + (a ? names[1] : names[0]) + "'");
    } else if (a->signature != b->signature) {
      message("error", token, "type mismatch: " + a->signature + " vs " + b->signature);
    }
    return true;
  }

  const DeclInfo* find(const std::string& name) const {
    auto own = m_result.decls.find(name);
    return own != m_result.decls.end() ? &own->second : m_parent(name);
  }

  void print_axioms(const Token& command, const Token& name_token) {
    std::string name = normalize_name(name_token.text);
    for (const std::string& candidate : resolution_candidates(name, current_namespace())) {
      const DeclInfo* decl = find(candidate);
      if (decl == nullptr) continue;
      const Axioms* axioms = &decl->axioms;
      std::string list;
      for (const std::string& axiom : *axioms) list += (list.empty() ? "" : ", ") + axiom;
      message("info", command,
              axioms->empty() ? "'" + candidate + "' does not depend on any axioms"
                              : "'" + candidate + "' depends on axioms: [" + list + "]");
      return;
    }
    message("error", name_token, "unknown constant '" + name + "'");
  }

  void directive(const Token& token) {
    static const std::set<std::string> numeric = {"sleep", "crash-exit", "grow", "spawn",
                                                  "connect", "heartbeats"};
    std::size_t space = token.text.find_first_of(" \t");
    std::string word = token.text.substr(0, space);
    std::string args = space == std::string::npos ? "" : trim(token.text.substr(space));
    std::optional<long> number = parse_number(args);
    if (numeric.contains(word) && !number) {
      message("error", token, "fake-repl: directive '" + word + "' needs a number");
    } else if (word == "error" || word == "info" || word == "warning") {
      message(word, token, args);
    } else if (word == "sleep") {
      sleep_ms(*number);
    } else if (word == "heartbeats") {
      spend_heartbeats(token, *number);
    } else if (word == "hang") {
      hang();
    } else if (word == "crash") {
      crash();
    } else if (word == "crash-exit") {
      exit_now(static_cast<int>(*number));
    } else if (word == "noise") {
      write_stdout(args + "\n");
    } else if (word == "noise-block") {
      write_stdout("[fake] noise block 1\n[fake] noise block 2\n\n");
    } else if (word == "forge") {
      write_stdout(args + "\n\n");
    } else if (word == "grow") {
      grow_memory(*number);
    } else if (word == "stderr") {
      write_stderr(args + "\n");
    } else if (word == "exit") {
      exit_now(0);
    } else if (word == "spawn") {
      message("info", token, spawn_sleepers(*number));
    } else if (word == "write") {
      message("info", token, try_write(args));
    } else if (word == "connect") {
      message("info", token, try_connect(*number));
    } else if (word == "connect-unix") {
      message("info", token, try_connect_unix(args));
    } else if (word == "read") {
      message("info", token, try_read(args));
    } else if (word == "read-stdin") {
      message("info", token, read_waiting_stdin());
    } else if (word == "list") {
      message("info", token, list_directory(args));
    } else if (word != "axioms") {
      message("error", token, "fake-repl: unknown directive '" + word + "'");
    }
  }
};

}  // namespace

const DeclInfo* Elaborator::find_decl(long env, const std::string& name) const {
  for (; env >= 0; env = m_envs[env].parent) {
    auto found = m_envs[env].decls.find(name);
    if (found != m_envs[env].decls.end()) return &found->second;
  }
  return nullptr;
}

// "tactics" of an allTactics answer: each line of a `by` block (after the line holding `:= by`,
// up to the next line that starts a command) as one tactic; its usedConstants are the dotted
// names in it and the words that name a declaration of the environment. A double's
// approximation of Lean's infotree: what matters to the harness is the shape of the answer.
json Elaborator::tactics_of(const std::string& text, long env) {
  static const std::regex kDotted(R"([A-Za-z_][A-Za-z0-9_']*(\.[A-Za-z_][A-Za-z0-9_']*)+)");
  static const std::regex kWord(R"([A-Za-z_][A-Za-z0-9_'.]*)");
  json tactics = json::array();
  bool in_proof = false;
  long line_number = 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    ++line_number;
    start = end + 1;
    std::string stripped = trim(line);
    bool indented = !line.empty() && (line[0] == ' ' || line[0] == '\t');
    if (!indented && !stripped.empty()) in_proof = false;
    if (in_proof && !stripped.empty() && !stripped.starts_with("--")) {
      std::set<std::string> used;
      for (std::sregex_iterator it(stripped.begin(), stripped.end(), kDotted), e; it != e; ++it)
        used.insert(it->str());
      for (std::sregex_iterator it(stripped.begin(), stripped.end(), kWord), e; it != e; ++it)
        if (find_decl(env, it->str()) != nullptr) used.insert(it->str());
      long column = static_cast<long>(line.size() - line.substr(line.find_first_not_of(" \t")).size());
      m_states.emplace_back();
      tactics.push_back({{"usedConstants", used},
                         {"tactic", stripped},
                         {"proofState", static_cast<long>(m_states.size()) - 1},
                         {"pos", {{"line", line_number}, {"column", column}}},
                         {"goals", ""},
                         {"endPos", {{"line", line_number}, {"column", static_cast<long>(line.size())}}}});
    }
    if (stripped.ends_with(":= by") || stripped.find(":= by ") != std::string::npos ||
        stripped == "by")
      in_proof = true;
    if (end == text.size()) break;
  }
  return tactics;
}

json Elaborator::command(const std::string& text, std::optional<long> env, bool all_tactics,
                         bool infotree) {
  long parent = env.value_or(-1);
  json tactics = all_tactics && env ? tactics_of(text, parent) : json::array();
  long max_heartbeats = env ? m_envs[*env].max_heartbeats : kDefaultMaxHeartbeats;
  CommandRun run(text, !env, m_backtick_sorry, m_states, m_rules,
                 [this, parent](const std::string& name) { return find_decl(parent, name); },
                 max_heartbeats, m_ms_per_kheartbeats, static_cast<long>(m_envs.size()));
  CommandResult result = run.run();
  m_envs.push_back({parent, std::move(result.decls), result.max_heartbeats});
  json answer = {{"env", static_cast<long>(m_envs.size()) - 1}};
  if (!tactics.empty()) answer["tactics"] = std::move(tactics);
  if (!result.messages.empty()) answer["messages"] = std::move(result.messages);
  if (!result.sorries.empty()) answer["sorries"] = std::move(result.sorries);
  if (infotree && !result.infotree.empty()) answer["infotree"] = std::move(result.infotree);
  return answer;
}

json Elaborator::tactic(const std::string& text, long proof_state) {
  if (proof_state < 0 || proof_state >= static_cast<long>(m_states.size()))
    return {{"message", "Unknown proof state."}};
  static const std::set<std::string> closing = {"done", "rfl",    "trivial",
                                                "simp", "decide", "omega"};
  std::string tactic = trim(text);
  if (m_rules && tactic.find("sorry") == std::string::npos && !tactic.starts_with("fail"))
    return rules_tactic(tactic, proof_state);
  m_states.emplace_back();
  json answer = {{"proofState", static_cast<long>(m_states.size()) - 1}, {"goals", json::array()}};
  if (tactic.find("sorry") != std::string::npos) {
    answer["proofStatus"] = "Incomplete: contains sorry";
  } else if (tactic.starts_with("fail")) {
    std::string reason = trim(std::string_view(tactic).substr(4));
    if (reason.size() >= 2 && reason.front() == '"' && reason.back() == '"')
      reason = reason.substr(1, reason.size() - 2);
    if (reason.empty()) reason = "tactic 'fail' failed";
    answer["proofStatus"] = "Error: " + reason;
    answer["messages"] = json::array({message_json("error", {0, 0}, Position{0, 0}, reason)});
  } else if (closing.contains(tactic)) {
    answer["proofStatus"] = "Completed";
  } else {
    answer["proofStatus"] = "Incomplete: open goals remain";
    answer["goals"].push_back("⊢ True");
    m_states.back().goals.push_back(default_goal());
  }
  return answer;
}

// Rules mode: the tactic text (a sequence of tactics, by layout, `;` or `<;>`) run on the
// state's goals. A refused tactic is the REPL's `{"message": "Lean error:\n..."}`, which
// allocates no proof state.
json Elaborator::rules_tactic(const std::string& text, long proof_state) {
  std::vector<Token> tokens = tokenize(text);
  const ProofState state = m_states[proof_state];
  std::vector<Goal> goals = state.goals;
  std::vector<TacticSpan> spans = tactic_spans(tokens, 0);
  if (spans.empty()) return {{"message", "Lean error:\n<input>:1:0: expected tactic"}};
  LemmaLookup lemmas = [&](const std::string& written) -> const Lemma* {
    for (const std::string& candidate : resolution_candidates(written, state.scope))
      if (const DeclInfo* decl = find_decl(state.env, candidate))
        return decl->lemma ? &*decl->lemma : nullptr;
    return nullptr;
  };
  // An unproved `have` block is reported as a refused tactic is (README.md, "have").
  BlockRun run = run_block(*m_rules, &lemmas, tokens, spans, std::move(goals));
  if (!run.errors.empty()) return {{"message", "Lean error:\n" + run.errors.front().text}};
  goals = std::move(run.goals);
  json rendered = json::array();
  for (const Goal& goal : goals) rendered.push_back(render_goal(goal));
  m_states.push_back({std::move(goals), state.env, state.scope});
  return {{"proofStatus", rendered.empty() ? "Completed" : "Incomplete: open goals remain"},
          {"proofState", static_cast<long>(m_states.size()) - 1},
          {"goals", std::move(rendered)}};
}

}  // namespace fake_repl
