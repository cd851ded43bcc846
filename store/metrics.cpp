// store::Store, the proof compression metrics: the verified proofs they are computed from,
// and computations with their dictionaries and per-proof, per-task and per-declaration rows.
#include <fmt/format.h>

#include "common/tagged_hash.hpp"
#include "store/store_impl.hpp"
#include "store/transaction.hpp"

namespace store {
namespace {

// Passing attempts with their tasks; one row per (task_id, proof), the first in (run_id, line)
// order, with the used constants of the first duplicate that has some.
constexpr std::string_view kSelectVerifiedProofsSql = R"sql(
SELECT run_id, line, task_id, name, proof, used_constants, statement, header, split FROM (
  SELECT a.run_id, a.line, a.task_id, t.name, a.proof, t.statement, t.header, t.split,
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

int64_t read_id(const Statement& row) {
  return row.integer(0);
}

VerifiedProof read_verified_proof(const Statement& row) {
  return VerifiedProof{.run_id = row.integer(0),
                       .line = row.integer(1),
                       .task_id = row.text(2),
                       .task_name = row.text(3),
                       .proof = row.text(4),
                       .used_constants_json = row.optional_text(5),
                       .statement = row.text(6),
                       .header = row.text(7),
                       .split = row.optional_text(8)};
}

MetricsComputation read_computation(const Statement& row) {
  return MetricsComputation{.id = row.integer(0),
                            .scope = row.text(1),
                            .params_json = row.text(2),
                            .summary_json = row.text(3),
                            .created_at = row.text(4)};
}

ProofMetricsRecord read_proof_metrics(const Statement& row) {
  return ProofMetricsRecord{.run_id = row.integer(0),
                            .line = row.integer(1),
                            .bytes = row.integer(2),
                            .tactics = row.integer(3),
                            .c = row.integer(4),
                            .c_given_library = row.integer(5),
                            .shared = row.integer(6),
                            .novelty = row.real(7),
                            .fold = row.integer(8),
                            .dictionary_id = row.optional_integer(9)};
}

TaskMetricsRecord read_task_metrics(const Statement& row) {
  return TaskMetricsRecord{
      .task_id = row.text(0), .proofs = row.integer(1), .diversity = row.optional_real(2)};
}

DeclarationMetricsRecord read_declaration_metrics(const Statement& row) {
  return DeclarationMetricsRecord{.name = row.text(0),
                                  .reuse = row.integer(1),
                                  .method = row.text(2),
                                  .mdl_gain = row.optional_integer(3),
                                  .digest = row.text(4),
                                  .c = row.optional_integer(5),
                                  .declared_in = row.integer(6)};
}

// Reads the dictionary on `row` and refuses it when its bytes no longer hash to its sha256.
DictionaryRecord read_dictionary(const Database& db, const Statement& row) {
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

}  // namespace

std::vector<VerifiedProof> Store::verified_proofs(std::optional<int64_t> run_id) const {
  std::string sql = fmt::format(kSelectVerifiedProofsSql, run_id ? kOneRunCondition : "");
  Statement select(m_impl->db, sql);
  if (run_id) select.bind_int(1, *run_id);
  std::string operation = run_id ? fmt::format("read verified proofs of run {}", *run_id)
                                 : std::string("read verified proofs of every run");
  return select.collect(operation, read_verified_proof);
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
  int64_t id = insert.collect(fmt::format("insert metrics computation (scope {})", computation.scope),
                              read_id)
                   .at(0);

  std::vector<int64_t> dictionary_ids;
  dictionary_ids.reserve(dictionaries.size());
  if (!dictionaries.empty()) {
    Statement insert_dictionary(db, kInsertDictionarySql);
    for (const auto& d : dictionaries) {
      std::string sha256 = common::sha256_hex(d.bytes);
      insert_dictionary.start()
          .bind_int(1, id)
          .bind_text(2, d.version)
          .bind_int(3, d.fold)
          .bind_text(4, d.kind)
          .bind_int(5, d.samples)
          .bind_text(6, d.params_json)
          .bind_blob(7, d.bytes)
          .bind_text(8, sha256);
      std::string what = fmt::format("insert dictionary (computation {}, fold {})", id, d.fold);
      dictionary_ids.push_back(insert_dictionary.collect(what, read_id).at(0));
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
  return first(
      select.collect(fmt::format("read latest metrics of scope {}", scope), read_computation));
}

std::optional<MetricsComputation> Store::metrics_computation(int64_t id) const {
  Statement select(m_impl->db, kSelectComputationSql);
  select.bind_int(1, id);
  return first(select.collect(fmt::format("read metrics computation {}", id), read_computation));
}

std::vector<ProofMetricsRecord> Store::proof_metrics(int64_t computation) const {
  Statement select(m_impl->db, kSelectProofMetricsSql);
  select.bind_int(1, computation);
  return select.collect(fmt::format("read proof metrics of computation {}", computation),
                        read_proof_metrics);
}

std::vector<TaskMetricsRecord> Store::task_metrics(int64_t computation) const {
  Statement select(m_impl->db, kSelectTaskMetricsSql);
  select.bind_int(1, computation);
  return select.collect(fmt::format("read task metrics of computation {}", computation),
                        read_task_metrics);
}

std::vector<DeclarationMetricsRecord> Store::declaration_metrics(int64_t computation) const {
  Statement select(m_impl->db, kSelectDeclarationMetricsSql);
  select.bind_int(1, computation);
  return select.collect(fmt::format("read declaration metrics of computation {}", computation),
                        read_declaration_metrics);
}

std::vector<DictionaryRecord> Store::dictionaries(int64_t computation) const {
  Statement select(m_impl->db, kSelectDictionariesSql);
  select.bind_int(1, computation);
  return select.collect(fmt::format("read dictionaries of computation {}", computation),
                        [&](const Statement& row) { return read_dictionary(m_impl->db, row); });
}

std::optional<DictionaryRecord> Store::dictionary(int64_t id) const {
  Statement select(m_impl->db, kSelectDictionarySql);
  select.bind_int(1, id);
  return first(select.collect(fmt::format("read dictionary {}", id), [&](const Statement& row) {
    return read_dictionary(m_impl->db, row);
  }));
}

}  // namespace store
