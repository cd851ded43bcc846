#include "store/store.hpp"

#include <fmt/format.h>

#include <utility>

#include "common/tagged_hash.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"
#include "store/statement.hpp"
#include "store/transaction.hpp"
#include "store/uuid.hpp"
#include "store/verification_cache.hpp"

namespace store {
namespace {

constexpr std::string_view kInsertTaskSql = R"sql(
INSERT OR IGNORE INTO tasks (task_id, name, header, statement, split)
VALUES (?1, ?2, ?3, ?4, ?5))sql";

constexpr std::string_view kInsertAttemptSql = R"sql(
INSERT INTO attempts (run_id, line, name, task_id, verdict, decided_by, reason, reward,
                      elapsed_ms, cached, axioms, messages, proof, cache_key, used_constants)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15))sql";

constexpr std::string_view kBeginRunSql = R"sql(
INSERT INTO runs (uuid, command, argv, toolchain, repl, settings, input_path, input_sha256, host)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
RETURNING id)sql";

constexpr std::string_view kFinishRunSql = R"sql(
UPDATE runs SET status = ?2, summary = ?3, ended_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = ?1 AND status = 'running'
RETURNING id)sql";

constexpr std::string_view kSelectRunSql = R"sql(
SELECT id, uuid, command, argv, started_at, ended_at, status, toolchain, repl, settings,
       input_path, input_sha256, summary, host
FROM runs WHERE id = ?1)sql";

constexpr std::string_view kSelectAttemptsSql = R"sql(
SELECT run_id, line, name, task_id, verdict, decided_by, reason, reward, elapsed_ms, cached,
       axioms, messages, proof, cache_key, created_at, used_constants
FROM attempts WHERE run_id = ?1 ORDER BY line)sql";

constexpr std::string_view kSelectTaskSql = R"sql(
SELECT task_id, name, header, statement, split FROM tasks WHERE task_id = ?1)sql";

constexpr std::string_view kReopenRunSql = R"sql(
UPDATE runs SET status = 'running', ended_at = NULL WHERE id = ?1
RETURNING id)sql";

constexpr std::string_view kSelectRunByUuidSql = R"sql(
SELECT id, uuid, command, argv, started_at, ended_at, status, toolchain, repl, settings,
       input_path, input_sha256, summary, host
FROM runs WHERE uuid = ?1)sql";

constexpr std::string_view kSelectLatestRunSql = R"sql(
SELECT id, uuid, command, argv, started_at, ended_at, status, toolchain, repl, settings,
       input_path, input_sha256, summary, host
FROM runs WHERE command = ?1 ORDER BY id DESC LIMIT 1)sql";

constexpr std::string_view kNextLineSql = R"sql(
SELECT coalesce(max(line), 0) + 1 FROM attempts WHERE run_id = ?1)sql";

constexpr std::string_view kInsertSearchSql = R"sql(
INSERT INTO search_attempts (run_id, line, epoch, phase, group_index, sample, mode,
                             policy_version, prompt, completion, advantage, logprob,
                             expansions, extra)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14))sql";

// The attempts columns in read_attempt's order (0-15), then the search columns (16-27).
constexpr std::string_view kSelectSearchAttemptsSql = R"sql(
SELECT a.run_id, a.line, a.name, a.task_id, a.verdict, a.decided_by, a.reason, a.reward,
       a.elapsed_ms, a.cached, a.axioms, a.messages, a.proof, a.cache_key, a.created_at,
       a.used_constants, s.epoch, s.phase, s.group_index, s.sample, s.mode, s.policy_version,
       s.prompt, s.completion, s.advantage, s.logprob, s.expansions, s.extra
FROM search_attempts AS s JOIN attempts AS a ON a.run_id = s.run_id AND a.line = s.line
WHERE s.run_id = ?1 {}ORDER BY s.line)sql";
constexpr std::string_view kOneEpochCondition = "AND s.epoch = ?2 ";

constexpr std::string_view kInsertEpochSql = R"sql(
INSERT INTO epochs (run_id, epoch, phase, tasks, attempts, passes, errors, pass_rate,
                    mean_reward, entropy, new_solved, seconds, stats)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13))sql";

constexpr std::string_view kInsertTaskSampleSql = R"sql(
INSERT INTO task_samples (run_id, epoch, task_id, split, n, c)
VALUES (?1, ?2, ?3, ?4, ?5, ?6))sql";

constexpr std::string_view kInsertCheckpointSql = R"sql(
INSERT INTO checkpoints (run_id, epoch, policy_kind, policy_version, bytes, sha256, state)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7))sql";

constexpr std::string_view kSelectEpochsSql = R"sql(
SELECT run_id, epoch, phase, tasks, attempts, passes, errors, pass_rate, mean_reward, entropy,
       new_solved, seconds, stats
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

// Proof compression metrics.
// Passing attempts with their tasks; one row per (task_id, proof), the first in (run_id, line)
// order, with the used constants of the first duplicate that has some.
constexpr std::string_view kSelectVerifiedProofsSql = R"sql(
SELECT run_id, line, task_id, name, proof, used_constants, statement, header FROM (
  SELECT a.run_id, a.line, a.task_id, t.name, a.proof, t.statement, t.header,
         first_value(a.used_constants) OVER (
           PARTITION BY a.task_id, a.proof
           ORDER BY a.used_constants IS NULL, a.run_id, a.line) AS used_constants,
         row_number() OVER (
           PARTITION BY a.task_id, a.proof ORDER BY a.run_id, a.line) AS nth
  FROM attempts AS a JOIN tasks AS t ON t.task_id = a.task_id
  WHERE a.verdict = 'pass' {})
WHERE nth = 1
ORDER BY run_id, line)sql";
constexpr std::string_view kOneRunCondition = "AND a.run_id = ?1";

constexpr std::string_view kInsertComputationSql = R"sql(
INSERT INTO metrics_computations (scope, params, summary) VALUES (?1, ?2, ?3)
RETURNING id)sql";

constexpr std::string_view kInsertDictionarySql = R"sql(
INSERT INTO dictionaries (computation, version, fold, kind, samples, params, bytes, sha256)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
RETURNING id)sql";

constexpr std::string_view kInsertProofMetricsSql = R"sql(
INSERT INTO proof_metrics (computation, run_id, line, bytes, tactics, c, c_given_library,
                           shared, novelty, fold, dictionary_id)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11))sql";

constexpr std::string_view kInsertTaskMetricsSql = R"sql(
INSERT INTO task_metrics (computation, task_id, proofs, diversity) VALUES (?1, ?2, ?3, ?4))sql";

constexpr std::string_view kInsertDeclarationMetricsSql = R"sql(
INSERT INTO declaration_metrics (computation, name, digest, reuse, method, mdl_gain, c,
                                 declared_in)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8))sql";

constexpr std::string_view kSelectLatestComputationSql = R"sql(
SELECT id, scope, params, summary, created_at
FROM metrics_computations WHERE scope = ?1 ORDER BY id DESC LIMIT 1)sql";

constexpr std::string_view kSelectComputationSql = R"sql(
SELECT id, scope, params, summary, created_at FROM metrics_computations WHERE id = ?1)sql";

constexpr std::string_view kSelectProofMetricsSql = R"sql(
SELECT run_id, line, bytes, tactics, c, c_given_library, shared, novelty, fold, dictionary_id
FROM proof_metrics WHERE computation = ?1 ORDER BY run_id, line)sql";

constexpr std::string_view kSelectTaskMetricsSql = R"sql(
SELECT task_id, proofs, diversity FROM task_metrics WHERE computation = ?1 ORDER BY rowid)sql";

constexpr std::string_view kSelectDeclarationMetricsSql = R"sql(
SELECT name, reuse, method, mdl_gain, digest, c, declared_in
FROM declaration_metrics WHERE computation = ?1 ORDER BY rowid)sql";

constexpr std::string_view kSelectDictionariesSql = R"sql(
SELECT id, version, fold, kind, samples, params, bytes, sha256, created_at, computation
FROM dictionaries WHERE computation = ?1 ORDER BY fold)sql";

constexpr std::string_view kSelectDictionarySql = R"sql(
SELECT id, version, fold, kind, samples, params, bytes, sha256, created_at, computation
FROM dictionaries WHERE id = ?1)sql";

// Connection settings applied on every open, before migrating. busy_timeout comes first so
// that the others wait for a concurrent writer instead of failing.
constexpr std::string_view kOpenPragmas[] = {
    "PRAGMA busy_timeout = 5000",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
};

void configure(Database& db) {
  for (std::string_view pragma : kOpenPragmas) {
    std::string sql(pragma);
    db.exec(sql, fmt::format("open ({})", pragma.substr(7)));
  }
}

RunRow read_run(const Database& db, Statement& row) {
  auto status_text = row.text(6);
  auto status = parse_run_status(status_text);
  if (!status) {
    db.fail(fmt::format("read run {}", row.integer(0)),
            fmt::format("unknown status '{}'", status_text));
  }
  return RunRow{.id = row.integer(0),
                .uuid = row.text(1),
                .command = row.text(2),
                .argv_json = row.text(3),
                .started_at = row.text(4),
                .ended_at = row.optional_text(5),
                .status = *status,
                .toolchain = row.text(7),
                .repl = row.text(8),
                .settings_json = row.text(9),
                .input_path = row.text(10),
                .input_sha256 = row.optional_text(11),
                .summary_json = row.optional_text(12),
                .host = row.optional_text(13)};
}

AttemptRow read_attempt(Statement& row) {
  return AttemptRow{.run_id = row.integer(0),
                    .line = row.integer(1),
                    .name = row.text(2),
                    .task_id = row.optional_text(3),
                    .verdict = row.text(4),
                    .decided_by = row.text(5),
                    .reason = row.text(6),
                    .reward = row.optional_real(7),
                    .elapsed_ms = row.integer(8),
                    .cached = row.integer(9) != 0,
                    .axioms_json = row.optional_text(10),
                    .messages_json = row.text(11),
                    .proof = row.text(12),
                    .cache_key = row.optional_text(13),
                    .created_at = row.text(14),
                    .used_constants_json = row.optional_text(15)};
}

SearchAttemptRow read_search_attempt(Statement& row) {
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
                          .extra_json = row.optional_text(27)};
}

EpochRecord read_epoch(Statement& row) {
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
                     .stats_json = row.text(12)};
}

TaskSampleRecord read_task_sample(Statement& row) {
  return TaskSampleRecord{.run_id = row.integer(0),
                          .epoch = row.integer(1),
                          .task_id = row.text(2),
                          .split = row.text(3),
                          .n = row.integer(4),
                          .c = row.integer(5)};
}

// Reads the checkpoint on `row` and refuses it when its bytes no longer hash to its sha256.
CheckpointRecord read_checkpoint(const Database& db, Statement& row) {
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

MetricsComputation read_computation(Statement& row) {
  return MetricsComputation{.id = row.integer(0),
                            .scope = row.text(1),
                            .params_json = row.text(2),
                            .summary_json = row.text(3),
                            .created_at = row.text(4)};
}

// Reads the dictionary on `row` and refuses it when its bytes no longer hash to its sha256.
DictionaryRecord read_dictionary(const Database& db, Statement& row) {
  DictionaryRecord dictionary{.id = row.integer(0),
                              .version = row.text(1),
                              .fold = row.integer(2),
                              .kind = row.text(3),
                              .samples = row.integer(4),
                              .params_json = row.text(5),
                              .bytes = row.blob(6),
                              .sha256 = row.text(7),
                              .created_at = row.text(8),
                              .computation = row.integer(9)};
  std::string actual = common::sha256_hex(dictionary.bytes);
  if (actual != dictionary.sha256) {
    db.fail(fmt::format("read dictionary {} (computation {}, fold {})", dictionary.id,
                        dictionary.computation, dictionary.fold),
            fmt::format("corrupt dictionary: its {} bytes hash to {}, not the recorded {}",
                        dictionary.bytes.size(), actual, dictionary.sha256));
  }
  return dictionary;
}

std::optional<MetricsComputation> select_computation(Statement& select,
                                                     std::string_view operation) {
  if (!select.step(operation)) return std::nullopt;
  MetricsComputation computation = read_computation(select);
  while (select.step(operation)) {
  }
  return computation;
}

std::optional<RunRow> select_run(const Database& db, Statement& select,
                                 std::string_view operation) {
  if (!select.step(operation)) return std::nullopt;
  RunRow row = read_run(db, select);
  while (select.step(operation)) {
  }
  return row;
}

std::optional<CheckpointRecord> select_checkpoint(const Database& db, Statement& select,
                                                  std::string_view operation) {
  if (!select.step(operation)) return std::nullopt;
  CheckpointRecord checkpoint = read_checkpoint(db, select);
  while (select.step(operation)) {
  }
  return checkpoint;
}

}  // namespace

struct Store::Impl {
  explicit Impl(Database database)
      : db(std::move(database)),
        cache(db),
        insert_task(db, kInsertTaskSql, Lifetime::persistent),
        insert_attempt(db, kInsertAttemptSql, Lifetime::persistent),
        insert_search(db, kInsertSearchSql, Lifetime::persistent) {}

  void write(const AttemptRecord& attempt);
  void write_task(const TaskRecord& task, const AttemptRecord& attempt);
  void write_attempt(const AttemptRecord& attempt);
  void write_search(const SearchAttemptRecord& search);
  void write_epoch(const EpochRecord& epoch);
  void write_task_samples(const std::vector<TaskSampleRecord>& samples);
  void write_checkpoint(const CheckpointRecord& checkpoint);

  Database db;  // declared first: the statements below are finalized before it closes
  VerificationCache cache;
  Statement insert_task;
  Statement insert_attempt;
  Statement insert_search;
};

void Store::Impl::write(const AttemptRecord& attempt) {
  if (attempt.task) write_task(*attempt.task, attempt);
  write_attempt(attempt);
  // A verdict served from the cache is already there; rewriting it would replace the
  // original check's elapsed time with the lookup's.
  if (attempt.cache_key && !attempt.cached && is_cacheable(attempt.verdict)) {
    cache.put(*attempt.cache_key, attempt);
  }
}

void Store::Impl::write_task(const TaskRecord& task, const AttemptRecord& attempt) {
  insert_task.start()
      .bind_text(1, task.task_id)
      .bind_text(2, task.name)
      .bind_text(3, task.header)
      .bind_text(4, task.statement)
      .bind_text(5, task.split);
  insert_task.step_or_describe([&] {
    return fmt::format("insert task {} (run {}, line {})", task.task_id, attempt.run_id,
                       attempt.line);
  });
}

void Store::Impl::write_attempt(const AttemptRecord& a) {
  insert_attempt.start()
      .bind_int(1, a.run_id)
      .bind_int(2, a.line)
      .bind_text(3, a.name)
      .bind_text(5, a.verdict)
      .bind_text(6, a.decided_by)
      .bind_text(7, a.reason)
      .bind_real(8, a.reward)
      .bind_int(9, a.elapsed_ms)
      .bind_int(10, a.cached ? 1 : 0)
      .bind_text(11, a.axioms_json)
      .bind_text(12, a.messages_json)
      .bind_text(13, a.proof)
      .bind_text(14, a.cache_key)
      .bind_text(15, a.used_constants_json);
  if (a.task) {
    insert_attempt.bind_text(4, a.task->task_id);  // bound text must outlive the step
  } else {
    insert_attempt.bind_null(4);
  }
  insert_attempt.step_or_describe(
      [&] { return fmt::format("insert attempt (run {}, line {})", a.run_id, a.line); });
}

void Store::Impl::write_search(const SearchAttemptRecord& s) {
  const AttemptRecord& a = s.attempt;
  insert_search.start()
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
      .bind_text(14, s.extra_json);
  insert_search.step_or_describe(
      [&] { return fmt::format("insert search attempt (run {}, line {})", a.run_id, a.line); });
}

void Store::Impl::write_epoch(const EpochRecord& e) {
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
      .bind_text(13, e.stats_json);
  insert.step(fmt::format("insert epoch (run {}, epoch {})", e.run_id, e.epoch));
}

void Store::Impl::write_task_samples(const std::vector<TaskSampleRecord>& samples) {
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

void Store::Impl::write_checkpoint(const CheckpointRecord& c) {
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

Store Store::open(const std::string& path) {
  Database db = Database::open(path);
  configure(db);
  migrate(db, schema_migrations());
  return Store(std::make_unique<Impl>(std::move(db)));
}

Store::Store(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Store::Store(Store&& other) noexcept = default;
Store& Store::operator=(Store&& other) noexcept = default;
Store::~Store() = default;

const std::string& Store::path() const {
  return m_impl->db.path();
}

int64_t Store::begin_run(const RunInfo& info) {
  std::string uuid = random_uuid();
  Statement insert(m_impl->db, kBeginRunSql);
  insert.bind_text(1, uuid)
      .bind_text(2, info.command)
      .bind_text(3, info.argv_json)
      .bind_text(4, info.toolchain)
      .bind_text(5, info.repl)
      .bind_text(6, info.settings_json)
      .bind_text(7, info.input_path)
      .bind_text(8, info.input_sha256)
      .bind_text(9, info.host);
  insert.step(fmt::format("begin run ({})", info.command));
  int64_t id = insert.integer(0);
  while (insert.step("begin run")) {
  }
  return id;
}

void Store::finish_run(int64_t run_id, RunStatus status, const std::string& summary_json) {
  std::string operation = fmt::format("finish run {}", run_id);
  if (status == RunStatus::running) {
    m_impl->db.fail(operation, "a run cannot finish with status 'running'");
  }
  Statement update(m_impl->db, kFinishRunSql);
  update.bind_int(1, run_id).bind_text(2, to_string(status)).bind_text(3, summary_json);
  if (!update.step(operation)) m_impl->db.fail(operation, "no running run has that id");
  while (update.step(operation)) {
  }
}

void Store::reopen_run(int64_t run_id) {
  std::string operation = fmt::format("reopen run {}", run_id);
  Statement update(m_impl->db, kReopenRunSql);
  update.bind_int(1, run_id);
  if (!update.step(operation)) m_impl->db.fail(operation, "no run has that id");
  while (update.step(operation)) {
  }
}

void Store::record(const std::vector<AttemptRecord>& batch) {
  if (batch.empty()) return;
  Transaction transaction(m_impl->db, fmt::format("record batch of {} attempts", batch.size()));
  for (const auto& attempt : batch) m_impl->write(attempt);
  transaction.commit();
}

void Store::record_search(const std::vector<SearchAttemptRecord>& batch) {
  if (batch.empty()) return;
  Transaction transaction(m_impl->db,
                          fmt::format("record batch of {} search attempts", batch.size()));
  for (const auto& search : batch) {
    m_impl->write(search.attempt);
    m_impl->write_search(search);
  }
  transaction.commit();
}

void Store::finish_epoch(const EpochRecord& epoch, const std::vector<TaskSampleRecord>& samples,
                         const std::optional<CheckpointRecord>& checkpoint) {
  std::string operation = fmt::format("finish epoch {} of run {}", epoch.epoch, epoch.run_id);
  auto check_belongs = [&](std::string_view what, int64_t run_id, int64_t number) {
    if (run_id == epoch.run_id && number == epoch.epoch) return;
    m_impl->db.fail(operation, fmt::format("{} is for run {}, epoch {}", what, run_id, number));
  };
  for (const auto& sample : samples) {
    check_belongs(fmt::format("the task sample of {}", sample.task_id), sample.run_id,
                  sample.epoch);
  }
  if (checkpoint) check_belongs("the checkpoint", checkpoint->run_id, checkpoint->epoch);

  Transaction transaction(m_impl->db, operation);
  m_impl->write_epoch(epoch);
  m_impl->write_task_samples(samples);
  if (checkpoint) m_impl->write_checkpoint(*checkpoint);
  transaction.commit();
}

void Store::discard_after_epoch(int64_t run_id, int64_t epoch) {
  std::string operation = fmt::format("discard epochs after {} of run {}", epoch, run_id);
  Database& db = m_impl->db;
  Transaction transaction(db, operation);

  Statement search(db, kDiscardSearchAttemptsSql);
  search.bind_int(1, run_id).bind_int(2, epoch);
  std::vector<int64_t> lines;
  while (search.step(operation)) lines.push_back(search.integer(0));

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

std::optional<CachedVerdict> Store::lookup_cache(const std::string& key) {
  return m_impl->cache.lookup(key);
}

std::optional<RunRow> Store::run(int64_t id) const {
  Statement select(m_impl->db, kSelectRunSql);
  select.bind_int(1, id);
  if (!select.step(fmt::format("read run {}", id))) return std::nullopt;
  return read_run(m_impl->db, select);
}

std::vector<AttemptRow> Store::attempts(int64_t run_id) const {
  Statement select(m_impl->db, kSelectAttemptsSql);
  select.bind_int(1, run_id);
  std::string operation = fmt::format("read attempts of run {}", run_id);
  std::vector<AttemptRow> rows;
  while (select.step(operation)) rows.push_back(read_attempt(select));
  return rows;
}

std::optional<TaskRecord> Store::task(const std::string& task_id) const {
  Statement select(m_impl->db, kSelectTaskSql);
  select.bind_text(1, task_id);
  if (!select.step(fmt::format("read task {}", task_id))) return std::nullopt;
  return TaskRecord{.task_id = select.text(0),
                    .name = select.text(1),
                    .header = select.text(2),
                    .statement = select.text(3),
                    .split = select.optional_text(4)};
}

std::optional<RunRow> Store::run_by_uuid(const std::string& uuid) const {
  Statement select(m_impl->db, kSelectRunByUuidSql);
  select.bind_text(1, uuid);
  return select_run(m_impl->db, select, fmt::format("read run {}", uuid));
}

std::optional<RunRow> Store::latest_run(const std::string& command) const {
  Statement select(m_impl->db, kSelectLatestRunSql);
  select.bind_text(1, command);
  return select_run(m_impl->db, select, fmt::format("read latest run of {}", command));
}

int64_t Store::next_line(int64_t run_id) const {
  Statement select(m_impl->db, kNextLineSql);
  select.bind_int(1, run_id);
  std::string operation = fmt::format("read next line of run {}", run_id);
  select.step(operation);  // an aggregate: always one row
  int64_t line = select.integer(0);
  while (select.step(operation)) {
  }
  return line;
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
  std::vector<SearchAttemptRow> rows;
  while (select.step(operation)) rows.push_back(read_search_attempt(select));
  return rows;
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
  std::string operation = fmt::format("read epochs of run {}", run_id);
  std::vector<EpochRecord> rows;
  while (select.step(operation)) rows.push_back(read_epoch(select));
  return rows;
}

std::vector<TaskSampleRecord> Store::task_samples(int64_t run_id,
                                                  std::optional<int64_t> epoch) const {
  Statement select(m_impl->db, epoch ? kSelectEpochTaskSamplesSql : kSelectTaskSamplesSql);
  select.bind_int(1, run_id);
  if (epoch) select.bind_int(2, *epoch);
  std::string operation = epoch
                              ? fmt::format("read task samples of run {}, epoch {}", run_id, *epoch)
                              : fmt::format("read task samples of run {}", run_id);
  std::vector<TaskSampleRecord> rows;
  while (select.step(operation)) rows.push_back(read_task_sample(select));
  return rows;
}

std::vector<VerifiedProof> Store::verified_proofs(std::optional<int64_t> run_id) const {
  std::string sql = fmt::format(kSelectVerifiedProofsSql, run_id ? kOneRunCondition : "");
  Statement select(m_impl->db, sql);
  if (run_id) select.bind_int(1, *run_id);
  std::string operation = run_id ? fmt::format("read verified proofs of run {}", *run_id)
                                 : std::string("read verified proofs of every run");
  std::vector<VerifiedProof> rows;
  while (select.step(operation)) {
    rows.push_back(VerifiedProof{.run_id = select.integer(0),
                                 .line = select.integer(1),
                                 .task_id = select.text(2),
                                 .task_name = select.text(3),
                                 .proof = select.text(4),
                                 .used_constants_json = select.optional_text(5),
                                 .statement = select.text(6),
                                 .header = select.text(7)});
  }
  return rows;
}

int64_t Store::record_metrics(const MetricsComputation& computation,
                              const std::vector<DictionaryRecord>& dictionaries,
                              const std::vector<ProofMetricsRecord>& proofs,
                              const std::vector<TaskMetricsRecord>& tasks,
                              const std::vector<DeclarationMetricsRecord>& declarations) {
  Database& db = m_impl->db;
  std::string operation = fmt::format("record metrics (scope {})", computation.scope);
  // A dictionary of this call is named by dictionary_in_call(index): -1 - index.
  auto index_of = [](int64_t dictionary_id) { return static_cast<uint64_t>(-1 - dictionary_id); };
  for (const auto& p : proofs) {
    if (p.dictionary_id && *p.dictionary_id < 0 &&
        index_of(*p.dictionary_id) >= dictionaries.size()) {
      db.fail(operation,
              fmt::format("the metrics of (run {}, line {}) name dictionary {} of the call, "
                          "which has {}",
                          p.run_id, p.line, index_of(*p.dictionary_id), dictionaries.size()));
    }
  }

  Transaction transaction(db, operation);
  Statement insert(db, kInsertComputationSql);
  insert.bind_text(1, computation.scope)
      .bind_text(2, computation.params_json)
      .bind_text(3, computation.summary_json);
  insert.step(fmt::format("insert metrics computation (scope {})", computation.scope));
  int64_t id = insert.integer(0);
  while (insert.step(operation)) {
  }

  std::vector<int64_t> dictionary_ids;
  dictionary_ids.reserve(dictionaries.size());
  if (!dictionaries.empty()) {
    Statement insert_dictionary(db, kInsertDictionarySql);
    for (const auto& d : dictionaries) {
      std::string sha256 = common::sha256_hex(d.bytes);
      auto describe = [&] {
        return fmt::format("insert dictionary (computation {}, fold {})", id, d.fold);
      };
      insert_dictionary.start()
          .bind_int(1, id)
          .bind_text(2, d.version)
          .bind_int(3, d.fold)
          .bind_text(4, d.kind)
          .bind_int(5, d.samples)
          .bind_text(6, d.params_json)
          .bind_blob(7, d.bytes)
          .bind_text(8, sha256);
      insert_dictionary.step_or_describe(describe);
      dictionary_ids.push_back(insert_dictionary.integer(0));
      while (insert_dictionary.step_or_describe(describe)) {
      }
    }
  }

  if (!proofs.empty()) {
    Statement insert_proof(db, kInsertProofMetricsSql);
    for (const auto& p : proofs) {
      std::optional<int64_t> dictionary_id = p.dictionary_id;
      if (dictionary_id && *dictionary_id < 0)
        dictionary_id = dictionary_ids[index_of(*dictionary_id)];
      insert_proof.start()
          .bind_int(1, id)
          .bind_int(2, p.run_id)
          .bind_int(3, p.line)
          .bind_int(4, p.bytes)
          .bind_int(5, p.tactics)
          .bind_int(6, p.c)
          .bind_int(7, p.c_given_library)
          .bind_int(8, p.shared)
          .bind_real(9, p.novelty)
          .bind_int(10, p.fold)
          .bind_int(11, dictionary_id);
      insert_proof.step_or_describe([&] {
        return fmt::format("insert proof metrics (computation {}, run {}, line {})", id, p.run_id,
                           p.line);
      });
    }
  }

  if (!tasks.empty()) {
    Statement insert_task(db, kInsertTaskMetricsSql);
    for (const auto& t : tasks) {
      insert_task.start()
          .bind_int(1, id)
          .bind_text(2, t.task_id)
          .bind_int(3, t.proofs)
          .bind_real(4, t.diversity);
      insert_task.step_or_describe([&] {
        return fmt::format("insert task metrics (computation {}, task {})", id, t.task_id);
      });
    }
  }

  if (!declarations.empty()) {
    Statement insert_declaration(db, kInsertDeclarationMetricsSql);
    for (const auto& d : declarations) {
      insert_declaration.start()
          .bind_int(1, id)
          .bind_text(2, d.name)
          .bind_text(3, d.digest)
          .bind_int(4, d.reuse)
          .bind_text(5, d.method)
          .bind_int(6, d.mdl_gain)
          .bind_int(7, d.c)
          .bind_int(8, d.declared_in);
      insert_declaration.step_or_describe([&] {
        return fmt::format("insert declaration metrics (computation {}, declaration {})", id,
                           d.name);
      });
    }
  }
  transaction.commit();
  return id;
}

std::optional<MetricsComputation> Store::latest_metrics(const std::string& scope) const {
  Statement select(m_impl->db, kSelectLatestComputationSql);
  select.bind_text(1, scope);
  return select_computation(select, fmt::format("read latest metrics of scope {}", scope));
}

std::optional<MetricsComputation> Store::metrics_computation(int64_t id) const {
  Statement select(m_impl->db, kSelectComputationSql);
  select.bind_int(1, id);
  return select_computation(select, fmt::format("read metrics computation {}", id));
}

std::vector<ProofMetricsRecord> Store::proof_metrics(int64_t computation) const {
  Statement select(m_impl->db, kSelectProofMetricsSql);
  select.bind_int(1, computation);
  std::string operation = fmt::format("read proof metrics of computation {}", computation);
  std::vector<ProofMetricsRecord> rows;
  while (select.step(operation)) {
    rows.push_back(ProofMetricsRecord{.run_id = select.integer(0),
                                      .line = select.integer(1),
                                      .bytes = select.integer(2),
                                      .tactics = select.integer(3),
                                      .c = select.integer(4),
                                      .c_given_library = select.integer(5),
                                      .shared = select.integer(6),
                                      .novelty = select.real(7),
                                      .fold = select.integer(8),
                                      .dictionary_id = select.optional_integer(9)});
  }
  return rows;
}

std::vector<TaskMetricsRecord> Store::task_metrics(int64_t computation) const {
  Statement select(m_impl->db, kSelectTaskMetricsSql);
  select.bind_int(1, computation);
  std::string operation = fmt::format("read task metrics of computation {}", computation);
  std::vector<TaskMetricsRecord> rows;
  while (select.step(operation)) {
    rows.push_back(TaskMetricsRecord{.task_id = select.text(0),
                                     .proofs = select.integer(1),
                                     .diversity = select.optional_real(2)});
  }
  return rows;
}

std::vector<DeclarationMetricsRecord> Store::declaration_metrics(int64_t computation) const {
  Statement select(m_impl->db, kSelectDeclarationMetricsSql);
  select.bind_int(1, computation);
  std::string operation = fmt::format("read declaration metrics of computation {}", computation);
  std::vector<DeclarationMetricsRecord> rows;
  while (select.step(operation)) {
    rows.push_back(DeclarationMetricsRecord{.name = select.text(0),
                                            .reuse = select.integer(1),
                                            .method = select.text(2),
                                            .mdl_gain = select.optional_integer(3),
                                            .digest = select.text(4),
                                            .c = select.optional_integer(5),
                                            .declared_in = select.integer(6)});
  }
  return rows;
}

std::vector<DictionaryRecord> Store::dictionaries(int64_t computation) const {
  Statement select(m_impl->db, kSelectDictionariesSql);
  select.bind_int(1, computation);
  std::string operation = fmt::format("read dictionaries of computation {}", computation);
  std::vector<DictionaryRecord> rows;
  while (select.step(operation)) rows.push_back(read_dictionary(m_impl->db, select));
  return rows;
}

std::optional<DictionaryRecord> Store::dictionary(int64_t id) const {
  Statement select(m_impl->db, kSelectDictionarySql);
  select.bind_int(1, id);
  std::string operation = fmt::format("read dictionary {}", id);
  if (!select.step(operation)) return std::nullopt;
  DictionaryRecord dictionary = read_dictionary(m_impl->db, select);
  while (select.step(operation)) {
  }
  return dictionary;
}

int64_t Store::count_cache_entries() const {
  return m_impl->cache.count();
}

int64_t Store::set_max_page_count_for_test(int64_t pages) {
  return m_impl->db.query_int(fmt::format("PRAGMA max_page_count = {}", pages),
                              "set max_page_count (test hook)");
}

}  // namespace store
