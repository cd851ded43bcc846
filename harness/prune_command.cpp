#include "harness/prune_command.hpp"

#include <fmt/format.h>

#include "harness/engine.hpp"
#include "harness/exit_codes.hpp"
#include "store/store.hpp"

namespace harness {
namespace {

// "1.5 MB" for people; the exact bytes are printed beside it.
std::string human(int64_t bytes) {
  if (bytes < 1000 * 1000) return fmt::format("{:.1f} kB", static_cast<double>(bytes) / 1e3);
  if (bytes < 1000LL * 1000 * 1000) return fmt::format("{:.1f} MB", static_cast<double>(bytes) / 1e6);
  return fmt::format("{:.2f} GB", static_cast<double>(bytes) / 1e9);
}

int prune(const PruneSettings& s) {
  if (s.keep_days < 0) throw UsageError("--keep-days must be 0 or more");
  if (s.command.empty()) throw UsageError("--command: give a command's name, or all");
  store::Store db = store::Store::open(
      s.db, store::OpenMode::existing,
      "harness prune deletes from an existing store; score, search and serve create them");
  store::PruneOptions options{.keep_days = s.keep_days, .dry_run = s.dry_run};
  if (s.command != "all") options.command = s.command;
  int64_t before = db.size_bytes();
  store::PruneCounts removed = db.prune_attempts(options);
  std::string whose = s.command == "all" ? "every run" : fmt::format("{} runs", s.command);
  fmt::print("{}: attempts of {} created before {}{}\n", s.db, whose, removed.cutoff,
             s.dry_run ? " (dry run: nothing deleted)" : "");
  const char* verb = s.dry_run ? "would delete" : "deleted";
  fmt::print("  {} {} attempts, {} search_attempts rows, {} proof_metrics rows\n", verb,
             removed.attempts, removed.search_attempts, removed.proof_metrics);
  fmt::print("  kept: runs and their summaries, tasks, the verification cache, epochs, task "
             "samples, checkpoints, metrics computations\n");
  if (s.dry_run) {
    fmt::print("  size: {} bytes ({})\n", before, human(before));
    return kExitOk;
  }
  int64_t after = db.vacuum();
  int64_t freed = before - after;
  fmt::print("  size: {} bytes before, {} after VACUUM ({} → {}, {} freed, {:.0f}%)\n", before,
             after, human(before), human(after), human(freed),
             before > 0 ? 100.0 * static_cast<double>(freed) / static_cast<double>(before) : 0.0);
  return kExitOk;
}

}  // namespace

int run_prune(const PruneSettings& settings) {
  return run_command("prune", [&] { return prune(settings); });
}

}  // namespace harness
