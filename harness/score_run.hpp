#pragma once
// One `harness score` run: reads candidate lines, has the pipeline (harness/pipeline.hpp)
// decide each, and writes one OUT row and one attempt row per line, in input order,
// committing rows in batches so a crash loses at most the batches in progress (a
// harness::BatchWriter commits them and appends them to OUT off the reading thread).
#include <array>
#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/batch_writer.hpp"
#include "harness/canaries.hpp"
#include "harness/engine.hpp"
#include "harness/pipeline.hpp"
#include "harness/progress.hpp"
#include "harness/rows.hpp"
#include "lean-bridge/guard.hpp"
#include "harness/score_settings.hpp"
#include "harness/shard.hpp"
#include "harness/workspace.hpp"
#include "lean-bridge/worker_pool.hpp"
#include "store/store.hpp"
#include "tasks/candidate_reader.hpp"

namespace harness {

class ScoreRun;

// What a command built on `score` does once the run is finished (its status recorded): gets
// the store, the run, and score's exit code; returns the command's.
using ScoreDone = std::function<int(store::Store&, int64_t run_id, const ScoreRun&, int code)>;

// One run of a command built on `score`.
struct CorpusRun {
  const char* kind = "score";  // the run's command: score, check
  // The options the run records for --resume (settings_tables.hpp: score_options, check_options).
  nlohmann::json options = nlohmann::json::object();
  // The run --resume goes on with (resume.hpp), its options already restored into the settings.
  std::optional<store::RunRow> resumed;
  ScoreDone done;
};

// `score`'s whole run: settings → workspace, store, reader, pool → ScoreRun → exit code, then
// `run.done`. A resumed run refuses an input whose SHA-256 is not the run's, or a toolchain that
// is not the run's; its lines with an attempt in the store keep it. Throws UsageError and the
// like (run_command's).
int score_corpus(ScoreSettings settings, CorpusRun run);

// --resume RUN of `kind`: the run in settings.db (resume.hpp: find_resumable_run), whose recorded
// options (an empty object for a run begun before they were recorded) `restore` puts back into
// the command's settings; a recorded value of the wrong type is a UsageError naming the run.
store::RunRow run_to_resume(const ScoreSettings& settings, const char* kind,
                            const std::function<void(const nlohmann::json&)>& restore);

class ScoreRun {
 public:
  // The engine (guard, identity, pool) must outlive the run.
  // `recorded`: a resumed run's attempts already in the store, by line; those lines keep their
  // verdicts (written to OUT again, not to the store) and only the others are checked.
  ScoreRun(const ScoreSettings& settings, store::Store& store, int64_t run_id,
           const Engine& engine, std::vector<Canary> canaries,
           std::map<int64_t, store::AttemptRow> recorded = {});
  // Runs to the end of the input (or an interruption, a fatal pool, a strict stop).
  void run(tasks::CandidateReader& reader);
  std::string summary_json() const;
  void print_summary() const;
  std::optional<std::string> fatal_error() const { return m_fatal; }
  std::optional<std::string> canary_failure() const { return m_canary_failure; }
  bool stopped_on_invalid() const { return m_strict_stop; }
  // The invalid line --strict stopped at: "FILE:LINE: field: problem".
  const std::string& strict_stop_error() const { return m_strict_error; }
  bool interrupted() const { return m_interrupted; }

 private:
  void resume_line(const tasks::CandidateReader::Row& entry, const store::AttemptRow& recorded);
  void take(const tasks::InvalidLine& invalid);
  void submit_due_canaries(bool all);
  void on_canary(size_t index, const lean_bridge::CheckResult& result);
  void write(std::vector<Row> rows, bool force_flush);
  void flush();
  void forget_committed();

  const ScoreSettings& m_settings;
  store::Store& m_store;
  int64_t m_run_id;
  StoreCache m_cache;
  Pipeline m_pipeline;
  std::ofstream m_out;
  int64_t m_read = 0;     // lines read
  int64_t m_written = 0;  // rows written
  int64_t m_blank_lines = 0;  // skipped by the reader: no row
  Shard m_shard;
  int64_t m_other_shards = 0;  // lines left to the other shards: no row
  std::vector<store::AttemptRecord> m_batch;
  size_t m_batch_rows = 0;  // rows that make the next batch
  std::vector<std::string> m_out_lines;
  uint64_t m_through = 0;  // Row::seq + 1 of the latest row written
  uint64_t m_forgotten = 0;  // the pipeline forgot the verdicts decided before this seq
  // Commits the batches and appends them to OUT (m_out) on a thread of its own.
  std::unique_ptr<BatchWriter> m_writer;
  std::chrono::steady_clock::time_point m_last_flush;
  std::chrono::steady_clock::time_point m_start;
  std::map<int64_t, store::AttemptRow> m_recorded;  // a resumed run's stored attempts
  int64_t m_resumed_lines = 0;  // lines answered from them
  int64_t m_new_lines = 0;      // lines that went to the pipeline
  std::array<int64_t, 7> m_counts{};
  Progress m_progress;
  std::optional<std::string> m_fatal;
  std::vector<Canary> m_canaries;
  std::vector<int64_t> m_canary_at;  // the number of lines read after which each one goes in
  size_t m_next_canary = 0;
  int64_t m_canaries_refused = 0;
  int64_t m_canaries_done = 0;
  std::optional<std::string> m_canary_failure;
  bool m_strict_stop = false;
  std::string m_strict_error;
  bool m_interrupted = false;
};

}  // namespace harness
