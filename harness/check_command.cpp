#include "harness/check_command.hpp"

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "harness/check_report.hpp"
#include "harness/exit_codes.hpp"
#include "harness/score_run.hpp"
#include "harness/settings_tables.hpp"
#include "harness/workspace.hpp"
#include "store/store.hpp"

namespace harness {
namespace {

// The baseline's attempts: from a store file (its latest `check` run, else its latest `score`
// run), or from the run with that uuid in the run's own store. Read before Lean starts, so a
// wrong baseline stops the run at once.
struct Baseline {
  std::string described;
  std::vector<store::AttemptRow> rows;
};

Baseline load_baseline(const std::string& given, const std::string& db) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(given, ec)) {
    store::Store base = store::Store::open(given, store::OpenMode::existing, "--baseline");
    auto run = base.latest_run("check");
    if (!run) run = base.latest_run("score");
    if (!run) throw UsageError(fmt::format("--baseline {}: the store has no check or score run", given));
    if (run->status != store::RunStatus::completed) {
      throw UsageError(fmt::format("--baseline {}: its latest run {} is {}, not completed; give a run's "
                                   "uuid instead", given, run->uuid, store::to_string(run->status)));
    }
    return {fmt::format("run {} of {}", run->uuid, given), base.attempts(run->id)};
  }
  if (!std::filesystem::exists(db, ec)) {
    throw UsageError(fmt::format("--baseline {}: neither a store file nor a run of {} (no such file)", given, db));
  }
  store::Store base = store::Store::open(db, store::OpenMode::existing, "--baseline");
  auto run = base.run_by_uuid(given);
  if (!run) throw UsageError(fmt::format("--baseline {}: neither a store file nor a run of {}", given, db));
  return {fmt::format("run {} of {}", run->uuid, db), base.attempts(run->id)};
}

}  // namespace

int run_check(CheckSettings s) {
  return run_command("check", [&] {
    // The cache's key covers the toolchain and the manifest's packages, not the workspace's
    // own modules: after an edit to them a cached verdict may be stale, so by default every
    // line goes to Lean.
    CorpusRun corpus{"check", {}, {}, {}};
    if (s.resume) {
      corpus.resumed = run_to_resume(s, "check", [&](const nlohmann::json& options) {
        settings::restore_check_options(s, options);
      });
    }
    corpus.options = settings::check_options(s);
    s.use_cache = s.cache;
    std::optional<Baseline> baseline;
    if (s.baseline) baseline = load_baseline(*s.baseline, s.db);
    corpus.done = [&](store::Store& db, int64_t run_id, const ScoreRun& run, int code) {
      if (code == kExitLeanOrStore && run.fatal_error()) {
        fmt::print("harness check: Lean could not run, so nothing was compared: {}\n", *run.fatal_error());
        return code;  // never "everything regressed"
      }
      if (code != kExitOk) return code;  // interrupted, canary, strict stop: score said why
      std::vector<store::AttemptRow> rows = db.attempts(run_id);
      // Every line that could be read got `error` (no Lean answer at all): Lean did not run.
      size_t readable = 0;
      size_t unanswered = 0;
      std::string why;  // the first of them
      for (const auto& r : rows) {
        readable += r.verdict != "invalid";
        if (r.verdict != "error") continue;
        if (unanswered++ == 0) why = r.reason;
      }
      if (readable > 0 && unanswered == readable) {
        fmt::print("harness check: Lean could not run, so nothing was compared: {}\n"
                   "Run `harness doctor` to see what is missing.\n", why);
        return kExitLeanOrStore;
      }
      // The run as the store holds it: its start, toolchain and the seconds its summary counted.
      store::RunRow recorded = *db.run(run_id);
      if (s.junit) {
        double seconds = nlohmann::json::parse(recorded.summary_json.value_or("{}")).value("seconds", 0.0);
        JunitInfo info{s.input, recorded.started_at, host_name(), recorded.toolchain, seconds};
        std::ofstream out(*s.junit, std::ios::binary | std::ios::trunc);
        out << junit_xml(info, rows);
        out.close();
        if (!out) throw UsageError(fmt::format("--junit {}: cannot write the report", *s.junit));
      }
      CheckComparison c = compare_runs(rows, baseline ? &baseline->rows : nullptr);
      if (baseline) fmt::print("baseline: {}\n", baseline->described);
      fmt::print("{}", comparison_text(c));
      fmt::print("run {} in {}\n", recorded.uuid, s.db);
      return c.failing.empty() ? kExitOk : kExitProblems;
    };
    return score_corpus(s, std::move(corpus));
  });
}

}  // namespace harness
