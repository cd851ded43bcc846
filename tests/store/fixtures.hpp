#pragma once
// Shared helpers of the store tests: a scratch directory, sample records, and direct SQLite
// access for inspecting and tampering with database files behind the Store's back.
#include <sqlite3.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/tagged_hash.hpp"
#include "store/library_records.hpp"
#include "store/records.hpp"
#include "store/store.hpp"
#include "tests/support/temp_dir.hpp"

namespace store_test {

using test_support::TempDir;

// A connection that bypasses the Store: for reading pragmas and planting bad data.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    if (sqlite3_open(path.c_str(), &m_db) != SQLITE_OK) throw std::runtime_error("raw open");
  }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;
  ~RawDb() { sqlite3_close(m_db); }

  void exec(const std::string& sql) {
    char* message = nullptr;
    if (sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      std::string text = message ? message : "?";
      sqlite3_free(message);
      throw std::runtime_error("raw exec: " + text);
    }
  }
  int64_t query_int(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(m_db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      throw std::runtime_error(std::string("raw prepare: ") + sqlite3_errmsg(m_db));
    }
    int64_t value = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : -1;
    sqlite3_finalize(stmt);
    return value;
  }

 private:
  sqlite3* m_db = nullptr;
};

// True for ISO-8601 UTC with milliseconds, "2024-05-01T12:34:56.789Z" (no std::regex: GCC 12
// warns inside <regex> under the sanitizer build).
inline bool is_utc_millis(const std::string& text) {
  const std::string shape = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (text.size() != shape.size()) return false;
  for (size_t i = 0; i < shape.size(); ++i) {
    bool digit = text[i] >= '0' && text[i] <= '9';
    if (shape[i] == 'd' ? !digit : text[i] != shape[i]) return false;
  }
  return true;
}

inline store::RunInfo sample_run_info() {
  return store::RunInfo{"score",
                        R"(["harness","score","tasks.jsonl"])",
                        "leanprover/lean4:v4.9.0",
                        "repl --sandbox",
                        R"({"timeout_s":60,"workers":2})",
                        "tasks.jsonl",
                        std::string(64, 'a'),
                        "host-1"};
}

inline store::TaskRecord sample_task(const std::string& id = "task-v1:0001") {
  return store::TaskRecord{id, "exercise_5_1", "import Mathlib", "theorem t : 1 + 1 = 2", "valid"};
}

// A passing attempt with every optional field set.
inline store::AttemptRecord sample_attempt(int64_t run_id, int64_t line) {
  store::AttemptRecord a;
  a.run_id = run_id;
  a.line = line;
  a.name = "exercise_5_1";
  a.task = sample_task();
  a.verdict = "pass";
  a.decided_by = "lean";
  a.reason = "accepted";
  a.reward = 1.0;
  a.elapsed_ms = 1234;
  a.cached = false;
  a.axioms_json = R"(["propext","Quot.sound"])";
  a.messages_json = R"([{"severity":"info","data":"ok"}])";
  a.proof = "by norm_num";
  a.cache_key = "verify-v1:line-" + std::to_string(line);
  a.used_constants_json = R"(["Nat.add_comm","Eq.refl"])";
  return a;
}

// --- The lemma library ---

// "library-v1:" and 64 hex digits: `hex_start` followed by the SHA-256 of `seed`, cut to fit.
inline std::string library_version_string(const std::string& seed,
                                          const std::string& hex_start = "") {
  return "library-v1:" + (hex_start + common::sha256_hex(seed)).substr(0, 64);
}

// A lemma named by `tag` (its digest, name and texts derived from it), verified under
// sample_task()'s header, with the given sources.
inline store::LemmaRecord sample_lemma(const std::string& tag,
                                       std::vector<store::LemmaSourceRecord> sources = {}) {
  std::string hex = common::sha256_hex("lemma " + tag);
  std::string name = "lib_" + hex.substr(0, 12);
  store::LemmaRecord l;
  l.digest = "lemma-v1:" + hex;
  l.name = name;
  l.header = "import Mathlib";
  l.statement = "theorem " + name + " (n : Nat) : n + 0 = n";
  l.proof = "by simp -- " + tag;
  l.origin = sources.empty() ? "remote" : sources.front().origin;
  l.verdict_key = "verify-v3:lemma-" + tag;
  l.description_bytes = 40;
  l.sources = std::move(sources);
  return l;
}

// A lemma source: the attempt `line` of the run `run_uuid`, lifted from a `have` at `step`.
inline store::LemmaSourceRecord sample_source(const std::string& run_uuid, int64_t line,
                                              const std::string& task_id = "task-v1:0001",
                                              int64_t step = 2) {
  return store::LemmaSourceRecord{.task_id = task_id,
                                  .proof_key = run_uuid + ":" + std::to_string(line),
                                  .origin = "have",
                                  .step = step};
}

// A rewrite of the attempt `line` of `run_uuid` to use `lemma`, verified and counted.
inline store::RewriteRecord sample_rewrite(const store::LemmaRecord& lemma,
                                           const std::string& run_uuid, int64_t line) {
  return store::RewriteRecord{.lemma_digest = lemma.digest,
                              .proof_key = run_uuid + ":" + std::to_string(line),
                              .task_id = "task-v1:0001",
                              .before_text = "by\n  have h : n + 0 = n := by simp\n  exact h",
                              .after_text = "by exact " + lemma.name + " n",
                              .verdict = "pass",
                              .c_before = 50,
                              .c_after = 20,
                              .counted = true};
}

// A fresh store file with one running run.
struct RunFixture {
  TempDir dir;
  std::string path = dir.file("harness.db");
  store::Store db = store::Store::open(path);
  int64_t run_id = db.begin_run(sample_run_info());
};

}  // namespace store_test
