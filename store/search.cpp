// store::Store, what a search run adds: its attempts' search rows, the learning curve
// (epochs), per-task samples and checkpoints; finishing an epoch, discarding later epochs for
// a resume, and reading all of them back.
#include <fmt/format.h>

#include "common/tagged_hash.hpp"
#include "store/store_impl.hpp"
#include "store/transaction.hpp"

namespace store {
namespace {

constexpr std::string_view kInsertSearchSql = R"sql(
INSERT INTO search_attempts (run_id, line, epoch, phase, group_index, sample, mode,
                             policy_version, prompt, completion, advantage, logprob,
                             expansions, extra, round, revises)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16))sql";

// The attempts columns in read_attempt's order (0-15), then the search columns (16-29).
constexpr std::string_view kSelectSearchAttemptsSql = R"sql(
SELECT a.run_id, a.line, a.name, a.task_id, a.verdict, a.decided_by, a.reason, a.reward,
       a.elapsed_ms, a.cached, a.axioms, a.messages, a.proof, a.cache_key, a.created_at,
       a.used_constants, s.epoch, s.phase, s.group_index, s.sample, s.mode, s.policy_version,
       s.prompt, s.completion, s.advantage, s.logprob, s.expansions, s.extra, s.round,
       s.revises
FROM search_attempts AS s JOIN attempts AS a ON a.run_id = s.run_id AND a.line = s.line
WHERE s.run_id = ?1 {}ORDER BY s.line)sql";
constexpr std::string_view kOneEpochCondition = "AND s.epoch = ?2 ";

constexpr std::string_view kInsertEpochSql = R"sql(
INSERT INTO epochs (run_id, epoch, phase, tasks, attempts, passes, errors, pass_rate,
                    mean_reward, entropy, new_solved, seconds, stats, library_size,
                    description_bytes)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15))sql";

constexpr std::string_view kInsertTaskSampleSql = R"sql(
INSERT INTO task_samples (run_id, epoch, task_id, split, n, c)
VALUES (?1, ?2, ?3, ?4, ?5, ?6))sql";

constexpr std::string_view kInsertCheckpointSql = R"sql(
INSERT INTO checkpoints (run_id, epoch, policy_kind, policy_version, bytes, sha256, state)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7))sql";

constexpr std::string_view kSelectEpochsSql = R"sql(
SELECT run_id, epoch, phase, tasks, attempts, passes, errors, pass_rate, mean_reward, entropy,
       new_solved, seconds, stats, library_size, description_bytes
FROM epochs WHERE run_id = ?1 ORDER BY epoch)sql";

constexpr std::string_view kSelectTaskSamplesSql = R"sql(
SELECT run_id, epoch, task_id, split, n, c
FROM task_samples WHERE run_id = ?1 ORDER BY epoch, task_id)sql";

constexpr std::string_view kSelectEpochTaskSamplesSql = R"sql(
SELECT run_id, epoch, task_id, split, n, c
FROM task_samples WHERE run_id = ?1 AND epoch = ?2 ORDER BY task_id)sql";

constexpr std::string_view kSelectLatestCheckpointSql = R"sql(
SELECT run_id, epoch, policy_kind, policy_version, bytes, sha256, state, created_at
FROM checkpoints WHERE run_id = ?1 ORDER BY epoch DESC LIMIT 1)sql";

constexpr std::string_view kSelectCheckpointSql = R"sql(
SELECT run_id, epoch, policy_kind, policy_version, bytes, sha256, state, created_at
FROM checkpoints WHERE run_id = ?1 AND epoch = ?2)sql";

// discard_after_epoch, in this order: search rows and proof metrics go before the attempts
// they reference, task samples and checkpoints before the epochs they reference.
constexpr std::string_view kDiscardSearchAttemptsSql = R"sql(
DELETE FROM search_attempts WHERE run_id = ?1 AND epoch > ?2
RETURNING line)sql";
constexpr std::string_view kDiscardProofMetricsSql = R"sql(
DELETE FROM proof_metrics WHERE run_id = ?1 AND line = ?2)sql";
constexpr std::string_view kDiscardAttemptSql = R"sql(
DELETE FROM attempts WHERE run_id = ?1 AND line = ?2)sql";
constexpr std::string_view kDiscardTaskSamplesSql = R"sql(
DELETE FROM task_samples WHERE run_id = ?1 AND epoch > ?2)sql";
constexpr std::string_view kDiscardCheckpointsSql = R"sql(
DELETE FROM checkpoints WHERE run_id = ?1 AND epoch > ?2)sql";
constexpr std::string_view kDiscardEpochsSql = R"sql(
DELETE FROM epochs WHERE run_id = ?1 AND epoch > ?2)sql";

SearchAttemptRow read_search_attempt(const Statement& row) {
  return SearchAttemptRow{.attempt = read_attempt(row),
                          .epoch = row.integer(16),
                          .phase = row.text(17),
                          .group_index = row.integer(18),
                          .sample = row.integer(19),
                          .mode = row.text(20),
                          .policy_version = row.text(21),
                          .prompt = row.text(22),
                          .completion = row.text(23),
                          .advantage = row.optional_real(24),
                          .logprob = row.optional_real(25),
                          .expansions = row.optional_integer(26),
                          .extra_json = row.optional_text(27),
                          .round = row.integer(28),
                          .revises = row.optional_integer(29)};
}

EpochRecord read_epoch(const Statement& row) {
  return EpochRecord{.run_id = row.integer(0),
                     .epoch = row.integer(1),
                     .phase = row.text(2),
                     .tasks = row.integer(3),
                     .attempts = row.integer(4),
                     .passes = row.integer(5),
                     .errors = row.integer(6),
                     .pass_rate = row.optional_real(7),
                     .mean_reward = row.optional_real(8),
                     .entropy = row.optional_real(9),
                     .new_solved = row.integer(10),
                     .seconds = row.real(11),
                     .stats_json = row.text(12),
                     .library_size = row.optional_integer(13),
                     .description_bytes = row.optional_integer(14)};
}

TaskSampleRecord read_task_sample(const Statement& row) {
  return TaskSampleRecord{.run_id = row.integer(0),
                          .epoch = row.integer(1),
                          .task_id = row.text(2),
                          .split = row.text(3),
                          .n = row.integer(4),
                          .c = row.integer(5)};
}

// Reads the checkpoint on `row` and refuses it when its bytes no longer hash to its sha256.
CheckpointRecord read_checkpoint(const Database& db, const Statement& row) {
  CheckpointRecord checkpoint{.run_id = row.integer(0),
                              .epoch = row.integer(1),
                              .policy_kind = row.text(2),
                              .policy_version = row.text(3),
                              .bytes = row.blob(4),
                              .sha256 = row.text(5),
                              .state_json = row.text(6),
                              .created_at = row.text(7)};
  std::string actual = common::sha256_hex(checkpoint.bytes);
  if (actual != checkpoint.sha256) {
    db.fail(fmt::format("read checkpoint (run {}, epoch {})", checkpoint.run_id, checkpoint.epoch),
            fmt::format("corrupt checkpoint: its {} bytes hash to {}, not the recorded {}",
                        checkpoint.bytes.size(), actual, checkpoint.sha256));
  }
  return checkpoint;
}

// The checkpoint `select` (bound) finds; nullopt when none.
std::optional<CheckpointRecord> select_checkpoint(Database& db, Statement& select,
                                                  std::string_view operation) {
  return first(
      select.collect(operation, [&](const Statement& row) { return read_checkpoint(db, row); }));
}

void write_epoch(Database& db, const EpochRecord& e) {
  Statement insert(db, kInsertEpochSql);
  insert.bind_int(1, e.run_id)
      .bind_int(2, e.epoch)
      .bind_text(3, e.phase)
      .bind_int(4, e.tasks)
      .bind_int(5, e.attempts)
      .bind_int(6, e.passes)
      .bind_int(7, e.errors)
      .bind_real(8, e.pass_rate)
      .bind_real(9, e.mean_reward)
      .bind_real(10, e.entropy)
      .bind_int(11, e.new_solved)
      .bind_real(12, e.seconds)
      .bind_text(13, e.stats_json)
      .bind_int(14, e.library_size)
      .bind_int(15, e.description_bytes);
  insert.step(fmt::format("insert epoch (run {}, epoch {})", e.run_id, e.epoch));
}

void write_task_samples(Database& db, const std::vector<TaskSampleRecord>& samples) {
  if (samples.empty()) return;
  Statement insert(db, kInsertTaskSampleSql);
  for (const auto& s : samples) {
    insert.start()
        .bind_int(1, s.run_id)
        .bind_int(2, s.epoch)
        .bind_text(3, s.task_id)
        .bind_text(4, s.split)
        .bind_int(5, s.n)
        .bind_int(6, s.c);
    insert.step_or_describe([&] {
      return fmt::format("insert task sample {} (run {}, epoch {})", s.task_id, s.run_id, s.epoch);
    });
  }
}

void write_checkpoint(Database& db, const CheckpointRecord& c) {
  std::string sha256 = common::sha256_hex(c.bytes);
  Statement insert(db, kInsertCheckpointSql);
  insert.bind_int(1, c.run_id)
      .bind_int(2, c.epoch)
      .bind_text(3, c.policy_kind)
      .bind_text(4, c.policy_version)
      .bind_blob(5, c.bytes)
      .bind_text(6, sha256)
      .bind_text(7, c.state_json);
  insert.step(fmt::format("insert checkpoint (run {}, epoch {})", c.run_id, c.epoch));
}

}  // namespace

SearchWriter::SearchWriter(Database& db)
    : m_insert_search(db, kInsertSearchSql, Lifetime::persistent) {}

void SearchWriter::write(const SearchAttemptRecord& s) {
  const AttemptRecord& a = s.attempt;
  m_insert_search.start()
      .bind_int(1, a.run_id)
      .bind_int(2, a.line)
      .bind_int(3, s.epoch)
      .bind_text(4, s.phase)
      .bind_int(5, s.group_index)
      .bind_int(6, s.sample)
      .bind_text(7, s.mode)
      .bind_text(8, s.policy_version)
      .bind_text(9, s.prompt)
      .bind_text(10, s.completion)
      .bind_real(11, s.advantage)
      .bind_real(12, s.logprob)
      .bind_int(13, s.expansions)
      .bind_text(14, s.extra_json)
      .bind_int(15, s.round)
      .bind_int(16, s.revises);
  m_insert_search.step_or_describe(
      [&] { return fmt::format("insert search attempt (run {}, line {})", a.run_id, a.line); });
}

void Store::record_search(const std::vector<SearchAttemptRecord>& batch) {
  if (batch.empty()) return;
  Transaction transaction(m_impl->db,
                          fmt::format("record batch of {} search attempts", batch.size()));
  m_impl->attempts.begin_batch();
  for (const auto& search : batch) {
    m_impl->attempts.write(search.attempt);
    m_impl->search.write(search);
  }
  transaction.commit();
}

void Store::finish_epoch(const EpochRecord& epoch, const std::vector<TaskSampleRecord>& samples,
                         const std::optional<CheckpointRecord>& checkpoint) {
  Database& db = m_impl->db;
  std::string operation = fmt::format("finish epoch {} of run {}", epoch.epoch, epoch.run_id);
  auto check_belongs = [&](std::string_view what, int64_t run_id, int64_t number) {
    if (run_id == epoch.run_id && number == epoch.epoch) return;
    db.fail(operation, fmt::format("{} is for run {}, epoch {}", what, run_id, number));
  };
  for (const auto& sample : samples) {
    check_belongs(fmt::format("the task sample of {}", sample.task_id), sample.run_id,
                  sample.epoch);
  }
  if (checkpoint) check_belongs("the checkpoint", checkpoint->run_id, checkpoint->epoch);

  Transaction transaction(db, operation);
  write_epoch(db, epoch);
  write_task_samples(db, samples);
  if (checkpoint) write_checkpoint(db, *checkpoint);
  transaction.commit();
}

void Store::discard_after_epoch(int64_t run_id, int64_t epoch) {
  std::string operation = fmt::format("discard epochs after {} of run {}", epoch, run_id);
  Database& db = m_impl->db;
  Transaction transaction(db, operation);

  Statement search(db, kDiscardSearchAttemptsSql);
  search.bind_int(1, run_id).bind_int(2, epoch);
  std::vector<int64_t> lines =
      search.collect(operation, [](const Statement& row) { return row.integer(0); });

  if (!lines.empty()) {
    Statement metrics(db, kDiscardProofMetricsSql);
    Statement attempt(db, kDiscardAttemptSql);
    for (int64_t line : lines) {
      metrics.start().bind_int(1, run_id).bind_int(2, line);
      metrics.step_or_describe([&] {
        return fmt::format("discard proof metrics (run {}, line {}) after epoch {}", run_id, line,
                           epoch);
      });
      attempt.start().bind_int(1, run_id).bind_int(2, line);
      attempt.step_or_describe([&] {
        return fmt::format("discard attempt (run {}, line {}) after epoch {}", run_id, line, epoch);
      });
    }
  }
  for (std::string_view sql : {kDiscardTaskSamplesSql, kDiscardCheckpointsSql, kDiscardEpochsSql}) {
    Statement discard(db, sql);
    discard.bind_int(1, run_id).bind_int(2, epoch);
    while (discard.step(operation)) {
    }
  }
  transaction.commit();
}

std::vector<SearchAttemptRow> Store::search_attempts(int64_t run_id,
                                                     std::optional<int64_t> epoch) const {
  std::string sql = fmt::format(kSelectSearchAttemptsSql, epoch ? kOneEpochCondition : "");
  Statement select(m_impl->db, sql);
  select.bind_int(1, run_id);
  if (epoch) select.bind_int(2, *epoch);
  std::string operation =
      epoch ? fmt::format("read search attempts of run {}, epoch {}", run_id, *epoch)
            : fmt::format("read search attempts of run {}", run_id);
  return select.collect(operation, read_search_attempt);
}

std::optional<CheckpointRecord> Store::latest_checkpoint(int64_t run_id) const {
  Statement select(m_impl->db, kSelectLatestCheckpointSql);
  select.bind_int(1, run_id);
  return select_checkpoint(m_impl->db, select,
                           fmt::format("read latest checkpoint of run {}", run_id));
}

std::optional<CheckpointRecord> Store::checkpoint(int64_t run_id, int64_t epoch) const {
  Statement select(m_impl->db, kSelectCheckpointSql);
  select.bind_int(1, run_id).bind_int(2, epoch);
  return select_checkpoint(m_impl->db, select,
                           fmt::format("read checkpoint (run {}, epoch {})", run_id, epoch));
}

std::vector<EpochRecord> Store::epochs(int64_t run_id) const {
  Statement select(m_impl->db, kSelectEpochsSql);
  select.bind_int(1, run_id);
  return select.collect(fmt::format("read epochs of run {}", run_id), read_epoch);
}

std::vector<TaskSampleRecord> Store::task_samples(int64_t run_id,
                                                  std::optional<int64_t> epoch) const {
  Statement select(m_impl->db, epoch ? kSelectEpochTaskSamplesSql : kSelectTaskSamplesSql);
  select.bind_int(1, run_id);
  if (epoch) select.bind_int(2, *epoch);
  std::string operation = epoch
                              ? fmt::format("read task samples of run {}, epoch {}", run_id, *epoch)
                              : fmt::format("read task samples of run {}", run_id);
  return select.collect(operation, read_task_sample);
}

}  // namespace store
