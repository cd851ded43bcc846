#pragma once
// `harness doctor`: what this machine has for checking proofs (toolchain, workspace, REPL),
// what is missing and the command that fixes it; whether the workers and warm spares of a run
// fit in its memory; `--selftest` runs known-good and known-bad proofs through the real REPL
// and says whether each verdict comes out right.
#include <cstdint>
#include <optional>
#include <string>

#include "harness/engine.hpp"

namespace harness {

// The engine's defaults, for the doctor's settings that size a run like `score` and `search`.
inline const EngineSettings& engine_defaults() {
  static const EngineSettings defaults;
  return defaults;
}

// Defaults are the initializers; names, help and checks: settings_tables.cpp, doctor_group.
struct DoctorSettings {
  std::optional<std::string> workspace;
  std::optional<std::string> repl;
  bool selftest = false;
  std::string sandbox = "bwrap";  // the sandbox the selftest's workers run in
  double timeout_s = 120;
  // The run whose memory the doctor sizes: the engine's settings of the same names.
  int workers = engine_defaults().workers;
  std::string spares = engine_defaults().spares;
  int spares_memory_mb = engine_defaults().spares_memory_mb;
  int max_rss_mb = engine_defaults().max_rss_mb;
};

// The memory check: every worker and every spare is one REPL process, and a process may grow
// to --max-rss-mb before it is recycled, so a run may need (workers + spares at most) ×
// max-rss-mb. Spares at most: --spares N, or for auto the count its bound allows (the memory
// of --spares-memory-mb, else 80% of MemAvailable, over one process's figure), from 1 to
// max_auto_spares(workers).
struct MemoryPlan {
  int workers = 0;
  int spares = 0;
  bool spares_auto = false;
  uint64_t process_mb = 0;    // per process (--max-rss-mb); 0: nothing bounds it
  uint64_t need_mb = 0;       // (workers + spares) × process_mb
  uint64_t total_mb = 0;      // MemTotal; 0: unknown
  uint64_t available_mb = 0;  // MemAvailable; 0: unknown
  // Whether the processes fit in MemAvailable; false when nothing bounds a process.
  bool fits() const { return process_mb > 0 && need_mb <= available_mb; }
  // How many processes of process_mb fit in MemAvailable.
  uint64_t processes_that_fit() const { return process_mb > 0 ? available_mb / process_mb : 0; }
};

// Throws UsageError for a bad --spares. total_mb and available_mb: /proc/meminfo's figures.
MemoryPlan plan_memory(const DoctorSettings& settings, uint64_t total_mb, uint64_t available_mb);

// kExitOk when nothing is missing, kExitProblems otherwise. A warning (workers and spares that
// may not fit in memory) is printed with what to lower, and leaves the status as it is: it is
// about the settings of a run, not about what the machine lacks.
int run_doctor(const DoctorSettings& settings);

}  // namespace harness
