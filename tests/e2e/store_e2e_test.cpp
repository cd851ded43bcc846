// The store's life across runs, end to end: runs whose process was killed become abandoned,
// old attempts are pruned (harness prune, harness serve --retain-days), stores of several
// machines are merged (harness merge).
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "lean-bridge/child_process.hpp"
#include "store/store.hpp"
#include "tests/support/temp_dir.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Box {
  test_support::TempDir tmp{"harness-store-e2e"};
  fs::path dir = tmp.path();
  std::string db(const std::string& name = "h.db") const { return (dir / name).string(); }
};

struct Run {
  int exit_code = -1;
  std::string output;
};

// `harness ARGS...` in the box's folder, to its end.
Run harness(const Box& box, std::vector<std::string> args) {
  args.insert(args.begin(), HARNESS_PATH);
  lean_bridge::ProcessSpec spec{args, box.dir.string(), 0, false};
  auto run = lean_bridge::capture_output(spec, 120'000);
  INFO(run.output);
  REQUIRE(run.status);
  REQUIRE(WIFEXITED(*run.status));
  return {WEXITSTATUS(*run.status), run.output};
}

std::string candidate(const std::string& name, const std::string& proof = "  trivial\n") {
  return json{{"name", name},
              {"formal_statement", fmt::format("theorem {} : True := by\n", name)},
              {"proof", proof}}
             .dump() + "\n";
}

// The engine settings of every run here: the REPL double, unsandboxed.
std::vector<std::string> engine(const Box& box, std::vector<std::string> more = {}) {
  std::vector<std::string> a = {"--db", box.db(), "--workers", "2", "--sandbox", "none",
                                "--repl", FAKE_REPL_PATH, "--no-progress"};
  a.insert(a.end(), more.begin(), more.end());
  return a;
}

// Polls `ready` (opening the store each time) for up to 30 s.
bool wait_for(const std::string& db, const std::function<bool(store::Store&)>& ready) {
  for (int i = 0; i < 600; ++i) {
    std::error_code ec;
    if (fs::exists(db, ec)) {
      try {
        auto store = store::Store::open(db, store::OpenMode::existing);
        if (ready(store)) return true;
      } catch (const store::StoreError&) {
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// Starts `harness ARGS...` and SIGKILLs it once its run of `command` is in the store; returns
// that run's uuid.
std::string start_and_kill(const Box& box, const std::string& command,
                           std::vector<std::string> args) {
  args.insert(args.begin(), HARNESS_PATH);
  lean_bridge::ProcessSpec spec{args, box.dir.string(), 0, false};
  auto child = lean_bridge::ChildProcess::spawn(spec);
  std::string uuid;
  bool started = wait_for(box.db(), [&](store::Store& db) {
    auto run = db.latest_run(command);
    if (!run || run->status != store::RunStatus::running) return false;
    uuid = run->uuid;
    return true;
  });
  child->kill_group();  // SIGKILL: nothing of the harness runs after it
  REQUIRE(started);
  return uuid;
}

// SQL on the store behind the harness's back (to age attempts); throws on failure.
void exec_sql(const std::string& db, const std::string& sql) {
  sqlite3* handle = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &handle) == SQLITE_OK);
  char* message = nullptr;
  int rc = sqlite3_exec(handle, sql.c_str(), nullptr, nullptr, &message);
  std::string text = message ? message : "";
  sqlite3_free(message);
  sqlite3_close(handle);
  INFO(text);
  REQUIRE(rc == SQLITE_OK);
}

// Moves every attempt of `run_id` `days` days into the past.
void age(const std::string& db, int64_t run_id, int days) {
  exec_sql(db, fmt::format("UPDATE attempts SET created_at = strftime('%Y-%m-%dT%H:%M:%fZ', "
                           "'now', '-{} days') WHERE run_id = {}", days, run_id));
}

// A finished serve run with `n` attempts (as the store records them), each with a cache entry.
int64_t serve_run(const std::string& db_path, int n) {
  auto db = store::Store::open(db_path);
  store::RunInfo info{"serve", "[]", "lean", "repl", "{}", "", std::nullopt, "elsewhere"};
  int64_t id = db.begin_run(info);
  std::vector<store::AttemptRecord> batch;
  for (int line = 1; line <= n; ++line) {
    store::AttemptRecord a;
    a.run_id = id;
    a.line = line;
    a.name = "snippet";
    a.verdict = "pass";
    a.decided_by = "lean";
    a.reason = "accepted";
    a.proof = fmt::format("theorem s{} : True := trivial", line);
    a.cache_key = fmt::format("verify-v3:serve-{}-{}", id, line);
    batch.push_back(a);
  }
  db.record(batch);
  db.finish_run(id, store::RunStatus::completed, R"({"snippets":3})");
  return id;
}

}  // namespace

TEST_CASE("runs of a killed serve and a killed score become abandoned when the next run begins",
          "[e2e][abandoned]") {
  Box box;
  std::string slow = box.tmp.write("slow.jsonl", candidate("a", "  trivial\n--! sleep 60000\n") +
                                                     candidate("b"));
  std::string quick = box.tmp.write("quick.jsonl", candidate("c"));

  std::string serve = start_and_kill(box, "serve", [&] {
    auto a = engine(box, {"--port", "0"});
    a.insert(a.begin(), "serve");
    return a;
  }());
  {
    auto db = store::Store::open(box.db());
    auto killed = db.run_by_uuid(serve);
    CHECK(killed->status == store::RunStatus::running);  // nobody could mark it
    REQUIRE(killed->process);
    CHECK(killed->host);
  }

  std::string score = start_and_kill(box, "score", [&] {
    auto a = engine(box, {"--out", "slow.scored.jsonl"});
    a.insert(a.begin(), {"score", slow});
    return a;
  }());
  {
    // The score run that began after the serve was killed found it gone.
    auto db = store::Store::open(box.db());
    CHECK(db.run_by_uuid(serve)->status == store::RunStatus::abandoned);
    CHECK(db.run_by_uuid(score)->status == store::RunStatus::running);
  }

  auto args = engine(box, {"--out", "quick.scored.jsonl"});
  args.insert(args.begin(), {"score", quick});
  Run next = harness(box, args);
  INFO(next.output);
  REQUIRE(next.exit_code == 0);
  auto db = store::Store::open(box.db());
  auto killed = db.run_by_uuid(score);
  CHECK(killed->status == store::RunStatus::abandoned);
  REQUIRE(killed->ended_at);
  CHECK(*killed->ended_at >= killed->started_at);
  CHECK_FALSE(killed->summary_json);
  auto last = db.latest_run("score");
  CHECK(last->uuid != score);
  CHECK(last->status == store::RunStatus::completed);
  CHECK(db.run_by_uuid(serve)->status == store::RunStatus::abandoned);
}

TEST_CASE("harness prune deletes old serve attempts, keeps runs and the cache, and shrinks the "
          "file",
          "[e2e][prune]") {
  Box box;
  std::string input = box.tmp.write("in.jsonl", candidate("a") + candidate("b"));
  auto args = engine(box, {"--out", "in.scored.jsonl"});
  args.insert(args.begin(), {"score", input});
  REQUIRE(harness(box, args).exit_code == 0);
  int64_t serve = serve_run(box.db(), 300);
  int64_t score = 1;
  age(box.db(), serve, 40);
  age(box.db(), score, 40);
  int64_t cache = store::Store::open(box.db()).count_cache_entries();

  Run dry = harness(box, {"prune", "--db", box.db(), "--keep-days", "30", "--dry-run"});
  INFO(dry.output);
  CHECK(dry.exit_code == 0);
  CHECK(dry.output.find("attempts of serve runs created before") != std::string::npos);
  CHECK(dry.output.find("would delete 300 attempts, 0 search_attempts rows, 0 proof_metrics rows")
        != std::string::npos);
  CHECK(store::Store::open(box.db()).attempts(serve).size() == 300);

  Run pruned = harness(box, {"prune", "--db", box.db(), "--keep-days", "30"});
  INFO(pruned.output);
  CHECK(pruned.exit_code == 0);
  CHECK(pruned.output.find("deleted 300 attempts") != std::string::npos);
  CHECK(pruned.output.find("after VACUUM") != std::string::npos);
  {
    auto db = store::Store::open(box.db());
    CHECK(db.attempts(serve).empty());
    CHECK(db.attempts(score).size() == 2);  // score's results stay unless asked for
    CHECK(db.run(serve)->summary_json == R"({"snippets":3})");
    CHECK(db.count_cache_entries() == cache);
  }
  Run all = harness(box, {"prune", "--db", box.db(), "--keep-days", "30", "--command", "all"});
  CHECK(all.exit_code == 0);
  CHECK(all.output.find("attempts of every run") != std::string::npos);
  CHECK(all.output.find("deleted 2 attempts") != std::string::npos);
  CHECK(store::Store::open(box.db()).attempts(score).empty());
  CHECK(store::Store::open(box.db()).run(score)->status == store::RunStatus::completed);

  Run missing = harness(box, {"prune", "--db", box.db("typo.db"), "--keep-days", "30"});
  CHECK(missing.exit_code == 3);
  CHECK(missing.output.find("typo.db: no such store") != std::string::npos);
  CHECK_FALSE(fs::exists(box.dir / "typo.db"));
  Run no_days = harness(box, {"prune", "--db", box.db()});
  CHECK(no_days.exit_code == 2);
  CHECK(no_days.output.find("--keep-days") != std::string::npos);
}

TEST_CASE("harness serve --retain-days prunes its store's old serve attempts at start",
          "[e2e][prune][serve]") {
  Box box;
  int64_t old_serve = serve_run(box.db(), 5);
  int64_t recent_serve = serve_run(box.db(), 2);
  age(box.db(), old_serve, 40);
  age(box.db(), recent_serve, 2);
  auto args = engine(box, {"--port", "0", "--retain-days", "30"});
  args.insert(args.begin(), {HARNESS_PATH, "serve"});
  lean_bridge::ProcessSpec spec{args, box.dir.string(), 0, false};
  auto child = lean_bridge::ChildProcess::spawn(spec);
  bool pruned = wait_for(box.db(), [&](store::Store& db) { return db.attempts(old_serve).empty(); });
  ::kill(child->pid(), SIGTERM);
  int status = child->reap(30'000);
  REQUIRE(pruned);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  auto db = store::Store::open(box.db());
  CHECK(db.attempts(recent_serve).size() == 2);
  CHECK(db.run(old_serve)->summary_json == R"({"snippets":3})");
  CHECK(db.count_cache_entries() == 7);
  CHECK(db.latest_run("serve")->status == store::RunStatus::completed);
}

namespace {

// Six lines with the double's verdicts: pass, fail, incomplete, rejected, pass, invalid.
std::vector<std::string> six_lines() {
  return {candidate("p1"),
          candidate("f1", "  trivial\n--! error unsolved goals\n"),
          candidate("i1", "  sorry\n"),
          candidate("r1", "  trivial\n--! axioms Lean.ofReduceBool\n"),
          candidate("p2", "  exact True.intro\n"),
          "{\"name\": \"broken\"}\n"};
}

// Every attempt of a store as "name verdict decided_by reward", whatever run and line it has.
std::multiset<std::string> verdicts(const std::string& path) {
  auto db = store::Store::open(path, store::OpenMode::existing);
  std::multiset<std::string> out;
  for (int64_t id = 1; db.run(id); ++id) {
    for (const auto& a : db.attempts(id)) {
      out.insert(fmt::format("{} {} {} {}", a.name, a.verdict, a.decided_by,
                             a.reward ? fmt::format("{}", *a.reward) : "null"));
    }
  }
  return out;
}

// What a merged store holds, by run uuid: the run's host, argv, status and its attempts' lines,
// verdicts and proofs; then the cache keys and the task ids.
std::map<std::string, std::string> by_uuid(const std::string& path) {
  auto db = store::Store::open(path, store::OpenMode::existing);
  std::map<std::string, std::string> out;
  for (int64_t id = 1; auto run = db.run(id); ++id) {
    std::string rows = fmt::format("{} {} {} |", run->host.value_or(""), run->argv_json,
                                   store::to_string(run->status));
    for (const auto& a : db.attempts(id)) {
      rows += fmt::format(" {}:{}:{}:{}", a.line, a.verdict, a.proof, a.cache_key.value_or(""));
    }
    out[run->uuid] = rows;
  }
  out["cache entries"] = std::to_string(db.count_cache_entries());
  return out;
}

}  // namespace

TEST_CASE("harness merge of two shards equals one run verdict for verdict, in any order, once",
          "[e2e][merge]") {
  Box box;
  auto lines = six_lines();
  std::string first_half, second_half, whole;
  for (size_t i = 0; i < lines.size(); ++i) (i < 3 ? first_half : second_half) += lines[i];
  for (const auto& l : lines) whole += l;
  auto score = [&](const std::string& name, const std::string& text, const std::string& db) {
    std::string input = box.tmp.write(name + ".jsonl", text);
    auto args = engine(box, {"--out", name + ".scored.jsonl"});
    args[1] = box.db(db);  // --db
    args.insert(args.begin(), {"score", input});
    Run run = harness(box, args);
    INFO(run.output);
    REQUIRE(run.exit_code == 0);
  };
  score("a", first_half, "a.db");
  score("b", second_half, "b.db");
  score("whole", whole, "whole.db");

  Run ab = harness(box, {"merge", box.db("a.db"), box.db("b.db"), "-o", box.db("ab.db")});
  INFO(ab.output);
  REQUIRE(ab.exit_code == 0);
  CHECK(ab.output.find("a.db → " + box.db("ab.db") + ": runs 1 new") != std::string::npos);
  CHECK(verdicts(box.db("ab.db")) == verdicts(box.db("whole.db")));
  CHECK(verdicts(box.db("ab.db")).size() == 6);

  Run ba = harness(box, {"merge", box.db("b.db"), box.db("a.db"), "--out", box.db("ba.db")});
  REQUIRE(ba.exit_code == 0);
  auto merged = by_uuid(box.db("ab.db"));
  CHECK(merged == by_uuid(box.db("ba.db")));
  CHECK(merged.size() == 3);  // two runs and the cache count

  Run again = harness(box, {"merge", box.db("a.db"), box.db("b.db"), "-o", box.db("ab.db")});
  INFO(again.output);
  REQUIRE(again.exit_code == 0);
  CHECK(again.output.find("runs 0 new, 0 brought further; no other row new") != std::string::npos);
  CHECK(by_uuid(box.db("ab.db")) == merged);
  {
    // Each run keeps its uuid, host and argv, and names the file it came from.
    auto db = store::Store::open(box.db("ab.db"));
    auto a = store::Store::open(box.db("a.db")).latest_run("score");
    auto run = db.run_by_uuid(a->uuid);
    REQUIRE(run);
    CHECK(run->host == a->host);
    CHECK(run->argv_json == a->argv_json);
  }
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(box.db("ab.db").c_str(), &raw) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(raw, "SELECT source FROM run_sources ORDER BY source", -1, &stmt,
                             nullptr) == SQLITE_OK);
  std::vector<std::string> sources;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    sources.push_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(raw);
  CHECK(sources == std::vector<std::string>{box.db("a.db"), box.db("b.db")});
}

TEST_CASE("harness merge refuses other toolchains, other schema versions and non-stores, naming "
          "the file",
          "[e2e][merge]") {
  Box box;
  std::string input = box.tmp.write("in.jsonl", candidate("a"));
  for (const char* db : {"a.db", "c.db"}) {
    auto args = engine(box, {"--out", "in.scored.jsonl"});
    args[1] = box.db(db);
    args.insert(args.begin(), {"score", input});
    REQUIRE(harness(box, args).exit_code == 0);
  }
  exec_sql(box.db("c.db"), "UPDATE runs SET toolchain = 'leanprover/lean4:v4.0.0'");

  Run mixed = harness(box, {"merge", box.db("a.db"), box.db("c.db"), "-o", box.db("out.db")});
  INFO(mixed.output);
  CHECK(mixed.exit_code == 2);
  CHECK(mixed.output.find(box.db("c.db") + ": its runs are of the Lean toolchain "
                          "leanprover/lean4:v4.0.0, where " + box.db("a.db") + "'s are of") !=
        std::string::npos);
  CHECK(mixed.output.find("--allow-different-toolchains") != std::string::npos);
  CHECK_FALSE(fs::exists(box.dir / "out.db"));  // refused before anything is written
  Run allowed = harness(box, {"merge", box.db("a.db"), box.db("c.db"), "-o", box.db("out.db"),
                              "--allow-different-toolchains"});
  CHECK(allowed.exit_code == 0);
  // The output's own runs count too.
  Run into = harness(box, {"merge", box.db("c.db"), "-o", box.db("a.db")});
  CHECK(into.exit_code == 2);
  CHECK(into.output.find(box.db("c.db") + ": its runs are of the Lean toolchain") !=
        std::string::npos);

  fs::copy_file(box.dir / "a.db", box.dir / "old.db");
  exec_sql(box.db("old.db"), "PRAGMA user_version = 3");
  Run old = harness(box, {"merge", box.db("old.db"), "-o", box.db("new.db")});
  CHECK(old.exit_code == 2);
  CHECK(old.output.find(box.db("old.db") + ": schema version 3, where this harness's stores are "
                        "at") != std::string::npos);
  Run missing = harness(box, {"merge", box.db("typo.db"), "-o", box.db("new.db")});
  CHECK(missing.exit_code == 2);
  CHECK(missing.output.find(box.db("typo.db") + ": no such store") != std::string::npos);
  CHECK_FALSE(fs::exists(box.dir / "typo.db"));
  Run self = harness(box, {"merge", box.db("a.db"), "-o", box.db("a.db")});
  CHECK(self.exit_code == 2);
  CHECK(self.output.find(box.db("a.db") + ": it is the output") != std::string::npos);
}

TEST_CASE("harness merge of score --shard 0/2 and 1/2 of one input equals the unsharded run",
          "[e2e][merge]") {
  Box box;
  std::string text;
  for (int copy = 0; copy < 3; ++copy) {
    for (const auto& l : six_lines()) text += l;  // a task's repeated lines stay in one shard
  }
  for (int i = 0; i < 8; ++i) text += candidate(fmt::format("extra{}", i));
  std::string input = box.tmp.write("in.jsonl", text);
  auto score = [&](const std::string& db, std::vector<std::string> more) {
    auto args = engine(box, {"--out", db + ".scored.jsonl"});
    args[1] = box.db(db);
    args.insert(args.begin(), {"score", input});
    args.insert(args.end(), more.begin(), more.end());
    Run run = harness(box, args);
    INFO(run.output);
    REQUIRE(run.exit_code == 0);
  };
  score("whole.db", {});
  score("s0.db", {"--shard", "0/2"});
  score("s1.db", {"--shard", "1/2"});
  Run merged = harness(box, {"merge", box.db("s0.db"), box.db("s1.db"), "-o", box.db("all.db")});
  INFO(merged.output);
  REQUIRE(merged.exit_code == 0);
  CHECK(verdicts(box.db("all.db")) == verdicts(box.db("whole.db")));
  CHECK(verdicts(box.db("all.db")).size() == 26);
  CHECK(verdicts(box.db("s0.db")).size() < 26);
}
