// The store's life across runs, end to end: runs whose process was killed become abandoned.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
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
