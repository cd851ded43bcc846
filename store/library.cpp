// store::Store, the lemma library: lemmas (content-addressed) with their sources and the tasks
// they derive from, library versions with their members, and the rewrites that measured them;
// recording a version, and reading versions, lemmas and rewrites back.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "store/store_impl.hpp"
#include "store/transaction.hpp"

namespace store {
namespace {

constexpr std::string_view kVersionPrefix = "library-v1:";
constexpr size_t kVersionHex = 64;

constexpr std::string_view kInsertLemmaSql = R"sql(
INSERT INTO lemmas (digest, name, header, statement, proof, origin, verdict_key,
                    description_bytes)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
ON CONFLICT (digest) DO NOTHING)sql";

constexpr std::string_view kSameLemmaSql = R"sql(
SELECT header = ?2 AND statement = ?3 AND proof = ?4 FROM lemmas WHERE digest = ?1)sql";

constexpr std::string_view kInsertSourceSql = R"sql(
INSERT INTO lemma_sources (lemma, proof_key, task_id, origin, step) VALUES (?1, ?2, ?3, ?4, ?5)
ON CONFLICT (lemma, proof_key, origin, step) DO NOTHING)sql";

constexpr std::string_view kInsertDerivedSql = R"sql(
INSERT OR IGNORE INTO lemma_derived_from (lemma, task_id) VALUES (?1, ?2))sql";

// Links each unlinked source to the attempts row its proof key ("RUN-UUID:LINE") names, when
// that row is in this store (uuids hold no ':', so the first one splits the key).
constexpr std::string_view kLinkSourcesSql = R"sql(
UPDATE lemma_sources SET attempt_run_id = a.run_id, attempt_line = a.line
FROM runs AS r JOIN attempts AS a ON a.run_id = r.id
WHERE lemma_sources.attempt_run_id IS NULL
  AND r.uuid = substr(lemma_sources.proof_key, 1, instr(lemma_sources.proof_key, ':') - 1)
  AND a.line = CAST(substr(lemma_sources.proof_key,
                           instr(lemma_sources.proof_key, ':') + 1) AS INTEGER)
  AND r.uuid || ':' || a.line = lemma_sources.proof_key)sql";

constexpr std::string_view kVersionExistsSql = R"sql(
SELECT count(*) FROM library_versions WHERE version = ?1)sql";

constexpr std::string_view kInsertVersionSql = R"sql(
INSERT INTO library_versions (version, parent, run_id, created_at, params, proofs_bytes,
                              library_bytes, rewrite_checks, candidates)
VALUES (?1, ?2, ?3, coalesce(nullif(?4, ''), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), ?5, ?6,
        ?7, ?8, ?9))sql";

constexpr std::string_view kInsertMemberSql = R"sql(
INSERT INTO library_members (version, position, lemma, gain, uses, mutual_information)
VALUES (?1, ?2, ?3, ?4, ?5, ?6))sql";

constexpr std::string_view kInsertRewriteSql = R"sql(
INSERT INTO library_rewrites (version, seq, lemma, proof_key, task_id, before_text, after_text,
                              verdict, c_before, c_after, counted)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11))sql";

constexpr std::string_view kSelectVersionsSql = R"sql(
SELECT version, parent, run_id, created_at, params, proofs_bytes, library_bytes,
       rewrite_checks, candidates
FROM library_versions {} ORDER BY id {})sql";

constexpr std::string_view kSelectMembersSql = R"sql(
SELECT lemma, position, gain, uses, mutual_information
FROM library_members WHERE version = ?1 ORDER BY position)sql";

constexpr std::string_view kSelectLemmaColumns = R"sql(
SELECT l.digest, l.name, l.header, l.statement, l.proof, l.origin, l.verdict_key,
       l.description_bytes, l.created_at)sql";

constexpr std::string_view kSelectSourcesSql = R"sql(
SELECT task_id, proof_key, attempt_run_id, attempt_line, origin, step
FROM lemma_sources WHERE lemma = ?1 ORDER BY id)sql";

constexpr std::string_view kSelectDerivedSql = R"sql(
SELECT task_id FROM lemma_derived_from WHERE lemma = ?1 ORDER BY task_id)sql";

constexpr std::string_view kSelectRewritesSql = R"sql(
SELECT lemma, proof_key, task_id, before_text, after_text, verdict, c_before, c_after, counted
FROM library_rewrites WHERE version = ?1 ORDER BY seq)sql";

LibraryVersionRecord read_version(const Statement& row) {
  return LibraryVersionRecord{.version = row.text(0),
                              .parent = row.text(1),
                              .run_id = row.optional_integer(2),
                              .created_at = row.text(3),
                              .params_json = row.text(4),
                              .proofs_bytes = row.integer(5),
                              .library_bytes = row.integer(6),
                              .rewrite_checks = row.integer(7),
                              .candidates = row.integer(8)};
}

LibraryMemberRecord read_member(const Statement& row) {
  return LibraryMemberRecord{.lemma_digest = row.text(0),
                             .position = row.integer(1),
                             .gain = row.integer(2),
                             .uses = row.integer(3),
                             .mutual_information = row.real(4)};
}

LemmaRecord read_lemma(const Statement& row) {
  return LemmaRecord{.digest = row.text(0),
                     .name = row.text(1),
                     .header = row.text(2),
                     .statement = row.text(3),
                     .proof = row.text(4),
                     .origin = row.text(5),
                     .verdict_key = row.text(6),
                     .description_bytes = row.integer(7),
                     .created_at = row.text(8)};
}

LemmaSourceRecord read_source(const Statement& row) {
  LemmaSourceRecord source{.task_id = row.text(0), .proof_key = row.text(1)};
  if (!row.is_null(2)) source.attempt = AttemptKey{row.integer(2), row.integer(3)};
  source.origin = row.text(4);
  source.step = row.integer(5);
  return source;
}

RewriteRecord read_rewrite(const Statement& row) {
  return RewriteRecord{.lemma_digest = row.text(0),
                       .proof_key = row.text(1),
                       .task_id = row.text(2),
                       .before_text = row.text(3),
                       .after_text = row.text(4),
                       .verdict = row.text(5),
                       .c_before = row.integer(6),
                       .c_after = row.integer(7),
                       .counted = row.integer(8) != 0};
}

// Fills each version's members.
std::vector<LibraryVersionRecord> with_members(Database& db,
                                               std::vector<LibraryVersionRecord> versions) {
  if (versions.empty()) return versions;
  Statement select(db, kSelectMembersSql);
  for (auto& v : versions) {
    select.start().bind_text(1, v.version);
    v.members = select.collect(fmt::format("read members of {}", v.version), read_member);
  }
  return versions;
}

// Fills each lemma's sources and derived_from.
std::vector<LemmaRecord> with_provenance(Database& db, std::vector<LemmaRecord> lemmas) {
  if (lemmas.empty()) return lemmas;
  Statement sources(db, kSelectSourcesSql);
  Statement derived(db, kSelectDerivedSql);
  for (auto& l : lemmas) {
    sources.start().bind_text(1, l.digest);
    l.sources = sources.collect(fmt::format("read sources of {}", l.digest), read_source);
    derived.start().bind_text(1, l.digest);
    l.derived_from = derived.collect(fmt::format("read tasks of {}", l.digest),
                                     [](const Statement& row) { return row.text(0); });
  }
  return lemmas;
}

void write_lemmas(Database& db, const std::vector<LemmaRecord>& lemmas) {
  if (lemmas.empty()) return;
  Statement insert(db, kInsertLemmaSql);
  Statement same(db, kSameLemmaSql);
  Statement source(db, kInsertSourceSql);
  Statement derived(db, kInsertDerivedSql);
  for (const auto& l : lemmas) {
    const std::string& origin =
        l.origin.empty() && !l.sources.empty() ? l.sources.front().origin : l.origin;
    insert.start()
        .bind_text(1, l.digest)
        .bind_text(2, l.name)
        .bind_text(3, l.header)
        .bind_text(4, l.statement)
        .bind_text(5, l.proof)
        .bind_text(6, origin)
        .bind_text(7, l.verdict_key)
        .bind_int(8, l.description_bytes);
    insert.step_or_describe([&] { return fmt::format("insert lemma {} ({})", l.digest, l.name); });
    if (db.changes() == 0) {
      // Content-addressed: the stored lemma must be this one.
      same.start()
          .bind_text(1, l.digest)
          .bind_text(2, l.header)
          .bind_text(3, l.statement)
          .bind_text(4, l.proof);
      std::string operation = fmt::format("insert lemma {} ({})", l.digest, l.name);
      if (same.collect(operation, [](const Statement& row) { return row.integer(0); }).at(0) == 0) {
        db.fail(operation, "a lemma with this digest is stored with another header, statement "
                           "or proof");
      }
    }
    std::set<std::string> tasks(l.derived_from.begin(), l.derived_from.end());
    for (const auto& s : l.sources) {
      tasks.insert(s.task_id);
      source.start()
          .bind_text(1, l.digest)
          .bind_text(2, s.proof_key)
          .bind_text(3, s.task_id)
          .bind_text(4, s.origin)
          .bind_int(5, s.step);
      source.step_or_describe([&] {
        return fmt::format("insert source {} (step {}) of lemma {}", s.proof_key, s.step,
                           l.digest);
      });
    }
    for (const auto& task : tasks) {
      derived.start().bind_text(1, l.digest).bind_text(2, task);
      derived.step_or_describe(
          [&] { return fmt::format("insert task {} of lemma {}", task, l.digest); });
    }
  }
}

void write_version(Database& db, const LibraryVersionRecord& v) {
  Statement insert(db, kInsertVersionSql);
  insert.bind_text(1, v.version)
      .bind_text(2, v.parent)
      .bind_int(3, v.run_id)
      .bind_text(4, v.created_at)
      .bind_text(5, v.params_json)
      .bind_int(6, v.proofs_bytes)
      .bind_int(7, v.library_bytes)
      .bind_int(8, v.rewrite_checks)
      .bind_int(9, v.candidates);
  insert.step(fmt::format("insert library version {}", v.version));
  if (v.members.empty()) return;
  Statement member(db, kInsertMemberSql);
  for (const auto& m : v.members) {
    member.start()
        .bind_text(1, v.version)
        .bind_int(2, m.position)
        .bind_text(3, m.lemma_digest)
        .bind_int(4, m.gain)
        .bind_int(5, m.uses)
        .bind_real(6, m.mutual_information);
    member.step_or_describe([&] {
      return fmt::format("insert member {} (lemma {}) of {}", m.position, m.lemma_digest,
                         v.version);
    });
  }
}

void write_rewrites(Database& db, const std::string& version,
                    const std::vector<RewriteRecord>& rewrites) {
  if (rewrites.empty()) return;
  Statement insert(db, kInsertRewriteSql);
  for (size_t i = 0; i < rewrites.size(); ++i) {
    const RewriteRecord& r = rewrites[i];
    insert.start()
        .bind_text(1, version)
        .bind_int(2, static_cast<int64_t>(i))
        .bind_text(3, r.lemma_digest)
        .bind_text(4, r.proof_key)
        .bind_text(5, r.task_id)
        .bind_text(6, r.before_text)
        .bind_text(7, r.after_text)
        .bind_text(8, r.verdict)
        .bind_int(9, r.c_before)
        .bind_int(10, r.c_after)
        .bind_int(11, int64_t{r.counted ? 1 : 0});
    insert.step_or_describe([&] {
      return fmt::format("insert rewrite {} of {} with lemma {} ({})", i, r.proof_key,
                         r.lemma_digest, version);
    });
  }
}

std::optional<LibraryVersionRecord> one_version(Database& db, std::string_view where,
                                                std::string_view order,
                                                const std::string& bound,
                                                std::string_view operation) {
  Statement select(db, fmt::format(kSelectVersionsSql, where, order));
  if (!bound.empty()) select.bind_text(1, bound);
  auto found = first(select.collect(operation, read_version));
  if (!found) return found;
  return with_members(db, {std::move(*found)}).front();
}

}  // namespace

void link_lemma_sources(Database& db, std::string_view operation) {
  db.exec(std::string(kLinkSourcesSql), operation);
}

LibraryVersionRecord Store::record_library(const LibraryVersionRecord& version,
                                           const std::vector<LemmaRecord>& lemmas,
                                           const std::vector<RewriteRecord>& rewrites) {
  Database& db = m_impl->db;
  std::string operation = fmt::format("record library {}", version.version);
  {
    Transaction transaction(db, operation);
    Statement exists(db, kVersionExistsSql);
    exists.bind_text(1, version.version);
    bool stored =
        exists.collect(operation, [](const Statement& row) { return row.integer(0); }).at(0) > 0;
    if (!stored) {
      write_lemmas(db, lemmas);
      write_version(db, version);
      write_rewrites(db, version.version, rewrites);
      link_lemma_sources(db, operation);
      transaction.commit();
    }
  }
  auto recorded = library_version(version.version);
  if (!recorded) db.fail(operation, "the version is not there after recording it");
  return *recorded;
}

std::optional<LibraryVersionRecord> Store::library_version(const std::string& which) const {
  Database& db = m_impl->db;
  std::string operation = fmt::format("read library version {}", which);
  if (which.empty()) return std::nullopt;
  if (which == "latest") return one_version(db, "", "DESC LIMIT 1", "", operation);
  std::string hex = which.starts_with(kVersionPrefix) ? which.substr(kVersionPrefix.size()) : which;
  std::transform(hex.begin(), hex.end(), hex.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  bool is_hex = !hex.empty() && hex.size() <= kVersionHex &&
                std::all_of(hex.begin(), hex.end(), [](char c) {
                  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                });
  if (!is_hex) return std::nullopt;
  if (hex.size() == kVersionHex) {
    return one_version(db, "WHERE version = ?1", "", std::string(kVersionPrefix) + hex, operation);
  }
  Statement select(db, fmt::format(kSelectVersionsSql,
                                   "WHERE substr(version, 12, length(?1)) = ?1", "LIMIT 4"));
  select.bind_text(1, hex);
  auto matches = select.collect(operation, read_version);
  if (matches.empty()) return std::nullopt;
  if (matches.size() > 1) {
    std::string names;
    for (size_t i = 0; i < matches.size() && i < 3; ++i) {
      names += (i ? ", " : "") + matches[i].version;
    }
    db.fail(operation, fmt::format("the prefix {} is ambiguous: it matches {}{}", hex, names,
                                   matches.size() > 3 ? ", ..." : ""));
  }
  return with_members(db, std::move(matches)).front();
}

std::vector<LibraryVersionRecord> Store::library_versions() const {
  Database& db = m_impl->db;
  Statement select(db, fmt::format(kSelectVersionsSql, "", ""));
  return with_members(db, select.collect("read library versions", read_version));
}

std::vector<LemmaRecord> Store::library_lemmas(const std::string& version) const {
  Database& db = m_impl->db;
  Statement select(db, fmt::format("{} FROM library_members AS m JOIN lemmas AS l ON "
                                   "l.digest = m.lemma WHERE m.version = ?1 ORDER BY m.position",
                                   kSelectLemmaColumns));
  select.bind_text(1, version);
  return with_provenance(db,
                         select.collect(fmt::format("read lemmas of {}", version), read_lemma));
}

std::optional<LemmaRecord> Store::lemma(const std::string& digest) const {
  Database& db = m_impl->db;
  Statement select(db, fmt::format("{} FROM lemmas AS l WHERE l.digest = ?1", kSelectLemmaColumns));
  select.bind_text(1, digest);
  auto lemmas =
      with_provenance(db, select.collect(fmt::format("read lemma {}", digest), read_lemma));
  return first(std::move(lemmas));
}

std::vector<RewriteRecord> Store::library_rewrites(const std::string& version) const {
  Statement select(m_impl->db, kSelectRewritesSql);
  select.bind_text(1, version);
  return select.collect(fmt::format("read rewrites of {}", version), read_rewrite);
}

}  // namespace store
