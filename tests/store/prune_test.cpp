// Retention: prune_attempts deletes old attempts with the rows that reference them and keeps
// runs, tasks, the verification cache and the search and metrics rows of their own; vacuum
// gives the space back.
#include <catch2/catch.hpp>
#include <set>

#include "fixtures.hpp"
#include "store/store.hpp"

using store_test::RawDb;
using store_test::RunFixture;
using store_test::sample_attempt;

namespace {

// Sets the attempts' created_at to `days` days ago plus `line` seconds (the store writes the
// time of the write).
void age(const std::string& path, int64_t run_id, int64_t from_line, int64_t to_line, int days) {
  RawDb(path).exec("UPDATE attempts SET created_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-" +
                   std::to_string(days) + " days', '+' || line || ' seconds') " +
                   "WHERE run_id = " + std::to_string(run_id) + " AND line BETWEEN " +
                   std::to_string(from_line) + " AND " + std::to_string(to_line));
}

int64_t count(const std::string& path, const std::string& table) {
  return RawDb(path).query_int("SELECT count(*) FROM " + table);
}

// A store with a score run (the fixture's) and a serve run, each with three old attempts
// (40 days) and two new ones; the serve run's first attempt has a search row and a metrics
// row, and so has the score run's.
struct Aged {
  RunFixture f;
  int64_t serve = 0;
  int64_t computation = 0;

  Aged() {
    auto info = store_test::sample_run_info();
    info.command = "serve";
    serve = f.db.begin_run(info);
    for (int64_t run : {f.run_id, serve}) {
      std::vector<store::AttemptRecord> batch;
      for (int64_t line = 2; line <= 5; ++line) batch.push_back(sample_attempt(run, line));
      f.db.record(batch);
      store::SearchAttemptRecord search;
      search.attempt = sample_attempt(run, 1);
      search.phase = "train";
      search.mode = "whole";
      f.db.record_search({search});
      store::EpochRecord epoch;
      epoch.run_id = run;
      epoch.phase = "train";
      f.db.finish_epoch(epoch, {}, std::nullopt);
      age(f.path, run, 1, 3, 40);
    }
    store::ProofMetricsRecord old_score{.run_id = f.run_id, .line = 1, .c = 10};
    store::ProofMetricsRecord old_serve{.run_id = serve, .line = 1, .c = 10};
    store::ProofMetricsRecord new_serve{.run_id = serve, .line = 5, .c = 10};
    computation = f.db.record_metrics({.scope = "all"}, {}, {old_score, old_serve, new_serve},
                                      {{.task_id = "task-v1:0001", .proofs = 3}}, {});
    f.db.finish_run(serve, store::RunStatus::completed, R"({"snippets":5})");
  }
};

}  // namespace

TEST_CASE(
    "prune deletes a command's old attempts with their search and metrics rows and keeps "
    "the rest",
    "[store][prune]") {
  Aged s;
  auto& db = s.f.db;
  int64_t cache = db.count_cache_entries();
  REQUIRE(cache == 5);  // one per line: sample_attempt's keys are per line

  auto dry = db.prune_attempts({.keep_days = 30, .command = "serve", .dry_run = true});
  CHECK(dry.attempts == 3);
  CHECK(dry.search_attempts == 1);
  CHECK(dry.proof_metrics == 1);
  CHECK(store_test::is_utc_millis(dry.cutoff));
  CHECK(count(s.f.path, "attempts") == 10);  // a dry run deletes nothing

  auto removed = db.prune_attempts({.keep_days = 30, .command = "serve"});
  CHECK(removed.attempts == 3);
  CHECK(removed.search_attempts == 1);
  CHECK(removed.proof_metrics == 1);

  auto serve_lines = db.attempts(s.serve);
  REQUIRE(serve_lines.size() == 2);
  CHECK(serve_lines[0].line == 4);
  CHECK(db.attempts(s.f.run_id).size() == 5);  // score's attempts are not serve's
  CHECK(db.search_attempts(s.f.run_id).size() == 1);
  CHECK(db.search_attempts(s.serve).empty());
  // Kept: the runs and their summaries, tasks, the cache, epochs, the computation and its
  // other rows.
  CHECK(db.run(s.serve)->summary_json == R"({"snippets":5})");
  CHECK(db.task("task-v1:0001"));
  CHECK(db.count_cache_entries() == cache);
  CHECK(db.lookup_cache("verify-v1:line-1"));
  CHECK(db.epochs(s.serve).size() == 1);
  CHECK(db.metrics_computation(s.computation));
  CHECK(db.proof_metrics(s.computation).size() == 2);
  CHECK(db.task_metrics(s.computation).size() == 1);
  CHECK(RawDb(s.f.path).query_int("SELECT count(*) FROM pragma_foreign_key_check") == 0);

  // Nothing older is left: again, nothing goes.
  CHECK(db.prune_attempts({.keep_days = 30, .command = "serve"}).attempts == 0);
  // Without a command, every run's old attempts go.
  auto all = db.prune_attempts({.keep_days = 30});
  CHECK(all.attempts == 3);
  CHECK(all.search_attempts == 1);
  CHECK(all.proof_metrics == 1);
  CHECK(db.attempts(s.f.run_id).size() == 2);
  // keep_days 0: everything up to now.
  CHECK(db.prune_attempts({.keep_days = 0}).attempts == 4);
  CHECK(count(s.f.path, "attempts") == 0);
  CHECK(count(s.f.path, "runs") == 2);
  CHECK(db.count_cache_entries() == cache);
  CHECK_THROWS_AS(db.prune_attempts({.keep_days = -1}), store::StoreError);
}

TEST_CASE("prune with a limit takes the oldest first and resumes where it stopped",
          "[store][prune]") {
  Aged s;
  auto& db = s.f.db;
  auto first = db.prune_attempts({.keep_days = 30, .limit = 2});
  CHECK(first.attempts == 2);
  // The oldest: line 1 of each run (aged at -40 days + 1 s), score's and serve's.
  std::set<int64_t> left;
  for (const auto& a : db.attempts(s.f.run_id)) left.insert(a.line);
  CHECK(left.count(1) == 0);
  CHECK(db.prune_attempts({.keep_days = 30, .limit = 2, .dry_run = true}).attempts == 2);
  CHECK(db.prune_attempts({.keep_days = 30, .limit = 10}).attempts == 4);
  CHECK(db.prune_attempts({.keep_days = 30, .limit = 10}).attempts == 0);
}

TEST_CASE("prune works through more attempts than one transaction takes", "[store][prune]") {
  RunFixture f;
  std::vector<store::AttemptRecord> batch;
  for (int64_t line = 1; line <= 4500; ++line) {
    auto a = sample_attempt(f.run_id, line);
    a.cache_key.reset();
    batch.push_back(a);
  }
  f.db.record(batch);
  age(f.path, f.run_id, 1, 4200, 10);
  CHECK(f.db.prune_attempts({.keep_days = 5, .dry_run = true}).attempts == 4200);
  CHECK(f.db.prune_attempts({.keep_days = 5}).attempts == 4200);
  CHECK(f.db.attempts(f.run_id).size() == 300);
  CHECK(f.db.next_line(f.run_id) == 4501);
}

TEST_CASE("vacuum gives the pruned space back", "[store][prune]") {
  RunFixture f;
  std::vector<store::AttemptRecord> batch;
  for (int64_t line = 1; line <= 400; ++line) {
    auto a = sample_attempt(f.run_id, line);
    a.proof = std::string(4000, 'x') + std::to_string(line);
    batch.push_back(a);
  }
  f.db.record(batch);
  int64_t full = f.db.size_bytes();
  CHECK(full > 400 * 4000);
  CHECK(f.db.prune_attempts({.keep_days = 0}).attempts == 400);
  CHECK(f.db.size_bytes() == full);  // the pages are free, not given back
  int64_t after = f.db.vacuum();
  CHECK(after < full / 4);
  CHECK(after == f.db.size_bytes());
  CHECK(f.db.count_cache_entries() == 400);  // the cache stays
  CHECK(f.db.run(f.run_id));
}

TEST_CASE("only search_attempts and proof_metrics reference attempts, and lemma_sources lets go",
          "[store][prune]") {
  // prune_attempts deletes the rows of these tables with their attempts (prune.cpp,
  // kDependents): a new table that references attempts must be added there, or kept on purpose.
  // Kept on purpose: lemma_sources, whose link SQLite sets to NULL when the attempt goes.
  RunFixture f;
  RawDb raw(f.path);
  CHECK(raw.query_int("SELECT count(*) FROM sqlite_schema AS m, pragma_foreign_key_list(m.name) "
                      "AS k WHERE m.type = 'table' AND k.\"table\" = 'attempts' AND m.name NOT IN "
                      "('search_attempts', 'proof_metrics', 'lemma_sources')") == 0);
  CHECK(raw.query_int("SELECT count(DISTINCT m.name) FROM sqlite_schema AS m, "
                      "pragma_foreign_key_list(m.name) AS k WHERE m.type = 'table' AND "
                      "k.\"table\" = 'attempts'") == 3);
  CHECK(raw.query_int("SELECT count(*) FROM pragma_foreign_key_list('lemma_sources') AS k "
                      "WHERE k.\"table\" = 'attempts' AND k.on_delete = 'SET NULL'") == 2);
}
