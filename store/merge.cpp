// store::Store, merging: another store file's runs and every row that hangs off them, brought
// into this one by global keys (run uuids, task ids, cache keys), with each table's columns
// read from the schema so that a column added later comes along without a change here.
#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

#include "store/migrations.hpp"
#include "store/store_impl.hpp"
#include "store/transaction.hpp"

namespace store {
namespace {

constexpr std::string_view kSource = "merge_source";  // the attached file's schema name

// Every table of the schema, in the order merge_from fills them (foreign keys first). A table
// the schema has and this list lacks is refused (tests/store/merge_test.cpp checks it):
// deciding how its rows merge is part of adding it.
constexpr std::string_view kTables[] = {"runs",
                                        "tasks",
                                        "verification_cache",
                                        "attempts",
                                        "search_attempts",
                                        "epochs",
                                        "task_samples",
                                        "checkpoints",
                                        "run_sources",
                                        "metrics_computations",
                                        "dictionaries",
                                        "proof_metrics",
                                        "task_metrics",
                                        "declaration_metrics",
                                        "lemmas",
                                        "lemma_sources",
                                        "lemma_derived_from",
                                        "library_versions",
                                        "library_members",
                                        "library_rewrites"};

// A run's progress, for choosing between two copies of it: running, abandoned, then finished.
constexpr std::string_view kRank =
    "CASE {0}.status WHEN 'running' THEN 0 WHEN 'abandoned' THEN 1 ELSE 2 END";

// The metrics computations of the source that come along: those over one run whose proof rows
// use only their own dictionaries. A computation over the whole source ('all') describes that
// file, not the merged store (`harness metrics` computes the merged one).
constexpr std::string_view kMovableComputations = R"sql(
SELECT c.id AS source_id, CAST(r.id AS TEXT) AS merged_scope
FROM merge_source.metrics_computations AS c
JOIN temp.merge_runs AS r ON c.scope = CAST(r.source_id AS TEXT)
WHERE NOT EXISTS (SELECT 1 FROM merge_source.proof_metrics AS p
                  JOIN merge_source.dictionaries AS d ON d.id = p.dictionary_id
                  WHERE p.computation = c.id AND d.computation != c.id))sql";

constexpr std::string_view kTempTables = R"sql(
CREATE TEMP TABLE IF NOT EXISTS merge_runs (source_id INTEGER PRIMARY KEY, id INTEGER NOT NULL);
CREATE TEMP TABLE IF NOT EXISTS merge_computations
  (source_id INTEGER PRIMARY KEY, id INTEGER NOT NULL, merged_scope TEXT NOT NULL);
CREATE TEMP TABLE IF NOT EXISTS merge_dictionaries
  (source_id INTEGER PRIMARY KEY, id INTEGER NOT NULL);
DELETE FROM temp.merge_runs;
DELETE FROM temp.merge_computations;
DELETE FROM temp.merge_dictionaries;
CREATE TEMP TABLE IF NOT EXISTS merge_library_versions (version TEXT PRIMARY KEY);
DELETE FROM temp.merge_library_versions;
)sql";

std::vector<std::string> columns(Database& db, std::string_view schema, std::string_view table) {
  Statement select(db, "SELECT name FROM pragma_table_info(?1, ?2) ORDER BY cid");
  select.bind_text(1, table).bind_text(2, schema);
  return select.collect(fmt::format("merge: columns of {}.{}", schema, table),
                        [](const Statement& row) { return row.text(0); });
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// INSERT OR IGNORE of the source's rows of `table` (alias t) into this store's: every column by
// name, but `replace`d ones (a re-keyed id) and `skip`ped ones (a local id the insert assigns).
// Returns the rows added.
int64_t copy_rows(Database& db, std::string_view table,
                  const std::map<std::string, std::string>& replace, std::string_view joins,
                  std::string_view where = "", const std::set<std::string>& skip = {}) {
  std::vector<std::string> names, values;
  for (const auto& column : columns(db, "main", table)) {
    if (skip.count(column)) continue;
    names.push_back(column);
    auto found = replace.find(column);
    values.push_back(found != replace.end() ? found->second : "t." + column);
  }
  std::string sql =
      fmt::format("INSERT OR IGNORE INTO main.{0} ({1}) SELECT {2} FROM {3}.{0} AS t {4} {5}",
                  table, joined(names), joined(values), kSource, joins, where);
  db.exec(sql, fmt::format("merge {}", table));
  return db.changes();
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {
  }, sb{};
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

// ATTACHes the source for the life of the object (ATTACH and DETACH cannot run inside a
// transaction: declare it before the Transaction, so that it detaches after).
class Attached {
 public:
  Attached(Database& db, const std::string& path) : m_db(db) {
    Statement attach(db, fmt::format("ATTACH DATABASE ?1 AS {}", kSource));
    attach.bind_text(1, path);
    attach.step(fmt::format("merge: attach {}", path));
  }
  ~Attached() {
    try {
      m_db.exec(fmt::format("DETACH DATABASE {}", kSource), "merge: detach");
    } catch (const StoreError&) {
      // The connection closes with the Store; nothing else uses the name meanwhile.
    }
  }
  Attached(const Attached&) = delete;
  Attached& operator=(const Attached&) = delete;

 private:
  Database& m_db;
};

}  // namespace

StoreFacts Store::inspect(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    throw StoreError(fmt::format("{}: no such store ({})", path, std::strerror(errno)));
  }
  Database db = Database::open_read_only(path);
  StoreFacts facts;
  facts.schema_version =
      static_cast<int>(db.query_int("PRAGMA user_version", "read schema version"));
  if (facts.schema_version == 0) {
    throw StoreError(fmt::format("{}: no such store: the file holds no harness schema", path));
  }
  Statement toolchains(db, "SELECT DISTINCT toolchain FROM runs ORDER BY toolchain");
  facts.toolchains =
      toolchains.collect("read toolchains", [](const Statement& row) { return row.text(0); });
  facts.runs = db.query_int("SELECT count(*) FROM runs", "count runs");
  return facts;
}

MergeCounts Store::merge_from(const std::string& source) {
  Database& db = m_impl->db;
  std::string path = std::filesystem::absolute(source).lexically_normal().string();
  std::string operation = fmt::format("merge {}", source);
  if (same_file(source, db.path())) db.fail(operation, "a store cannot be merged into itself");
  StoreFacts facts = inspect(source);
  if (facts.schema_version != latest_schema_version()) {
    throw StoreError(fmt::format("{}: schema version {} differs from this store's ({})", source,
                                 facts.schema_version, latest_schema_version()));
  }
  Attached attached(db, source);
  Transaction transaction(db, operation);
  // The same schema, table by table: a table this code does not know is refused, not dropped.
  std::set<std::string> known(std::begin(kTables), std::end(kTables));
  Statement tables(db,
                   "SELECT name FROM main.sqlite_schema WHERE type = 'table' AND name NOT "
                   "LIKE 'sqlite_%' ORDER BY name");
  for (const auto& table :
       tables.collect(operation, [](const Statement& row) { return row.text(0); })) {
    if (!known.count(table)) {
      db.fail(operation, fmt::format("no rule to merge table {}", table));
    }
  }
  for (std::string_view table : kTables) {
    if (columns(db, "main", table) != columns(db, kSource, table)) {
      throw StoreError(fmt::format("{}: table {} has columns ({}) where {} has ({})", source, table,
                                   joined(columns(db, kSource, table)), db.path(),
                                   joined(columns(db, "main", table))));
    }
  }
  db.exec(std::string(kTempTables), operation);
  MergeCounts counts;

  // Runs: the new ones (in the order they started), then the source's copy of a run already
  // here when it is further along; then the map of the source's run ids to this store's.
  counts.added["runs"] =
      copy_rows(db, "runs", {}, "",
                "WHERE NOT EXISTS (SELECT 1 FROM main.runs AS m WHERE m.uuid = t.uuid) "
                "ORDER BY t.started_at, t.uuid",
                {"id"});
  std::vector<std::string> updated;
  for (const auto& column : columns(db, "main", "runs")) {
    if (column != "id" && column != "uuid") updated.push_back(column);
  }
  std::vector<std::string> from_source;
  for (const auto& column : updated) from_source.push_back("t." + column);
  std::string rank_t = fmt::format(kRank, "t"), rank_m = fmt::format(kRank, "runs");
  db.exec(fmt::format("UPDATE main.runs SET ({0}) = ({1}) FROM {2}.runs AS t "
                      "WHERE t.uuid = runs.uuid AND ({3} > {4} OR ({3} = 2 AND {4} = 2 AND "
                      "t.ended_at > runs.ended_at))",
                      joined(updated), joined(from_source), kSource, rank_t, rank_m),
          operation);
  counts.runs_updated = db.changes();
  db.exec(fmt::format("INSERT INTO temp.merge_runs (source_id, id) SELECT t.id, m.id FROM "
                      "{}.runs AS t JOIN main.runs AS m ON m.uuid = t.uuid",
                      kSource),
          operation);

  // Content-addressed: the first copy of a key stays; a cache entry keeps the larger hit count
  // and the earlier creation whichever copy came first, so the order of merges does not show.
  counts.added["tasks"] = copy_rows(db, "tasks", {}, "");
  counts.added["verification_cache"] = copy_rows(db, "verification_cache", {}, "");
  db.exec(fmt::format("UPDATE main.verification_cache SET "
                      "hits = max(verification_cache.hits, t.hits), "
                      "created_at = min(verification_cache.created_at, t.created_at), "
                      "used_constants = coalesce(verification_cache.used_constants, "
                      "t.used_constants) "
                      "FROM {}.verification_cache AS t WHERE t.key = verification_cache.key AND "
                      "(t.hits > verification_cache.hits OR "
                      "t.created_at < verification_cache.created_at OR "
                      "(verification_cache.used_constants IS NULL AND "
                      "t.used_constants IS NOT NULL))",
                      kSource),
          operation);

  // Every row of a run, re-keyed onto the run's id here.
  const std::map<std::string, std::string> by_run{{"run_id", "r.id"}};
  const std::string run_join = "JOIN temp.merge_runs AS r ON r.source_id = t.run_id";
  for (std::string_view table :
       {"attempts", "search_attempts", "epochs", "task_samples", "checkpoints", "run_sources"}) {
    counts.added[std::string(table)] = copy_rows(db, table, by_run, run_join);
  }
  {
    Statement provenance(db,
                         "INSERT OR IGNORE INTO main.run_sources (run_id, source, "
                         "source_run_id) SELECT id, ?1, source_id FROM temp.merge_runs");
    provenance.bind_text(1, path);
    provenance.step(operation);
    counts.added["run_sources"] += db.changes();
  }

  // Metrics computations over one run, identified by their scope's run, time, parameters and
  // summary; their dictionaries by (computation, fold); their rows re-keyed.
  db.exec(fmt::format("INSERT INTO temp.merge_computations (source_id, id, merged_scope) "
                      "SELECT source_id, 0, merged_scope FROM ({})",
                      kMovableComputations),
          operation);
  counts.computations_skipped =
      db.query_int(fmt::format("SELECT count(*) FROM {}.metrics_computations", kSource),
                   operation) -
      db.query_int("SELECT count(*) FROM temp.merge_computations", operation);
  const std::string same_computation =
      "m.scope = k.merged_scope AND m.created_at = t.created_at AND m.params = t.params AND "
      "m.summary = t.summary";
  counts.added["metrics_computations"] = copy_rows(
      db, "metrics_computations", {{"scope", "k.merged_scope"}},
      "JOIN temp.merge_computations AS k ON k.source_id = t.id",
      fmt::format("WHERE NOT EXISTS (SELECT 1 FROM main.metrics_computations AS m WHERE {}) "
                  "ORDER BY t.created_at, t.id",
                  same_computation),
      {"id"});
  db.exec(fmt::format("UPDATE temp.merge_computations AS k SET id = (SELECT min(m.id) FROM "
                      "main.metrics_computations AS m JOIN {}.metrics_computations AS t ON "
                      "t.id = k.source_id WHERE {})",
                      kSource, same_computation),
          operation);
  const std::map<std::string, std::string> by_computation{{"computation", "k.id"}};
  const std::string computation_join =
      "JOIN temp.merge_computations AS k ON k.source_id = t.computation";
  counts.added["dictionaries"] =
      copy_rows(db, "dictionaries", by_computation, computation_join, "ORDER BY t.id", {"id"});
  db.exec(fmt::format("INSERT INTO temp.merge_dictionaries (source_id, id) SELECT t.id, d.id "
                      "FROM {}.dictionaries AS t {} JOIN main.dictionaries AS d ON "
                      "d.computation = k.id AND d.fold = t.fold",
                      kSource, computation_join),
          operation);
  counts.added["proof_metrics"] =
      copy_rows(db, "proof_metrics",
                {{"computation", "k.id"}, {"run_id", "r.id"}, {"dictionary_id", "md.id"}},
                computation_join + " " + run_join +
                    " LEFT JOIN temp.merge_dictionaries AS md ON md.source_id = t.dictionary_id");
  counts.added["task_metrics"] = copy_rows(db, "task_metrics", by_computation, computation_join);
  counts.added["declaration_metrics"] =
      copy_rows(db, "declaration_metrics", by_computation, computation_join);

  // The lemma library: lemmas by digest (the earlier creation whichever copy came first), their
  // sources by (lemma, proof key, origin, step) with new ids and the link to their attempt
  // re-keyed, then linked again where an attempt arrived (link_lemma_sources), the tasks they
  // derive from; versions by version string (new ids, in the order they were created), with
  // their members and rewrites; a version already here is skipped whole.
  counts.added["lemmas"] = copy_rows(db, "lemmas", {}, "");
  db.exec(fmt::format("UPDATE main.lemmas SET created_at = t.created_at FROM {}.lemmas AS t "
                      "WHERE t.digest = lemmas.digest AND t.created_at < lemmas.created_at",
                      kSource),
          operation);
  counts.added["lemma_sources"] =
      copy_rows(db, "lemma_sources", {{"attempt_run_id", "ar.id"}},
                "LEFT JOIN temp.merge_runs AS ar ON ar.source_id = t.attempt_run_id",
                "ORDER BY t.id", {"id"});
  link_lemma_sources(db, operation);
  counts.added["lemma_derived_from"] = copy_rows(db, "lemma_derived_from", {}, "");
  db.exec(fmt::format("INSERT INTO temp.merge_library_versions (version) SELECT t.version FROM "
                      "{}.library_versions AS t WHERE NOT EXISTS (SELECT 1 FROM "
                      "main.library_versions AS m WHERE m.version = t.version)",
                      kSource),
          operation);
  const std::string new_version =
      "JOIN temp.merge_library_versions AS nv ON nv.version = t.version";
  counts.added["library_versions"] =
      copy_rows(db, "library_versions", {{"run_id", "vr.id"}},
                new_version + " LEFT JOIN temp.merge_runs AS vr ON vr.source_id = t.run_id",
                "ORDER BY t.created_at, t.id", {"id"});
  counts.added["library_members"] = copy_rows(db, "library_members", {}, new_version);
  counts.added["library_rewrites"] = copy_rows(db, "library_rewrites", {}, new_version);
  transaction.commit();
  return counts;
}

}  // namespace store
