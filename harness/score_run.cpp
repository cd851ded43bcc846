#include "harness/score_run.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

#include "common/json_text.hpp"
#include "harness/interrupt.hpp"
#include "harness/read_ahead.hpp"
#include "harness/reward.hpp"

namespace harness {
namespace {

using lean_bridge::DecidedBy;
using lean_bridge::Verdict;
using nlohmann::json;
using ojson = nlohmann::ordered_json;

// Rows per commit: the first batches are small, so that a run's first rows reach the store
// (and OUT) soon; each commit doubles the next one's size, up to the most. A commit writes
// each page it changed once, however many rows changed it: the writer thread's cost per row
// falls as batches grow (the store's keys are hashes, spread over the whole tree). 2,048 rows
// cost 4 µs less per row than 1,024, and 6 MB more at the peak: memory was kept.
constexpr size_t kFirstBatchRows = 256;
constexpr size_t kMaxBatchRows = 1024;
constexpr auto kFlushEvery = std::chrono::milliseconds(500);

// A JSON text held by a row (messages, axioms) as the row line writes it: the common empty
// list as it is, the others read and written again, in the one compact form of every line.
void append_json_value(std::string& out, const std::string& text) {
  if (text == "[]") {
    out += text;
  } else {
    out += ojson::parse(text).dump(-1, ' ', false, ojson::error_handler_t::replace);
  }
}

// The OUT line of a row, written directly: the keys in this order, compact.
std::string out_line(const Row& row) {
  std::string out;
  out.reserve(256 + row.name.size() + row.reason.size() + row.messages_json.size());
  out += "{\"line\":";
  out += std::to_string(row.line);
  out += ",\"name\":";
  common::append_json_string(out, row.name);
  out += ",\"task_id\":";
  if (row.task) {
    common::append_json_string(out, row.task->task_id);
  } else {
    out += "null";
  }
  out += ",\"verdict\":\"";
  out += lean_bridge::to_string(row.verdict);
  out += "\",\"decided_by\":\"";
  out += lean_bridge::to_string(row.decided_by);
  out += "\",\"reason\":";
  common::append_json_string(out, row.reason);
  out += ",\"reward\":";
  auto reward = reward_for(row.verdict);
  out += reward ? ojson(*reward).dump() : "null";
  out += ",\"elapsed_ms\":";
  out += std::to_string(row.elapsed_ms);
  out += row.cached ? ",\"cached\":true" : ",\"cached\":false";
  out += ",\"axioms\":";
  if (row.axioms_json) {
    append_json_value(out, *row.axioms_json);
  } else {
    out += "null";
  }
  out += ",\"messages\":";
  append_json_value(out, row.messages_json);
  out += ",\"error\":";
  if (row.error.empty()) {
    out += "null";
  } else {
    common::append_json_string(out, row.error);
  }
  out += '}';
  return out;
}

}  // namespace

ScoreRun::ScoreRun(const ScoreSettings& settings, store::Store& store, int64_t run_id,
                   const Engine& engine, std::vector<Canary> canaries,
                   std::map<int64_t, store::AttemptRow> recorded)
    : m_settings(settings),
      m_store(store),
      m_run_id(run_id),
      m_cache(store),
      m_pipeline(engine.guard, &m_cache,
                 [&engine] { return std::make_unique<lean_bridge::WorkerPool>(engine.pool); },
                 PipelineOptions{.identity = engine.identity,
                                 .use_cache = settings.use_cache,
                                 .used_constants = settings.used_constants,
                                 .input = settings.input,
                                 .library = engine.library}),
      m_out(settings.out, std::ios::binary | std::ios::trunc),
      m_shard(settings.shard ? Shard::parse(*settings.shard) : Shard{}),
      m_last_flush(std::chrono::steady_clock::now()),
      m_start(std::chrono::steady_clock::now()),
      m_recorded(std::move(recorded)),
      // A shard's share of the lines is not known ahead: no total.
      m_progress(settings.progress, settings.progress && !settings.shard ? count_lines(settings.input) : -1) {
  if (!m_out) {
    int error = errno;
    std::error_code ec;
    std::string why = std::filesystem::is_directory(settings.out, ec)
                          ? "it is a folder (give a file name)"
                          : std::strerror(error);
    throw UsageError(fmt::format("--out {}: cannot write the OUT file: {}", settings.out, why));
  }
  m_writer = std::make_unique<BatchWriter>(store.path(), m_out, settings.out);
  m_batch_rows = kFirstBatchRows;
  m_canaries = std::move(canaries);
  int64_t lines = std::max<int64_t>(1, count_lines(settings.input));
  std::mt19937_64 random(std::random_device{}());
  for (size_t i = 0; i < m_canaries.size(); ++i) {
    m_canary_at.push_back(static_cast<int64_t>(random() % static_cast<uint64_t>(lines)));
  }
  std::sort(m_canary_at.begin(), m_canary_at.end());
}

void ScoreRun::run(tasks::CandidateReader& reader) {
  // The lines this run checks are parsed, guarded, assembled and keyed on the reading thread.
  ReadAhead ahead(
      reader,
      [this](const tasks::CandidateReader::Row& entry) -> std::optional<Pipeline::Prepared> {
        auto* candidate = std::get_if<tasks::Candidate>(&entry);
        if (candidate == nullptr || !m_shard.owns_task(candidate->task.id) ||
            m_recorded.count(candidate->line) > 0) {
          return std::nullopt;
        }
        return m_pipeline.prepare(*candidate, Pipeline::AddOptions{});
      },
      ReadAhead::can_read_ahead(reader.path()));
  while (!m_fatal && !m_strict_stop && !m_canary_failure) {
    if (interrupt_requested()) {
      m_interrupted = true;
      break;
    }
    auto item = ahead.next();
    if (!item) break;
    auto& entry = item->entry;
    auto* as_candidate = std::get_if<tasks::Candidate>(&entry);
    bool ours = as_candidate ? m_shard.owns_task(as_candidate->task.id)
                             : m_shard.owns_line(std::get<tasks::InvalidLine>(entry).line);
    if (!ours) {
      ++m_other_shards;
      continue;
    }
    ++m_read;
    int64_t line = as_candidate ? as_candidate->line : std::get<tasks::InvalidLine>(entry).line;
    if (auto found = m_recorded.find(line); found != m_recorded.end()) {
      resume_line(entry, found->second);
    } else if (as_candidate) {
      ++m_new_lines;
      if (item->prepared) {
        m_pipeline.add(std::move(*item->prepared));
      } else {
        m_pipeline.add(*as_candidate);
      }
    } else {
      ++m_new_lines;
      take(std::get<tasks::InvalidLine>(entry));
    }
    if (m_new_lines > 0) submit_due_canaries(false);
    write(m_pipeline.take_ready(std::chrono::milliseconds(0)), false);
    if (!m_fatal) m_fatal = m_pipeline.fatal_error();
  }
  // A resumed run with nothing left to check starts no Lean, canaries included.
  if (!m_fatal && !m_interrupted && !m_strict_stop && m_new_lines > 0) submit_due_canaries(true);
  m_pipeline.close();
  while (m_pipeline.pending() > 0 && !m_interrupted && !m_canary_failure) {
    m_interrupted = interrupt_requested();
    write(m_pipeline.take_ready(std::chrono::milliseconds(100)), false);
  }
  if (!m_fatal) m_fatal = m_pipeline.fatal_error();
  m_pipeline.stop();  // on interruption this kills the checks still running
  m_blank_lines = ahead.blank_lines();
  write({}, true);
  m_progress.finish();
}

// A line whose attempt the store holds (a resumed run): its row, for OUT and the counts, from the
// input line and the recorded verdict; the store is not written again. The recorded attempt
// must be this line's (the input's hash matched the run's, so it is, unless the store was
// edited): another task there is refused rather than mixed in.
void ScoreRun::resume_line(const tasks::CandidateReader::Row& entry,
                           const store::AttemptRow& recorded) {
  Row row;
  if (auto* candidate = std::get_if<tasks::Candidate>(&entry)) {
    row = candidate_row(*candidate);
    if (recorded.task_id != candidate->task.id) {
      throw std::runtime_error(fmt::format(
          "{}:{}: the run's recorded attempt of this line is of task {}, the line's task is {}: "
          "the store does not match the input", m_settings.input, row.line,
          recorded.task_id.value_or("(none)"), candidate->task.id));
    }
  } else {
    const auto& invalid = std::get<tasks::InvalidLine>(entry);
    row.line = invalid.line;
    row.name = invalid.name;
  }
  apply_recorded(row, recorded);
  ++m_resumed_lines;
  m_pipeline.add_row(std::move(row));
}

void ScoreRun::take(const tasks::InvalidLine& invalid) {
  Row row;
  row.line = invalid.line;
  row.name = invalid.name;
  row.verdict = Verdict::invalid;
  row.decided_by = DecidedBy::input;
  row.error = invalid.error;
  m_pipeline.add_row(std::move(row));
  if (m_settings.strict) {
    m_strict_stop = true;
    m_strict_error = invalid.error;
  }
}

// Canaries go in at random points of the input, under the header of the latest real check, so
// they exercise the same workers; never through the cache.
void ScoreRun::submit_due_canaries(bool all) {
  while (m_next_canary < m_canaries.size() && (all || m_canary_at[m_next_canary] < m_read)) {
    size_t index = m_next_canary++;
    const Canary& c = m_canaries[index];
    lean_bridge::CheckRequest r;
    r.imports = m_pipeline.last_request().imports;
    r.header_rest = m_pipeline.last_request().header_rest;
    r.body = c.statement + c.proof;
    r.statement = c.statement;
    r.target = c.name;
    m_pipeline.add_unrowed(std::move(r), [this, index](const lean_bridge::CheckResult& result) {
      on_canary(index, result);
    });
  }
}

void ScoreRun::on_canary(size_t index, const lean_bridge::CheckResult& result) {
  const Canary& c = m_canaries[index];
  ++m_canaries_done;
  if (result.verdict == Verdict::pass) {
    m_canary_failure = fmt::format(
        "canary `{}` passed: Lean's answers, as read by this harness, accepted a false statement;"
        " the verdicts of this run cannot be trusted", c.name);
  } else if (result.verdict != Verdict::error) {
    ++m_canaries_refused;
  }
}

void ScoreRun::write(std::vector<Row> rows, bool force_flush) {
  for (Row& row : rows) {
    ++m_counts[static_cast<size_t>(row.verdict)];
    m_out_lines.push_back(out_line(row));
    m_through = row.seq + 1;
    if (m_recorded.count(row.line) == 0) {
      m_batch.push_back(attempt_record(m_run_id, std::move(row)));
    }
    ++m_written;
  }
  auto now = std::chrono::steady_clock::now();
  if (force_flush || m_batch.size() >= m_batch_rows || now - m_last_flush >= kFlushEvery) flush();
  if (force_flush) m_writer->finish();
  forget_committed();
  m_progress.update(m_written, m_counts, force_flush);
}

// The batch goes to the writer, which commits it to the store, then appends it to OUT: every
// OUT row is also in the store.
void ScoreRun::flush() {
  m_last_flush = std::chrono::steady_clock::now();
  if (m_batch.empty() && m_out_lines.empty()) return;
  BatchWriter::Batch batch;
  batch.attempts.swap(m_batch);
  batch.out_lines.swap(m_out_lines);
  batch.hits = m_store.take_cache_hits();
  batch.through = m_through;
  m_batch_rows = std::min(m_batch_rows * 2, kMaxBatchRows);
  m_batch.reserve(m_batch_rows);
  m_out_lines.reserve(m_batch_rows);
  m_writer->push(std::move(batch));
}

// Once a batch is committed, the store's verification cache answers the verdicts the pipeline
// remembered for its rows; the later ones it keeps until their batch is in.
void ScoreRun::forget_committed() {
  m_writer->rethrow_error();
  uint64_t committed = m_writer->committed();
  if (committed > m_forgotten) {
    m_pipeline.forget_decided_before(committed);
    m_forgotten = committed;
  }
}

std::string ScoreRun::summary_json() const {
  ojson counts = ojson::object();
  for (size_t i = 0; i < m_counts.size(); ++i) {
    counts[std::string(lean_bridge::to_string(static_cast<Verdict>(i)))] = m_counts[i];
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
  const PipelineStats& p = m_pipeline.stats();
  ojson out = {{"lines", m_written},
               {"blank_lines", m_blank_lines},
               {"verdicts", counts},
               {"cache_hits", p.cache_hits},
               {"duplicates", p.duplicates},
               {"lean_checks", p.lean_checks},
               {"infra_errors", p.infra_errors},
               {"seconds", seconds},
               {"lines_per_second", seconds > 0 ? m_written / seconds : 0}};
  if (m_resumed_lines > 0) out["resumed_lines"] = m_resumed_lines;
  if (!m_shard.all()) {
    out["shard"] = {{"part", m_shard.text()}, {"other_lines", m_other_shards}};
  }
  if (!m_canaries.empty()) {
    out["canaries"] = {{"mixed_in", m_canaries.size()}, {"checked", m_canaries_done},
                       {"refused", m_canaries_refused}};
  }
  if (auto stats = m_pipeline.checker_stats()) {
    const auto& s = *stats;
    out["workers"] = {{"started", s.starts},
                      {"recycled", s.recycles},
                      {"died", s.deaths},
                      {"timeouts", s.timeouts},
                      {"retries", s.retries},
                      {"imports", s.imports + s.spare_starts},
                      {"spares_started", s.spare_starts},
                      {"spares_taken", s.spares_taken},
                      {"import_wait_s", s.import_wait_ms / 1000.0}};
  }
  return out.dump();
}

void ScoreRun::print_summary() const {
  auto s = ojson::parse(summary_json());
  std::string counts;
  for (auto& [verdict, n] : s["verdicts"].items()) counts += fmt::format(" {} {},", verdict, n.get<int64_t>());
  if (!counts.empty()) counts.pop_back();
  fmt::print(stderr, "scored {} lines in {:.1f} s ({:.1f} lines/s):{}\n", s["lines"].get<int64_t>(),
             s["seconds"].get<double>(), s["lines_per_second"].get<double>(), counts);
  if (s.contains("shard")) {
    fmt::print(stderr, "shard {}: {} lines left to the other shards\n",
               s["shard"]["part"].get<std::string>(), s["shard"]["other_lines"].get<int64_t>());
  }
  if (s.contains("resumed_lines")) {
    fmt::print(stderr, "resumed: {} lines kept the verdict the run had recorded\n",
               s["resumed_lines"].get<int64_t>());
  }
  if (int64_t blank = s["blank_lines"].get<int64_t>(); blank > 0) {
    fmt::print(stderr, "blank lines skipped (no row): {}\n", blank);
  }
  fmt::print(stderr, "cache hits {}, identical lines {}, Lean checks {}",
             s["cache_hits"].get<int64_t>(), s["duplicates"].get<int64_t>(),
             s["lean_checks"].get<int64_t>());
  if (int64_t failed = s["infra_errors"].get<int64_t>(); failed > 0) {
    fmt::print(stderr, ", checks Lean never answered {}", failed);
  }
  if (s.contains("workers")) {
    auto& w = s["workers"];
    fmt::print(stderr,
               "; REPL processes started {}, recycled {}, died {}, timed out {}; imports {}, "
               "spares started {}, taken {}; workers waited {:.1f} s for imports",
               w["started"].get<int>(), w["recycled"].get<int>(), w["died"].get<int>(),
               w["timeouts"].get<int>(), w["imports"].get<int>(), w["spares_started"].get<int>(),
               w["spares_taken"].get<int>(), w["import_wait_s"].get<double>());
  }
  if (s.contains("canaries")) {
    auto& c = s["canaries"];
    fmt::print(stderr, "\ncanaries: {} mixed in, {} checked, {} refused by Lean",
               c["mixed_in"].get<int64_t>(), c["checked"].get<int64_t>(),
               c["refused"].get<int64_t>());
  }
  fmt::print(stderr, "\nOUT: {}\n", m_settings.out);
}

}  // namespace harness
