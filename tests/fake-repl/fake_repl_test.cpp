// Checks fake-repl's contract (README.md) by running the built binary, and checks the Lean JSON
// renderer against every recorded real REPL answer.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "child_process.hpp"
#include "json_pretty.hpp"
#include "tests/support/listener.hpp"

namespace {

using fake_repl_test::ChildProcess;
using fake_repl_test::run_fake_repl;
using nlohmann::json;
namespace fs = std::filesystem;

const fs::path transcripts = fs::path(HARNESS_SHARED_DIR) / "lean-repl-transcripts";

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

std::string request(const json& value) {
  return value.dump() + "\n\n";
}

// The answers of a stdout stream; every answer must end with a blank line.
std::vector<json> answers(const std::string& out) {
  std::vector<json> result;
  for (std::size_t start = 0; start < out.size();) {
    std::size_t end = out.find("\n\n", start);
    REQUIRE(end != std::string::npos);
    result.push_back(json::parse(out.substr(start, end - start)));
    start = end + 2;
  }
  return result;
}

std::vector<json> session(const std::vector<json>& requests,
                          const std::vector<std::string>& args = {}) {
  std::string input;
  for (const json& r : requests) input += request(r);
  auto outcome = run_fake_repl(args, input);
  CHECK(outcome.exit_status == 0);
  return answers(outcome.out);
}

std::string temp_path(const std::string& name) {
  return (fs::temp_directory_path() / (name + "-" + std::to_string(getpid()))).string();
}

}  // namespace

TEST_CASE("answers are Lean's pretty JSON, each followed by one blank line", "[fake-repl]") {
  auto outcome = run_fake_repl({}, request({{"cmd", "def f := 37"}}) +
                                       request({{"cmd", "theorem t : True := sorry"}, {"env", 0}}));
  CHECK(outcome.exit_status == 0);
  CHECK(outcome.err.empty());
  CHECK(outcome.out ==
        "{\"env\": 0}\n\n"
        "{\"sorries\":\n"
        " [{\"proofState\": 0,\n"
        "   \"pos\": {\"line\": 1, \"column\": 20},\n"
        "   \"goal\": \"⊢ True\",\n"
        "   \"endPos\": {\"line\": 1, \"column\": 25}}],\n"
        " \"messages\":\n"
        " [{\"severity\": \"warning\",\n"
        "   \"pos\": {\"line\": 1, \"column\": 8},\n"
        "   \"endPos\": {\"line\": 1, \"column\": 9},\n"
        "   \"data\": \"declaration uses `sorry`\"}],\n"
        " \"env\": 1}\n\n");
}

TEST_CASE("lean_pretty re-renders every recorded REPL answer byte for byte", "[fake-repl]") {
  std::size_t checked = 0;
  for (const auto& entry : fs::recursive_directory_iterator(transcripts)) {
    std::string path = entry.path().string();
    if (!path.ends_with(".expected.out") || path.find("kimina") != std::string::npos) continue;
    std::string content = read_file(entry.path());
    for (std::size_t start = 0; start < content.size();) {
      std::size_t end = std::min(content.find("\n\n", start), content.size());
      std::string recorded = content.substr(start, end - start);
      INFO(path);
      CHECK(fake_repl::lean_pretty(json::parse(recorded)) == recorded);
      ++checked;
      start = end + 2;
    }
  }
  CHECK(checked > 500);
}

TEST_CASE("requests are framed like the REPL: joined lines, flushed answers", "[fake-repl]") {
  ChildProcess child({});
  child.send("{\"cmd\":\n \"def f :=\n 1\"}\n   \n");
  CHECK(child.read_answer() == "{\"env\": 0}\n\n");
  child.send("# a comment request\n\n-- another\n\n" +
             request({{"cmd", "def g := f"}, {"env", 0}}));
  CHECK(child.read_answer() == "{\"env\": 1}\n\n");
  child.send("\n{\"cmd\": \"never read\"}\n\n");
  auto outcome = child.finish();
  CHECK(outcome.exit_status == 0);
  CHECK(outcome.out.empty());

  CHECK(run_fake_repl({}, "").exit_status == 0);
  auto last = run_fake_repl({}, "{\"cmd\": \"def f := 1\"}");  // EOF ends the last request
  CHECK(last.out == "{\"env\": 0}\n\n");
  CHECK(last.exit_status == 0);
  auto strict = run_fake_repl({"--strict-blank-line"}, "\n");
  CHECK(strict.exit_status == 1);
  CHECK(strict.err ==
        "uncaught exception: {\"message\": \"Could not parse JSON:\\noffset 1: unexpected end of "
        "input\"}\n");
}

TEST_CASE("env and proof-state ids count from 0, unknown ids are reported", "[fake-repl]") {
  auto got = session({{{"cmd", "def a := 1"}},
                      {{"cmd", "def b := a"}, {"env", 0}},
                      {{"cmd", "def c := 2"}, {"env", 7}},
                      {{"cmd", "def c := b"}, {"env", 1}, {"allTactics", true}},
                      {{"tactic", "rfl"}, {"proofState", 0}}});
  REQUIRE(got.size() == 5);
  CHECK(got[0] == json{{"env", 0}});
  CHECK(got[1] == json{{"env", 1}});
  CHECK(got[2] == json{{"message", "Unknown environment."}});
  CHECK(got[3] == json{{"env", 2}});
  CHECK(got[4] == json{{"message", "Unknown proof state."}});
}

TEST_CASE("sorry outside comments and strings gives sorries and one warning", "[fake-repl]") {
  std::string text =
      "theorem t : True := by\n  -- sorry\n  /- sorry /- nested -/ sorry -/\n"
      "  have h : \"sorry\".length = 5 := sorry\n  admit";
  auto modern = session({{{"cmd", text}}});
  REQUIRE(modern.size() == 1);
  const json& answer = modern[0];
  REQUIRE(answer["sorries"].size() == 2);
  CHECK(answer["sorries"][0] == json{{"proofState", 0},
                                     {"pos", {{"line", 4}, {"column", 33}}},
                                     {"endPos", {{"line", 4}, {"column", 38}}},
                                     {"goal", "⊢ True"}});
  CHECK(answer["sorries"][1]["pos"] == json{{"line", 5}, {"column", 2}});
  REQUIRE(answer["messages"].size() == 1);
  CHECK(answer["messages"][0]["data"] == "declaration uses `sorry`");
  CHECK(answer["messages"][0]["pos"] == json{{"line", 1}, {"column", 8}});

  auto old = session({{{"cmd", "example : True := sorry"}}}, {"--lean-version", "4.27"});
  CHECK(old[0]["messages"][0]["data"] == "declaration uses 'sorry'");
  CHECK(old[0]["messages"][0]["endPos"] == json{{"line", 1}, {"column", 7}});
  CHECK(session({{{"cmd", "-- sorry\ndef «sorry» := \"sorry\""}}})[0] == json{{"env", 0}});
}

TEST_CASE("print axioms reports the axioms of known declarations", "[fake-repl]") {
  auto got = session({
      {{"cmd", "theorem a : True := trivial\n#print axioms a"}},
      {{"cmd",
        "namespace N\ntheorem b' : True := by\n  --! axioms propext, Lean.ofReduceBool\n"
        "  decide\nend N"},
       {"env", 0}},
      {{"cmd", "#print axioms N.b'"}, {"env", 1}},
      {{"cmd", "theorem c : True := sorry\n#print axioms c"}, {"env", 1}},
      {{"cmd", "namespace N\n#print axioms b'\nend N\n#print axioms nope"}, {"env", 3}},
  });
  REQUIRE(got.size() == 5);
  auto info = [](const std::string& data, int line) {
    return json{{"severity", "info"},
                {"pos", {{"line", line}, {"column", 0}}},
                {"endPos", {{"line", line}, {"column", 6}}},
                {"data", data}};
  };
  CHECK(got[0]["messages"] == json::array({info("'a' does not depend on any axioms", 2)}));
  CHECK(got[2]["messages"] ==
        json::array({info("'N.b'' depends on axioms: [propext, Lean.ofReduceBool]", 1)}));
  REQUIRE(got[3]["messages"].size() == 2);
  CHECK(got[3]["messages"][1] == info("'c' depends on axioms: [sorryAx]", 2));
  REQUIRE(got[4]["messages"].size() == 2);
  CHECK(got[4]["messages"][0]["data"] == "'N.b'' depends on axioms: [propext, Lean.ofReduceBool]");
  CHECK(got[4]["messages"][1]["severity"] == "error");
  CHECK(got[4]["messages"][1]["data"] == "unknown constant 'nope'");
}

TEST_CASE("directives produce messages, output and deaths", "[fake-repl]") {
  auto got = session({{{"cmd",
                        "theorem t : True := by\n  --! error boom here\n  trivial\n"
                        "#eval \"hi\\\"\"\n--! warning careful"}}});
  REQUIRE(got[0]["messages"].size() == 3);
  CHECK(got[0]["messages"][0] == json{{"severity", "error"},
                                      {"pos", {{"line", 2}, {"column", 2}}},
                                      {"endPos", {{"line", 2}, {"column", 21}}},
                                      {"data", "boom here"}});
  CHECK(got[0]["messages"][1]["data"] == "\"hi\\\"\"");
  CHECK(got[0]["messages"][2]["severity"] == "warning");

  auto noisy = run_fake_repl({}, request({{"cmd", "--! noise hello\n--! forge {\"env\": 99}"}}));
  CHECK(noisy.out == "hello\n{\"env\": 99}\n\n{\"env\": 0}\n\n");
  auto crash = run_fake_repl({}, request({{"cmd", "--! noise before\n--! crash"}}));
  CHECK(crash.term_signal == SIGSEGV);
  CHECK(crash.out == "before\n");
  CHECK(run_fake_repl({}, request({{"cmd", "--! crash-exit 3"}})).exit_status == 3);
  auto quit = run_fake_repl({}, request({{"cmd", "--! exit"}}) + request({{"cmd", "x"}}));
  CHECK(quit.exit_status == 0);
  CHECK(quit.out.empty());
  ChildProcess hung({});
  hung.send(request({{"cmd", "--! hang"}}));
  CHECK_FALSE(hung.read_answer(150));
}

TEST_CASE("heartbeats: a limit per env, inherited, set by set_option, and Lean's error past it",
          "[fake-repl]") {
  const std::string stop =
      "(deterministic) timeout at `whnf`, maximum number of heartbeats (400000) has been "
      "reached\nUse `set_option maxHeartbeats <num>` to set the limit.\n\nNote: Additional "
      "diagnostic information may be available using the `set_option diagnostics true` command.";
  auto got = session({
      {{"cmd", "import Mathlib\nset_option maxHeartbeats 400000\n"}},                       // 0
      {{"cmd", "theorem a : True := by\n  trivial\n--! heartbeats 10000000\n"}, {"env", 0}},  // 1
      {{"cmd", "#print axioms a"}, {"env", 1}},                                              // 2
      {{"cmd", "theorem b : True := by\n  trivial\n--! heartbeats 400000\n"}, {"env", 0}},    // 3
      {{"cmd", "#print axioms b"}, {"env", 3}},                                              // 4
      // A fresh env has Lean's default, 200000.
      {{"cmd", "theorem c : True := by\n  trivial\n--! heartbeats 300000"}},                 // 5
      // A top-level set_option changes the limit for the rest of the command and its env...
      {{"cmd", "set_option maxHeartbeats 0\n--! heartbeats 99999999\n"}, {"env", 0}},       // 6
      // ...and the envs built on it (0: no limit).
      {{"cmd", "theorem d : True := by\n  trivial\n--! heartbeats 99999999\n"}, {"env", 6}},  // 7
      // An `in` form holds within its declaration only.
      {{"cmd", "theorem e : True := by\n  set_option maxHeartbeats 10 in\n  trivial\n"
               "--! heartbeats 11\ntheorem f : True := by\n  trivial\n--! heartbeats 11\n"},
       {"env", 0}},                                                                          // 8
      {{"cmd", "set_option maxHeartbeats 10 in\ntheorem g : True := by\n  trivial\n"
               "--! heartbeats 11\n"},
       {"env", 0}},                                                                          // 9
      {{"cmd", "--! heartbeats x"}, {"env", 0}},                                             // 10
  });
  REQUIRE(got.size() == 11);
  REQUIRE(got[1]["messages"].size() == 1);
  CHECK(got[1]["messages"][0] == json{{"severity", "error"},
                                      {"pos", {{"line", 3}, {"column", 0}}},
                                      {"endPos", {{"line", 3}, {"column", 23}}},
                                      {"data", stop}});
  CHECK(got[1]["env"] == 1);  // answered: the process lives on
  CHECK(got[2]["messages"][0]["data"] == "'a' depends on axioms: [sorryAx]");
  CHECK_FALSE(got[3].contains("messages"));  // at the limit, not past it
  CHECK(got[4]["messages"][0]["data"] == "'b' does not depend on any axioms");
  REQUIRE(got[5]["messages"].size() == 1);
  CHECK(got[5]["messages"][0]["data"].get<std::string>().find("heartbeats (200000)") !=
        std::string::npos);
  CHECK_FALSE(got[6].contains("messages"));
  CHECK_FALSE(got[7].contains("messages"));
  REQUIRE(got[8]["messages"].size() == 1);
  CHECK(got[8]["messages"][0]["pos"]["line"] == 4);
  CHECK(got[8]["messages"][0]["data"].get<std::string>().find("heartbeats (10)") !=
        std::string::npos);
  REQUIRE(got[9]["messages"].size() == 1);
  CHECK(got[9]["messages"][0]["data"].get<std::string>().find("heartbeats (10)") !=
        std::string::npos);
  CHECK(got[10]["messages"][0]["data"] == "fake-repl: directive 'heartbeats' needs a number");
}

TEST_CASE("heartbeats take time: up to the limit, or all of them with no limit", "[fake-repl]") {
  using std::chrono::milliseconds;
  using std::chrono::steady_clock;
  // 0.5 ms per 1000: 10,000,000 heartbeats stopped at 400,000 sleep 200 ms, not 5 s.
  auto begin = steady_clock::now();
  auto stopped = session({{{"cmd", "set_option maxHeartbeats 400000"}},
                          {{"cmd", "--! heartbeats 10000000"}, {"env", 0}}},
                         {"--ms-per-kheartbeats", "0.5"});
  auto took = steady_clock::now() - begin;
  CHECK(took >= milliseconds(200));
  CHECK(took < milliseconds(3000));
  CHECK(stopped[1]["messages"].size() == 1);
  // With no limit they all run: the wall clock is what stops them.
  ChildProcess unlimited({"--ms-per-kheartbeats", "1"});
  unlimited.send(request({{"cmd", "set_option maxHeartbeats 0"}}));
  REQUIRE(unlimited.read_answer(2000));
  unlimited.send(request({{"cmd", "--! heartbeats 100000000"}, {"env", 0}}));
  CHECK_FALSE(unlimited.read_answer(300));
  CHECK(run_fake_repl({"--ms-per-kheartbeats", "-1"}, "").exit_status == 64);
  CHECK(run_fake_repl({"--ms-per-kheartbeats", "fast"}, "").exit_status == 64);
}

TEST_CASE("malformed JSON and unknown request shapes kill the process", "[fake-repl]") {
  for (std::string bad : {"{\"cmd\": ", "[1]", "{\"foo\": 1}", "{\"cmd\": \"x\", \"env\": \"0\"}",
                          "{\"cmd\": \"x\", \"extra\": 1}", "{\"tactic\": \"rfl\"}"}) {
    auto outcome = run_fake_repl({}, bad + "\n\n" + request({{"cmd", "def f := 1"}}));
    INFO(bad);
    CHECK(outcome.exit_status == 1);
    CHECK(outcome.out.empty());
    CHECK(outcome.err.starts_with("uncaught exception: {\"message\":"));
    CHECK(outcome.err.find("Could not parse") != std::string::npos);
  }
}

TEST_CASE("tactic mode answers by the tactic's text", "[fake-repl]") {
  auto got = session({{{"cmd", "example : True := by sorry"}},
                      {{"tactic", "rfl"}, {"proofState", 0}},
                      {{"tactic", "exact sorry"}, {"proofState", 1}},
                      {{"tactic", "fail \"nope\""}, {"proofState", 0}},
                      {{"tactic", "intro h"}, {"proofState", 0}}});
  REQUIRE(got.size() == 5);
  CHECK(got[1] == json{{"proofStatus", "Completed"}, {"proofState", 1}, {"goals", json::array()}});
  CHECK(got[2]["proofStatus"] == "Incomplete: contains sorry");
  CHECK(got[3]["proofStatus"] == "Error: nope");
  CHECK(got[3]["messages"][0]["data"] == "nope");
  CHECK(got[4] == json{{"proofStatus", "Incomplete: open goals remain"},
                       {"proofState", 4},
                       {"goals", {"⊢ True"}}});
}

TEST_CASE("imports: missing modules, simulated costs, crash on import", "[fake-repl]") {
  auto begin = std::chrono::steady_clock::now();
  auto got = session({{{"cmd", "import Mathlib\nimport MissingLib.Foo\ntheorem t : True := sorry"}},
                      {{"cmd", "import Lean"}, {"env", 0}}},
                     {"--import-ms", "100", "--check-ms", "50"});
  CHECK(std::chrono::steady_clock::now() - begin >= std::chrono::milliseconds(150));
  REQUIRE(got[0]["messages"].size() == 2);
  CHECK(got[0]["env"] == 0);
  CHECK(got[0]["messages"][0]["pos"] == json{{"line", 1}, {"column", 0}});
  CHECK_FALSE(got[0]["messages"][0].contains("endPos"));
  CHECK(got[0]["messages"][0]["data"].get<std::string>().starts_with(
      "unknown module prefix 'MissingLib'"));
  CHECK(got[1]["messages"][0]["data"].get<std::string>().starts_with("invalid 'import'"));

  auto crash = run_fake_repl({"--crash-on-import"}, request({{"cmd", "import Mathlib"}}));
  CHECK(crash.exit_status == 1);
  CHECK(crash.err == "uncaught exception: unknown package 'Mathlib'\n");
}

TEST_CASE("worker-wide options: noise, die-after, memory growth", "[fake-repl]") {
  auto noisy = run_fake_repl({"--noise", "--startup-noise"}, request({{"cmd", "def f := 1"}}));
  CHECK(noisy.out.ends_with("\n[fake] noise\n{\"env\": 0}\n\n"));
  CHECK(noisy.out.find("Build completed") != std::string::npos);

  auto died = run_fake_repl({"--die-after", "1"},
                            request({{"cmd", "def f := 1"}}) + request({{"cmd", "def g := 1"}}));
  CHECK(died.exit_status == 1);
  CHECK(died.out == "{\"env\": 0}\n\n");
  CHECK_FALSE(died.err.empty());

  fake_repl_test::ChildSetup limited;
  limited.address_limit = rlim_t{256} << 20;
  auto grown = run_fake_repl({"--grow-mb-per-check", "8"},
                             request({{"cmd", "--! grow 16"}}) +
                                 request({{"cmd", "def f := 1"}, {"env", 0}}) +
                                 request({{"cmd", "--! grow 1024"}, {"env", 1}}),
                             limited);
  CHECK(grown.out == "{\"env\": 0}\n\n{\"env\": 1}\n\n");
  CHECK(grown.exit_status == 1);
  CHECK(grown.err == "INTERNAL PANIC: out of memory\n");
}

TEST_CASE("hostile directives report what they could do", "[fake-repl]") {
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  REQUIRE(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(listen(listener, 4) == 0);
  getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
  std::string port = std::to_string(ntohs(address.sin_port));
  std::string file = temp_path("fake-repl-write");
  auto got = session({{{"cmd", "--! write " + file +
                                   "\n--! write /nonexistent-dir/x\n"
                                   "--! connect " +
                                   port + "\n--! spawn 2\n--! stderr to err"}}});
  close(listener);
  auto refused = session({{{"cmd", "--! connect " + port}}});
  const json& messages = got[0]["messages"];
  REQUIRE(messages.size() == 4);
  CHECK(messages[0]["data"] == "write " + file + ": ok");
  CHECK(fs::exists(file));
  fs::remove(file);
  CHECK(messages[1]["data"].get<std::string>().starts_with("write /nonexistent-dir/x: failed: "));
  CHECK(messages[2]["data"] == "connect " + port + ": ok");
  CHECK(messages[3]["data"] == "spawn 2: ok");
  CHECK(refused[0]["messages"][0]["data"].get<std::string>().starts_with("connect " + port +
                                                                         ": failed: "));
}

TEST_CASE("read, list and connect-unix hand back what they found", "[fake-repl]") {
  std::string dir = temp_path("fake-repl-probe");
  fs::create_directories(dir);
  std::ofstream(dir + "/secret.txt") << "line one\nline two\n";
  std::ofstream(dir + "/b.txt") << "";
  test_support::UnixListener listener(dir + "/sock");
  auto got = session({{{"cmd", "--! read " + dir + "/secret.txt\n--! read " + dir +
                                   "/missing\n--! list " + dir + "\n--! connect-unix " + dir +
                                   "/sock\n--! connect-unix " + dir + "/nosock"}}});
  const json& messages = got[0]["messages"];
  REQUIRE(messages.size() == 5);
  CHECK(messages[0]["data"] == "read " + dir + "/secret.txt: line one line two ");
  CHECK(messages[1]["data"] == "read " + dir + "/missing: failed: No such file or directory");
  CHECK(messages[2]["data"] == "list " + dir + ": b.txt secret.txt sock");
  CHECK(messages[3]["data"] == "connect-unix " + dir + "/sock: ok");
  CHECK(listener.connected());
  CHECK(messages[4]["data"].get<std::string>().starts_with("connect-unix " + dir +
                                                           "/nosock: failed: "));
  fs::remove_all(dir);
}

TEST_CASE("the log option and FAKE_REPL_LOG append every raw request", "[fake-repl]") {
  std::string log = temp_path("fake-repl-log");
  std::string env_log = log + "-env";
  fake_repl_test::ChildSetup setup;
  setup.env = {"FAKE_REPL_LOG=" + env_log};
  std::string input = "{\"cmd\":\n \"def f := 1\"}\n\n# skipped\n\n" + request({{"cmd", "x"}});
  run_fake_repl({"--log", log}, input, setup);
  run_fake_repl({}, input, setup);
  std::string expected = "{\"cmd\": \"def f := 1\"}\n# skipped\n{\"cmd\":\"x\"}\n";
  CHECK(read_file(log) == expected);
  CHECK(read_file(env_log) == expected);
  fs::remove(log);
  fs::remove(env_log);
}

TEST_CASE("replay reproduces the recorded answers of every core transcript", "[fake-repl]") {
  fs::path core = transcripts / "core";
  fs::path in = core / "app_type_mismatch.in";
  fs::path out = core / "app_type_mismatch.expected.out";
  auto exact = run_fake_repl({"--replay", in.string(), out.string()}, read_file(in));
  CHECK(exact.exit_status == 0);
  CHECK(exact.out == read_file(out));
  std::size_t replayed = 0;
  for (const auto& entry : fs::directory_iterator(core)) {
    if (entry.path().extension() != ".in") continue;
    fs::path recorded = entry.path();
    recorded.replace_extension(".expected.out");
    if (!fs::exists(recorded)) continue;
    INFO(entry.path());
    auto outcome = run_fake_repl({"--replay", entry.path().string(), recorded.string()},
                                 read_file(entry.path()));
    CHECK(outcome.exit_status == 0);
    CHECK(outcome.out == read_file(recorded));
    ++replayed;
  }
  CHECK(replayed > 30);

  auto wrong = run_fake_repl({"--replay", in.string(), out.string()},
                             request({{"cmd", "example : 1 = 0 := by\n  cases 2"}}));
  CHECK(wrong.exit_status == 2);
  CHECK(wrong.out.empty());
  CHECK(wrong.err.find("differs from the recording") != std::string::npos);
}
