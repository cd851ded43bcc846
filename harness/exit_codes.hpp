#pragma once
// Every exit status of `harness`, with what it means, in one place. The README's list of exit
// statuses is generated from kExitCodes (`harness settings --update-readme README.md`) and a
// test fails when the two disagree.
#include <array>

namespace harness {

inline constexpr int kExitOk = 0;
inline constexpr int kExitProblems = 1;     // doctor: something is missing; check: a line fails; traces: a proof is not traced
inline constexpr int kExitUsage = 2;        // the command line or an input file is unusable
inline constexpr int kExitLeanOrStore = 3;  // Lean, the store or the policy failed
inline constexpr int kExitCanary = 4;       // a canary passed: the verifier cannot be trusted
inline constexpr int kExitInterrupted = 130;

struct ExitCodeInfo {
  int code;
  const char* name;     // the constant's name
  const char* meaning;  // one sentence, as the README shows it
};

inline constexpr std::array<ExitCodeInfo, 6> kExitCodes{{
    {kExitOk, "kExitOk",
     "success: `score` wrote a row for every line (whatever the verdicts), `search` finished, "
     "`doctor` found nothing missing (its warnings, such as memory, do not count)"},
    {kExitProblems, "kExitProblems",
     "`doctor` found something missing or wrong (each problem is printed with its fix), "
     "`check` found lines that do not pass (listed, regressions first), or `traces` found "
     "verified proofs it could not trace (listed)"},
    {kExitUsage, "kExitUsage",
     "usage or input error: an unknown command, a bad option value, an unreadable file, or "
     "`score --strict` at an invalid line"},
    {kExitLeanOrStore, "kExitLeanOrStore",
     "Lean cannot be started at all, the store cannot be written, or the policy failed (rows "
     "already committed stay, and OUT holds exactly those); `check` then compares nothing"},
    {kExitCanary, "kExitCanary",
     "a canary passed: the verifier cannot be trusted on this machine"},
    {kExitInterrupted, "kExitInterrupted",
     "interrupted (Ctrl-C or SIGTERM); `--resume latest` (score, check, search) continues the run"},
}};

}  // namespace harness
