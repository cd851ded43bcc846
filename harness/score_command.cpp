// `harness score`: settings → workspace, store, reader, pool → ScoreRun → exit code.

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "harness/interrupt.hpp"
#include "harness/score_run.hpp"
#include "harness/score_settings.hpp"
#include "harness/shard.hpp"
#include "harness/workspace.hpp"
#include "lean-bridge/guard.hpp"
#include "lean-bridge/sandbox.hpp"
#include "store/input_hash.hpp"
#include "tasks/input_error.hpp"
#include "tasks/task_index.hpp"

namespace harness {
namespace {

using nlohmann::json;

std::optional<std::string> default_header(const ScoreSettings& s) {
  if (s.header && s.header_file) throw UsageError("--header and --header-file exclude each other");
  if (s.header) return *s.header;
  if (s.header_file) return read_whole_file(*s.header_file);
  return std::nullopt;
}

int finish(store::Store& db, int64_t run_id, ScoreRun& run) {
  run.print_summary();
  if (auto canary = run.canary_failure()) {
    db.finish_run(run_id, store::RunStatus::failed, run.summary_json());
    fmt::print(stderr, "harness: {}\n", *canary);
    return kExitCanary;
  }
  if (auto fatal = run.fatal_error()) {
    db.finish_run(run_id, store::RunStatus::failed, run.summary_json());
    fmt::print(stderr, "harness: {}\nRun `harness doctor` to see what is missing.\n", *fatal);
    return kExitLeanOrStore;
  }
  if (run.interrupted()) {
    db.finish_run(run_id, store::RunStatus::interrupted, run.summary_json());
    fmt::print(stderr, "harness: interrupted; the rows written so far are kept\n");
    return kExitInterrupted;
  }
  if (run.stopped_on_invalid()) {
    db.finish_run(run_id, store::RunStatus::failed, run.summary_json());
    fmt::print(stderr, "harness: stopped at the first invalid line (--strict): {}\n",
               run.strict_stop_error());
    return kExitUsage;
  }
  db.finish_run(run_id, store::RunStatus::completed, run.summary_json());
  return kExitOk;
}

}  // namespace

int score_corpus(ScoreSettings s, const char* kind, const ScoreDone& done) {
  if (!std::filesystem::exists(s.input)) throw UsageError(fmt::format("{}: no such file", s.input));
  if (s.shard) Shard::parse(*s.shard);  // refused before anything starts
  if (s.out.empty()) s.out = std::filesystem::path(s.input).replace_extension(".scored.jsonl").string();
  tasks::ReaderOptions reader_options;
  reader_options.default_header = default_header(s);
  std::optional<tasks::TaskIndex> index;
  if (s.tasks) index = tasks::TaskIndex::load(*s.tasks);
  if (index) reader_options.tasks = &*index;
  Engine engine = make_engine(s);
  tasks::CandidateReader reader(s.input, reader_options);
  std::vector<Canary> canaries;
  if (s.canaries > 0) {
    try {
      canaries = pick_canaries(s.canary_file ? load_canaries(*s.canary_file) : builtin_canaries(),
                               s.canaries);
    } catch (const std::runtime_error& e) {
      throw UsageError(e.what());
    }
  }

  store::Store db = store::Store::open(s.db);
  json settings = engine_settings_json(s, engine);
  settings["tasks"] = s.tasks ? json(*s.tasks) : json(nullptr);
  settings["strict"] = s.strict;
  settings["canaries"] = s.canaries;
  settings["shard"] = s.shard ? json(Shard::parse(*s.shard).text()) : json(nullptr);
  store::RunInfo info{kind, json(s.argv).dump(), engine.identity.toolchain, engine.repl,
                      settings.dump(), s.input, store::file_sha256(s.input), host_name()};
  int64_t run_id = db.begin_run(info);
  std::optional<ScoreRun> made;
  try {
    made.emplace(s, db, run_id, engine, std::move(canaries));
  } catch (const std::exception&) {
    db.finish_run(run_id, store::RunStatus::failed, "{}");  // e.g. OUT cannot be written
    throw;
  }
  ScoreRun& run = *made;
  install_interrupt_handlers();
  try {
    run.run(reader);
  } catch (const std::exception&) {
    // Rows of committed batches stay; mark the run failed if the store still lets us.
    try {
      db.finish_run(run_id, store::RunStatus::failed, run.summary_json());
    } catch (const store::StoreError&) {
    }
    throw;
  }
  int code = finish(db, run_id, run);
  return done ? done(db, run_id, run, code) : code;
}

int run_score(const ScoreSettings& settings) {
  return run_command("score", [&] { return score_corpus(settings, "score", {}); });
}

}  // namespace harness
