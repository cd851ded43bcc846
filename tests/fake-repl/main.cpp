// fake-repl: a test double of the community Lean 4 REPL (leanprover-community/repl, v4.32).
//
// CONTRACT (tests and the harness rely on it; README.md states it in more detail)
//
// Framing, as the real REPL:
//  - A request is the stdin lines up to a whitespace-only line, each stripped of trailing
//    whitespace, joined WITHOUT newlines. EOF, or an empty request (a blank line with nothing
//    before it), exits 0 (with --strict-blank-line an empty request is malformed JSON instead,
//    which is what the real REPL v4.32 does).
//  - A request starting with `#` or `--` gets no answer.
//  - Malformed JSON, or JSON matching no request shape: "uncaught exception: {...}" on stderr,
//    exit 1.
//  - Each answer is Lean's pretty JSON (json_pretty.hpp) followed by one blank line, flushed.
//
// Requests (any other key, or a wrong type, is "no request shape"):
//  - {"cmd": T}            fresh env; leading `import` lines are the header; sleeps --import-ms.
//                          An import whose root starts with `Missing` gives an error message
//                          "unknown module prefix 'MissingX' ..." (pos 1:0, no endPos).
//  - {"cmd": T, "env": N}  on top of env N (inherits its declarations); sleeps --check-ms;
//                          unknown N -> {"message": "Unknown environment."}.
//    Both accept and ignore "rootGoals"; "env": null means no env. "allTactics": true
//    on a command with an env adds "tactics": one entry per tactic line of its proofs, with a
//    new proof state and the "usedConstants" a double can know (see README.md). "infotree"
//    ("full", "tactics", "original", "substantive") adds, in rules
//    mode, "infotree": one TacticInfo node per tactic the rules ran, with its goals before and
//    after (README.md, "Infotree").
//  - {"tactic": T, "proofState": N}  unknown N -> {"message": "Unknown proof state."}; T with
//    `sorry` -> "Incomplete: contains sorry"; T starting with `fail` -> an error message and
//    "Error: <reason>"; done/rfl/trivial/simp/decide/omega -> "Completed", goals [];
//    otherwise "Incomplete: open goals remain", goals ["⊢ True"]. Each answer is a new state.
//  Env ids and proof-state ids count from 0, one per command answer / sorry / tactic answer.
//
// Elaboration of a command text T (comments and strings never count, except directives):
//  - `theorem|lemma|def|abbrev|axiom|opaque|structure|inductive|class NAME` records NAME
//    (qualified by enclosing `namespace`s; «» and `_root_.` understood) with the command's
//    axioms: those of `--! axioms A, B` (default none; `--! axioms none`), plus `sorryAx` if the
//    declaration uses sorry; `axiom NAME` depends on itself.
//  - each `sorry`/`admit` word: a sorries entry {proofState, pos, endPos, goal "⊢ True"}, and one
//    warning per declaration at its name (or at `example`): "declaration uses `sorry`", or
//    "declaration uses 'sorry'" when --lean-version < 4.28.
//  - `#print axioms NAME`: info at `#print`, "'NAME' depends on axioms: [A, B]" or
//    "'NAME' does not depend on any axioms"; unknown NAME -> error "unknown constant 'NAME'".
//  - `#eval "S"`: info at `#eval` whose data is the literal with its quotes.
//  - directives `--! WORD ARGS`: error/info/warning MESSAGE (a message at the directive),
//    axioms LIST|none, sleep MS, hang, crash (SIGSEGV), crash-exit CODE, noise TEXT (a stdout
//    line before the answer), noise-block (two lines and a blank line), forge JSON (JSON and a
//    blank line), grow MB (touched, kept; failure -> "INTERNAL PANIC: out of memory", exit 1),
//    stderr TEXT, exit (status 0, no answer), spawn N (children sleeping 60 s), write PATH,
//    connect PORT, connect-unix PATH (info "write PATH: ok" / "...: failed: <strerror>"),
//    read PATH (info "read PATH: CONTENT"), read-stdin (info "read-stdin: BYTES": the requests
//    already sent behind this one, consumed), list DIR (info "list DIR: NAMES"), heartbeats H
//    (below). Unknown WORD -> error.
//  - Heartbeats: each env has a `maxHeartbeats` limit, 200000 in a fresh env (Lean's default),
//    inherited by the envs built on it. A top-level `set_option maxHeartbeats N` (without `in`)
//    sets it for the rest of the command and for the envs built on this one; `set_option
//    maxHeartbeats N in` sets it for the declaration it stands in (or the one it precedes).
//    `--! heartbeats H` spends H heartbeats (option units) at that point: when the limit L is
//    not 0 and H > L, an error at the directive with Lean's wording, "(deterministic) timeout at
//    `whnf`, maximum number of heartbeats (L) has been reached\nUse `set_option maxHeartbeats
//    <num>` to set the limit.\n\nNote: ...", and the declaration depends on sorryAx; the
//    process lives on. It sleeps min(H, L) * X / 1000 ms (H * X / 1000 when L = 0), X being
//    --ms-per-kheartbeats, so with no limit a large H runs until the wall clock stops it.
//
// Options: --import-ms N, --check-ms N, --ms-per-kheartbeats X (ms per 1000 heartbeats spent by
// `--! heartbeats`, a decimal number, default 0), --lean-version X.Y (default 4.32), --noise,
// --startup-noise, --die-after N, --crash-on-import, --grow-mb-per-check N, --log FILE (or
// $FAKE_REPL_LOG): append each raw request as one line, --replay IN OUT, --strict-blank-line,
// --tactic-rules FILE (rules mode, below). Bad options or a bad rules file: a usage message on
// stderr, exit 64.
//
// Rules mode (--tactic-rules FILE; README.md states the file format): rules say which tactic
// turns which goal into which new goals. Every proof state then holds goals: the sorry of
// `theorem NAME BINDERS : TYPE := by sorry` has the goal "HYPS\n⊢ TYPE" (binders as hypothesis
// lines, Lean-style); a tactic request runs its text on the state's goals, giving "Completed",
// "Incomplete: open goals remain" with the goals, or {"message": "Lean error:\n..."} (no new
// state) when a tactic is refused. A tactic proof without sorry of a theorem/lemma/example runs
// one tactic per line from the starting goal: a refused tactic is an error at it, goals left
// over are "unsolved goals" at `by`. Sorry proofs, term proofs, the statement check and
// directives behave as without rules. `exact NAME ARGS` / `apply NAME ARGS` with NAME a
// theorem or lemma where the tactic runs is decided by that lemma's statement before the rules
// (README.md, "Lemmas"); a declaration's axioms include those of the theorems it names.
#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <set>
#include <string>

#include "effects.hpp"
#include "elaborator.hpp"
#include "json_pretty.hpp"
#include "replay.hpp"

namespace {

using nlohmann::json;
using namespace fake_repl;

struct Options {
  long import_ms = 0;
  long check_ms = 0;
  double ms_per_kheartbeats = 0;
  bool backtick_sorry = true;
  bool noise = false;
  bool startup_noise = false;
  long die_after = -1;
  bool crash_on_import = false;
  long grow_mb_per_check = 0;
  std::string log;
  std::string replay_in;
  std::string replay_out;
  bool strict_blank_line = false;
  std::string tactic_rules;
};

[[noreturn]] void usage(const std::string& problem) {
  write_stderr("fake-repl: " + problem +
               "\nusage: fake-repl [--import-ms N] [--check-ms N] [--ms-per-kheartbeats X]"
               " [--lean-version X.Y] [--noise]"
               " [--startup-noise] [--die-after N] [--crash-on-import] [--grow-mb-per-check N]"
               " [--log FILE] [--replay IN OUT] [--strict-blank-line] [--tactic-rules FILE]\n");
  exit_now(64);
}

long parse_count(const std::string& option, const char* text) {
  long value = 0;
  std::string_view view = text ? text : "";
  auto [end, error] = std::from_chars(view.data(), view.data() + view.size(), value);
  if (view.empty() || error != std::errc() || end != view.data() + view.size() || value < 0)
    usage(option + " needs a non-negative number");
  return value;
}

double parse_rate(const std::string& option, const char* text) {
  double value = 0;
  std::string_view view = text ? text : "";
  auto [end, error] = std::from_chars(view.data(), view.data() + view.size(), value);
  if (view.empty() || error != std::errc() || end != view.data() + view.size() || !(value >= 0) ||
      value > 1e9)
    usage(option + " needs a non-negative number");
  return value;
}

// Lean versions "4.27", "v4.9.0": the sorry warning uses backticks from 4.28 on.
bool backtick_sorry_for(const std::string& version) {
  int major = 0;
  int minor = 0;
  const char* text = version.c_str() + (version.starts_with("v") ? 1 : 0);
  if (std::sscanf(text, "%d.%d", &major, &minor) != 2)
    usage("--lean-version needs X.Y, got '" + version + "'");
  return major > 4 || (major == 4 && minor >= 28);
}

Options parse_options(int argc, char** argv) {
  Options options;
  if (const char* log = std::getenv("FAKE_REPL_LOG")) options.log = log;
  for (int i = 1; i < argc; ++i) {
    std::string option = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) usage(option + " needs a value");
      return argv[++i];
    };
    if (option == "--import-ms")
      options.import_ms = parse_count(option, value());
    else if (option == "--check-ms")
      options.check_ms = parse_count(option, value());
    else if (option == "--ms-per-kheartbeats")
      options.ms_per_kheartbeats = parse_rate(option, value());
    else if (option == "--lean-version")
      options.backtick_sorry = backtick_sorry_for(value());
    else if (option == "--noise")
      options.noise = true;
    else if (option == "--startup-noise")
      options.startup_noise = true;
    else if (option == "--die-after")
      options.die_after = parse_count(option, value());
    else if (option == "--crash-on-import")
      options.crash_on_import = true;
    else if (option == "--grow-mb-per-check")
      options.grow_mb_per_check = parse_count(option, value());
    else if (option == "--log")
      options.log = value();
    else if (option == "--replay")
      options.replay_in = value(), options.replay_out = value();
    else if (option == "--strict-blank-line")
      options.strict_blank_line = true;
    else if (option == "--tactic-rules")
      options.tactic_rules = value();
    else
      usage("unknown option '" + option + "'");
  }
  return options;
}

// Lean's wording, e.g. "offset 1: unexpected end of input" for a lone blank line (the REPL
// parses the joined lines plus the terminating "\n").
std::string parse_error_text(const std::string& request, const json::parse_error& error) {
  bool at_end =
      std::string_view(error.what()).find("unexpected end of input") != std::string_view::npos;
  std::size_t offset = at_end ? request.size() + 1 : (error.byte > 0 ? error.byte - 1 : 0);
  return "offset " + std::to_string(offset) +
         (at_end ? ": unexpected end of input" : ": unexpected input");
}

[[noreturn]] void uncaught(const std::string& message) {
  write_stderr("uncaught exception: " + lean_pretty(json{{"message", message}}) + "\n");
  exit_now(1);
}

std::string first_import_root(const std::string& text) {
  auto at = text.find("import ");
  if (at == std::string::npos) return "Init";
  auto start = text.find_first_not_of(' ', at + 7);
  if (start == std::string::npos) return "Init";
  auto end = text.find_first_of(". \n", start);
  return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

class Repl {
 public:
  Repl(const Options& options, const TacticRules* rules)
      : m_options(options), m_elaborator(options.backtick_sorry, rules) {
    m_elaborator.set_ms_per_kheartbeats(options.ms_per_kheartbeats);
  }

  json answer(const json& request) {
    const std::string not_a_command = "Could not parse as a valid JSON command:\n";
    auto allowed = [&](const std::set<std::string>& keys) {
      for (const auto& [key, value] : request.items())
        if (!keys.contains(key)) uncaught(not_a_command + "unexpected field '" + key + "'");
    };
    auto natural = [&](const char* key) {
      const json& value = request.at(key);
      if (!value.is_number_unsigned())
        uncaught(not_a_command + "'" + key + "' is not a natural number");
      return value.get<long>();
    };
    if (request.is_object() && request.contains("tactic")) {
      allowed({"tactic", "proofState"});
      if (!request["tactic"].is_string() || !request.contains("proofState"))
        uncaught(not_a_command + "'tactic' needs a string and 'proofState'");
      return m_elaborator.tactic(request["tactic"].get<std::string>(), natural("proofState"));
    }
    if (!request.is_object() || !request.contains("cmd") || !request["cmd"].is_string())
      uncaught(not_a_command + "property not found: cmd");
    allowed({"cmd", "env", "allTactics", "rootGoals", "infotree"});
    std::string text = request["cmd"].get<std::string>();
    // The REPL answers "full", "tactics", "original" and "substantive" with a tree, and
    // ignores any other value.
    bool infotree = false;
    if (request.contains("infotree") && request["infotree"].is_string()) {
      std::string mode = request["infotree"].get<std::string>();
      infotree = mode == "full" || mode == "tactics" || mode == "original" ||
                 mode == "substantive";
    }
    if (request.contains("env") && !request["env"].is_null()) {
      long env = natural("env");
      if (!m_elaborator.has_env(env)) return {{"message", "Unknown environment."}};
      sleep_ms(m_options.check_ms);
      grow_memory(m_options.grow_mb_per_check);
      bool all_tactics = request.contains("allTactics") && request["allTactics"] == true;
      return m_elaborator.command(text, env, all_tactics, infotree);
    }
    if (m_options.crash_on_import) {
      write_stderr("uncaught exception: unknown package '" + first_import_root(text) + "'\n");
      exit_now(1);
    }
    sleep_ms(m_options.import_ms);
    return m_elaborator.command(text, std::nullopt, false, infotree);
  }

 private:
  const Options& m_options;
  Elaborator m_elaborator;
};

void append_log(int fd, const std::string& request) {
  std::string line = request + "\n";
  if (fd >= 0 && write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
    write_stderr("fake-repl: cannot append to the log\n");
}

}  // namespace

int main(int argc, char** argv) {
  Options options = parse_options(argc, argv);
  int log_fd = -1;
  if (!options.log.empty()) {
    log_fd = open(options.log.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (log_fd < 0) usage("cannot open the log " + options.log);
  }
  std::optional<Replay> replay;
  try {
    if (!options.replay_in.empty()) replay.emplace(options.replay_in, options.replay_out);
  } catch (const std::exception& error) {
    write_stderr(std::string("fake-repl replay: ") + error.what() + "\n");
    exit_now(2);
  }
  if (options.startup_noise)
    write_stdout(
        "[fake] info: startup noise\n[fake] Building workspace\nBuild completed successfully.\n");
  std::optional<TacticRules> rules;
  if (!options.tactic_rules.empty()) {
    try {
      rules = TacticRules::load(options.tactic_rules);
    } catch (const std::exception& error) {
      usage(std::string("--tactic-rules: ") + error.what());
    }
  }
  Repl repl(options, rules ? &*rules : nullptr);
  // Requests are read through a buffer of their own (several may arrive in one write); answers
  // still go out one by one, each flushed, as the REPL's do.
  std::ios::sync_with_stdio(false);
  std::cin.tie(nullptr);
  for (long answered = 0;; ++answered) {
    std::optional<std::string> request = read_request(std::cin);
    while (request && (request->starts_with("#") || request->starts_with("--"))) {
      append_log(log_fd, *request);
      request = read_request(std::cin);
    }
    if (!request || (request->empty() && !options.strict_blank_line)) exit_now(0);
    append_log(log_fd, *request);
    if (options.die_after >= 0 && answered >= options.die_after) {
      write_stderr("fake-repl: --die-after " + std::to_string(options.die_after) +
                   ": dying instead of answering\n");
      exit_now(1);
    }
    json parsed;
    try {
      parsed = json::parse(*request);
    } catch (const json::parse_error& error) {
      uncaught("Could not parse JSON:\n" + parse_error_text(*request, error));
    }
    std::string answer = replay ? replay->answer(parsed) : lean_pretty(repl.answer(parsed));
    write_stdout((options.noise ? "[fake] noise\n" : "") + answer + "\n\n");
  }
}
