// The guard on every text of an input line, through the real `harness score` and the REPL
// double: a line's own header and formal_statement are read before Lean sees them, the user's
// (--header, --tasks) are trusted.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "lean-bridge/child_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kEvilHeader =
    "import Mathlib\n#eval IO.FS.writeFile \"pwned.txt\" \"the header ran\"\n";

struct Box {
  test_support::TempDir tmp{"harness-guard-e2e"};
  fs::path log() const { return tmp.path() / "repl.log"; }
  // What reached the REPL double ("" when no worker was started).
  std::string logged() const {
    std::ifstream in(log());
    return std::string((std::istreambuf_iterator<char>(in)), {});
  }
};

// `harness score` on `lines`, unsandboxed so that the double's --log file can be read; the rows.
std::vector<json> score(const Box& box, const std::string& lines,
                        std::vector<std::string> extra = {}) {
  auto input = box.tmp.write("in.jsonl", lines);
  std::vector<std::string> argv = {HARNESS_PATH,
                                   "score",
                                   input,
                                   "--out",
                                   box.tmp.file("out.jsonl"),
                                   "--db",
                                   box.tmp.file("h.db"),
                                   "--no-cache",
                                   "--no-progress",
                                   "--sandbox",
                                   "none",
                                   "--repl",
                                   std::string(FAKE_REPL_PATH) + " --log " + box.log().string()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  lean_bridge::ProcessSpec spec{argv, box.tmp.path().string(), 0, false};
  auto run = lean_bridge::capture_output(spec, 60'000);
  INFO(run.output);
  REQUIRE(run.status);
  REQUIRE(WIFEXITED(*run.status));
  REQUIRE(WEXITSTATUS(*run.status) == 0);
  std::ifstream in(box.tmp.file("out.jsonl"));
  std::vector<json> rows;
  for (std::string line; std::getline(in, line);) rows.push_back(json::parse(line));
  return rows;
}

std::string line(json fields) {
  return fields.dump() + "\n";
}

}  // namespace

TEST_CASE("a line's header that runs code is refused and never reaches Lean", "[e2e][guard]") {
  Box box;
  std::string text = line({{"name", "evil"},
                           {"header", kEvilHeader},
                           {"formal_statement", "theorem evil : True := by\n"},
                           {"proof", "  trivial\n"}});
  // An honest line after it, so that a worker starts and its log shows what it was sent.
  text += line({{"name", "fine"},
                {"header", "import Mathlib\nset_option maxHeartbeats 400000\n"},
                {"formal_statement", "theorem fine : True := by\n"},
                {"proof", "  trivial\n"}});
  auto rows = score(box, text);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0]["verdict"] == "rejected");
  CHECK(rows[0]["decided_by"] == "guard");
  CHECK(rows[0]["reward"] == 0.0);
  std::string reason = rows[0]["reason"];
  CHECK(reason.starts_with("in the line's header, line 2, column 0: `#eval`:"));
  CHECK(rows[1]["verdict"] == "pass");
  std::string logged = box.logged();
  CHECK(logged.find("theorem fine") != std::string::npos);
  CHECK(logged.find("writeFile") == std::string::npos);
  CHECK(logged.find("evil") == std::string::npos);
  CHECK_FALSE(fs::exists(box.tmp.path() / "pwned.txt"));
}

TEST_CASE("the same header given by --header is the user's and is trusted", "[e2e][guard]") {
  Box box;
  auto rows = score(box,
                    line({{"name", "t"},
                          {"formal_statement", "theorem t : True := by\n"},
                          {"proof", "  trivial\n"}}),
                    {"--header", kEvilHeader});
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["decided_by"] != "guard");
  CHECK(box.logged().find("IO.FS.writeFile") != std::string::npos);
}

TEST_CASE("a line's statement that smuggles a second command is refused", "[e2e][guard]") {
  Box box;
  std::string text;
  text += line({{"name", "before"},
                {"formal_statement", "#eval IO.println \"forged\"\ntheorem before : True := by\n"},
                {"proof", "  trivial\n"}});
  text += line({{"name", "after"},
                {"formal_statement",
                 "theorem after : True := trivial\nmacro \"trivial\" : tactic => `(tactic| rfl)\n"
                 "theorem after' : True := by\n"},
                {"proof", "  trivial\n"}});
  auto rows = score(box, text);
  REQUIRE(rows.size() == 2);
  for (const auto& row : rows) {
    INFO(row.dump());
    CHECK(row["verdict"] == "rejected");
    CHECK(row["decided_by"] == "guard");
    CHECK(row["reason"].get<std::string>().starts_with("in the line's formal_statement, "));
  }
  CHECK(rows[1]["reason"].get<std::string>().find("line 2, column 0: `macro`") !=
        std::string::npos);
  CHECK(box.logged().find("forged") == std::string::npos);
}

TEST_CASE("a whole file may no longer lend itself options through the line's header",
          "[e2e][guard]") {
  // The file repeats its header's set_option, which a whole file may do; the header is the
  // line's, so the guard reads it first.
  const std::string header = "import Mathlib\nset_option debug.skipKernelTC true\n";
  Box box;
  auto rows = score(box, line({{"name", "t"},
                               {"header", header},
                               {"formal_statement", "theorem t : True := by\n"},
                               {"full_proof", header + "theorem t : True := by\n  trivial\n"}}));
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["verdict"] == "rejected");
  CHECK(rows[0]["decided_by"] == "guard");
  CHECK(rows[0]["reason"].get<std::string>().starts_with(
      "in the line's header, line 2, column 0: `set_option debug.skipKernelTC`"));
  CHECK(box.logged().find("skipKernelTC") == std::string::npos);
}

TEST_CASE("a dataset line with its own header and helper definitions is checked", "[e2e][guard]") {
  Box box;
  // ProofNet's exercise_13_4a1 header, with the definition its statement uses.
  const std::string header =
      "import Mathlib\n\nopen Filter Set TopologicalSpace\nopen scoped Topology\n\n"
      "def is_topology (X : Type*) (T : Set (Set X)) :=\n  univ ∈ T ∧\n"
      "  (∀ s t, s ∈ T → t ∈ T → s ∩ t ∈ T) ∧\n  (∀s, (∀t ∈ s, t ∈ T) → sUnion s ∈ T)\n\n";
  auto rows = score(box, line({{"name", "t"},
                               {"header", header},
                               {"formal_statement", "theorem t : True :="},
                               {"proof", " by\n  trivial\n"}}));
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["verdict"] == "pass");
  CHECK(box.logged().find("def is_topology") != std::string::npos);
}
