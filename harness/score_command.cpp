// `harness score`: settings → workspace, store, reader, pool → ScoreRun → exit code.

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "harness/interrupt.hpp"
#include "harness/library_checker.hpp"
#include "harness/library_grow.hpp"
#include "harness/resume.hpp"
#include "harness/score_run.hpp"
#include "harness/score_settings.hpp"
#include "harness/settings_tables.hpp"
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

// The lemma library a run checks with (docs/library.md, "Use in score"): none without
// --library. A resumed run goes on with the version it began with: a store gives that version
// again, however it has grown since; a file must still hold it, and a run begun without a
// library takes none now. Anything else is refused, naming the run: one run, one library.
StoredLibrary score_library(const ScoreSettings& s, const std::optional<store::RunRow>& resumed) {
  refuse_version_without_library(s.library, s.library_version);
  std::string began;  // the version the resumed run recorded; "" for none
  bool began_with = false;
  if (resumed) {
    json recorded = json::parse(resumed->settings_json, nullptr, false);
    if (recorded.is_object() && recorded.contains("library")) {
      began_with = true;
      began = recorded["library"].value("version", "");
    }
  }
  if (!s.library) {
    if (began_with) {
      throw UsageError(fmt::format("--resume {}: run {} was checked with library {}: give --library",
                                   *s.resume, resumed->uuid, began.empty() ? "(empty)" : began));
    }
    return {};
  }
  if (resumed && !began_with) {
    throw UsageError(fmt::format("--library {}: run {} was checked without a library; start a new "
                                 "run to check with one", *s.library, resumed->uuid));
  }
  std::string version = s.library_version;
  if (began_with && !began.empty() && is_sqlite_file(*s.library)) version = began;
  StoredLibrary library = load_library(*s.library, version);
  if (began_with && library.version != began) {
    throw UsageError(fmt::format("--resume {}: run {} was checked with library {}, and {} now holds "
                                 "{}: the verdicts of one run come from one library; start a new run",
                                 *s.resume, resumed->uuid, began.empty() ? "(empty)" : began,
                                 *s.library, library.version.empty() ? "(empty)" : library.version));
  }
  return library;
}

}  // namespace

store::RunRow run_to_resume(const ScoreSettings& s, const char* kind,
                            const std::function<void(const json&)>& restore) {
  if (!std::filesystem::exists(s.db)) {
    throw UsageError(fmt::format("--resume {}: --db {}: no such file", *s.resume, s.db));
  }
  store::Store db = store::Store::open(s.db, store::OpenMode::existing, "--db");
  store::RunRow run = find_resumable_run(db, *s.resume, kind, s.db);
  json recorded = json::parse(run.settings_json, nullptr, false);
  json options = recorded.is_object() ? recorded.value("options", json::object()) : json::object();
  if (!options.is_object() || options.empty()) {
    fmt::print(stderr, "harness {}: run {} recorded no options (begun by an earlier harness): "
                       "it goes on with the options given now\n", kind, run.uuid);
    options = json::object();
    if (!run.input_path.empty()) options["input"] = run.input_path;
  }
  try {
    restore(options);
  } catch (const settings::SettingError& e) {
    throw UsageError(fmt::format("--resume {}: run {}: {}", *s.resume, run.uuid, e.what()));
  }
  return run;
}

int score_corpus(ScoreSettings s, CorpusRun corpus) {
  const char* kind = corpus.kind;
  if (s.input.empty()) throw UsageError("INPUT is required (or --resume RUN)");
  if (!std::filesystem::exists(s.input)) throw UsageError(fmt::format("{}: no such file", s.input));
  if (s.shard) Shard::parse(*s.shard);  // refused before anything starts
  if (s.out.empty()) s.out = std::filesystem::path(s.input).replace_extension(".scored.jsonl").string();
  std::string input_sha256 = store::file_sha256(s.input);
  const std::optional<store::RunRow>& resumed = corpus.resumed;
  if (resumed && resumed->input_sha256 && *resumed->input_sha256 != input_sha256) {
    throw UsageError(fmt::format(
        "--resume {}: {} has changed since run {} read it (SHA-256 {}, now {}): a resumed run "
        "checks the same lines; start a new run for the new input",
        *s.resume, s.input, resumed->uuid, *resumed->input_sha256, input_sha256));
  }
  tasks::ReaderOptions reader_options;
  reader_options.default_header = default_header(s);
  std::optional<tasks::TaskIndex> index;
  if (s.tasks) index = tasks::TaskIndex::load(*s.tasks);
  if (index) reader_options.tasks = &*index;
  Engine engine = make_engine(s);
  if (resumed && resumed->toolchain != engine.identity.toolchain) {
    throw UsageError(fmt::format(
        "--resume {}: run {} was checked with toolchain `{}`, this workspace has `{}`: the "
        "verdicts of one run come from one toolchain; start a new run", *s.resume,
        resumed->uuid, resumed->toolchain, engine.identity.toolchain));
  }
  StoredLibrary library = score_library(s, resumed);
  if (s.library) {
    engine.library = layers_of(library.lemmas, /*derivations=*/true);
    announce_library(kind, library);
  }
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
  int64_t run_id = 0;
  std::map<int64_t, store::AttemptRow> recorded;
  if (resumed) {
    run_id = resumed->id;
    for (auto& attempt : db.attempts(run_id)) {
      int64_t line = attempt.line;
      recorded.emplace(line, std::move(attempt));
    }
    db.reopen_run(run_id, host_name());
    fmt::print(stderr, "harness {}: resuming run {}: {} lines have their verdict\n", kind,
               resumed->uuid, recorded.size());
  } else {
    json settings = engine_settings_json(s, engine);
    settings["tasks"] = s.tasks ? json(*s.tasks) : json(nullptr);
    settings["strict"] = s.strict;
    settings["canaries"] = s.canaries;
    settings["shard"] = s.shard ? json(Shard::parse(*s.shard).text()) : json(nullptr);
    if (s.library) settings["library"] = library_record(*s.library, library);
    json options = corpus.options;
    options["--out"] = settings::absolute_paths(settings::Spec{.value = "FILE"}, json(s.out));
    settings["options"] = options;
    store::RunInfo info{kind, json(s.argv).dump(), engine.identity.toolchain, engine.repl,
                        settings.dump(), s.input, input_sha256, host_name()};
    run_id = db.begin_run(info);
  }
  std::optional<ScoreRun> made;
  try {
    made.emplace(s, db, run_id, engine, std::move(canaries), std::move(recorded));
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
  return corpus.done ? corpus.done(db, run_id, run, code) : code;
}

int run_score(const ScoreSettings& settings) {
  return run_command("score", [&] {
    ScoreSettings s = settings;
    CorpusRun corpus{"score", {}, {}, {}};
    if (s.resume) {
      corpus.resumed = run_to_resume(
          s, "score", [&](const json& options) { settings::restore_score_options(s, options); });
    }
    corpus.options = settings::score_options(s);
    return score_corpus(s, corpus);
  });
}

}  // namespace harness
