// `harness report --html` as a user runs it: a store written by the real binary (two `score`
// runs over the core tasks with the REPL double, a short `search`, `metrics`), the report
// written, then opened in headless Chromium (shared/brief/headless-chromium.md): it renders,
// its charts are there with their marks, the console stays silent, nothing is fetched.
// HARNESS_REPORT_HTML_SCREENSHOT=FILE also keeps a screenshot there (docs/report-html.png).
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "lean-bridge/child_process.hpp"
#include "tests/support/shell.hpp"
#include "tests/support/harness_run.hpp"
#include "tests/support/temp_dir.hpp"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using nlohmann::json;

namespace {

const std::string kCoreTasks = std::string(HARNESS_SOURCE_DIR) + "/tasks/core/core_tasks.jsonl";
const std::string kSynthetic = std::string(HARNESS_SOURCE_DIR) + "/tests/search/synthetic";

using Run = test_support::HarnessRun;

Run harness(const fs::path& dir, std::vector<std::string> args) {
  return test_support::run_harness(dir, std::move(args));
}

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// What a candidate of task i does in run `variant`; the two runs differ, so each solves tasks
// the other does not.
enum class Outcome { pass, fail, incomplete, heartbeats, wall_clock };

Outcome outcome(size_t i, int variant) {
  if (i % 37 == 5) return Outcome::wall_clock;
  switch ((i * 7 + static_cast<size_t>(variant) * 3) % 10) {
    case 0: case 1: return Outcome::fail;
    case 2: return Outcome::heartbeats;
    case 3: return Outcome::incomplete;
    default: return Outcome::pass;
  }
}

struct CoreTask {
  std::string name;
  std::string proof;
};

std::vector<CoreTask> core_tasks() {
  std::vector<CoreTask> tasks;
  std::ifstream in(kCoreTasks);
  for (std::string line; std::getline(in, line);) {
    json j = json::parse(line);
    tasks.push_back({j.at("name"), j.at("reference_proof")});
  }
  return tasks;
}

// One candidate line per core task; checks take 0-90 ms (the double's sleep).
std::string candidates(const std::vector<CoreTask>& tasks, int variant) {
  std::string out;
  for (size_t i = 0; i < tasks.size(); ++i) {
    std::string proof = tasks[i].proof + fmt::format("\n  --! sleep {}\n", (i * 13 + variant * 29) % 90);
    switch (outcome(i, variant)) {
      case Outcome::pass: break;
      case Outcome::fail: proof += "--! error unsolved goals\n"; break;
      case Outcome::incomplete: proof = "  sorry\n"; break;
      case Outcome::heartbeats: proof += "--! heartbeats 1000000\n"; break;
      case Outcome::wall_clock: proof += "--! sleep 5000\n"; break;
    }
    out += json{{"name", tasks[i].name}, {"proof", proof}}.dump() + "\n";
  }
  return out;
}

struct Chromium {
  std::string dom;
  std::string log;  // stderr
};

void require_chromium() {
  if (!test_support::run_shell("command -v chromium >/dev/null 2>&1").ok()) {
    FAIL("chromium is not installed: the HTML report is tested in headless Chromium "
         "(Debian's `chromium` package; scripts/setup installs it)");
  }
}

// chromium --headless with `extra` on file://PATH; its stdout and stderr.
Chromium chromium(const fs::path& page, const std::string& extra, const fs::path& dir) {
  fs::path out = dir / "chromium.out", err = dir / "chromium.err";
  std::string command = fmt::format(
      "timeout 120 chromium --headless=new --no-sandbox --disable-gpu --enable-logging=stderr --v=0 "
      "--user-data-dir={} {} file://{} >{} 2>{}",
      (dir / "chromium-profile").string(), extra, fs::absolute(page).string(), out.string(), err.string());
  auto run = test_support::run_shell(command);
  INFO(command << "\n" << read(err));
  REQUIRE(run.ok());
  return {read(out), read(err)};
}

// Lines of Chromium's log that come from the page's console (or a script error in it).
std::vector<std::string> console_lines(const std::string& log) {
  std::vector<std::string> lines;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (line.find("INFO:CONSOLE") != std::string::npos) lines.push_back(line);
  }
  return lines;
}

// Chart id -> the data marks (elements of class "mark") inside its <svg>, as the DOM has them.
std::map<std::string, int> charts(const std::string& dom) {
  std::map<std::string, int> out;
  std::regex open("<svg class=\"chart\" id=\"chart-([^\"]+)\"");
  for (auto it = std::sregex_iterator(dom.begin(), dom.end(), open); it != std::sregex_iterator(); ++it) {
    size_t start = static_cast<size_t>(it->position(0));
    size_t end = dom.find("</svg>", start);
    std::string svg = dom.substr(start, end - start);
    int marks = 0;
    for (size_t at = svg.find("class=\"mark"); at != std::string::npos; at = svg.find("class=\"mark", at + 1)) ++marks;
    out[(*it)[1]] = marks;
  }
  return out;
}

// Nothing in the file reaches outside it: no URL, no stylesheet or script from elsewhere.
void check_self_contained(const std::string& html) {
  for (const char* needle : {"http://", "https://", "<link", "<script", "src=", "@import", "url(", "<iframe"}) {
    INFO(needle);
    CHECK(html.find(needle) == std::string::npos);
  }
}

struct Store {
  test_support::TempDir tmp{"harness-report-html-e2e"};
  fs::path dir = tmp.path();
  std::vector<CoreTask> tasks = core_tasks();
  std::vector<std::string> uuids;  // of the runs, in order

  Store() {
    REQUIRE(tasks.size() > 100);
    std::string repl = fmt::format("{} --ms-per-kheartbeats 0.5", FAKE_REPL_PATH);
    for (int variant : {0, 1}) {
      auto input = tmp.write(fmt::format("candidates-{}.jsonl", variant), candidates(tasks, variant));
      REQUIRE(harness(dir, {"score", input, "--tasks", kCoreTasks, "--db", "h.db", "--repl", repl, "--sandbox",
                            "none", "--workers", "2", "--timeout", "1", "--no-progress"})
                  .exit_code == 0);
    }
    std::string rules_repl = fmt::format("{} --tactic-rules {}/rules.json", FAKE_REPL_PATH, kSynthetic);
    REQUIRE(harness(dir, {"search", "--tasks", kSynthetic + "/tasks.jsonl", "--policy", "builtin", "--db", "h.db",
                          "--workers", "2", "--repl", rules_repl, "--sandbox", "none", "--no-progress", "--seed", "7",
                          "--epochs", "4", "--samples", "4", "--curriculum", "uniform"})
                .exit_code == 0);
    REQUIRE(harness(dir, {"metrics", "--db", "h.db"}).exit_code == 0);
    Run list = harness(dir, {"report", "--db", "h.db", "--format", "json"});
    REQUIRE(list.exit_code == 0);
    json report = json::parse(list.output.substr(list.output.find('{'), list.output.rfind('}') + 1 - list.output.find('{')));
    for (const auto& r : report["runs"]) uuids.push_back(r["uuid"]);
    REQUIRE(uuids.size() == 3);
  }
};

}  // namespace

TEST_CASE("report --html: every run, then two runs compared, opened in headless Chromium", "[e2e][report-html]") {
  require_chromium();
  Store store;
  Run run = harness(store.dir, {"report", "--db", "h.db", "--html", "all.html"});
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  CHECK_THAT(run.output, Contains("total over 3 run(s)"));  // --format text still on stdout
  CHECK_THAT(run.output, Contains("wrote all.html"));
  std::string html = read(store.dir / "all.html");
  check_self_contained(html);

  Chromium page = chromium(store.dir / "all.html", "--dump-dom", store.dir);
  INFO(page.log);
  CHECK(console_lines(page.log).empty());
  auto found = charts(page.dom);
  for (const char* id : {"verdicts-0", "verdicts-1", "verdicts-2", "verdicts-total", "splits-0", "splits-2",
                         "pass-at-k", "learning-curve-2", "epoch-entropy", "epoch-new-solved", "time-per-proof",
                         "novelty-0"}) {
    INFO(id);
    REQUIRE(found.count(id));
    CHECK(found[id] > 0);
  }
  for (const auto& [id, marks] : found) {
    INFO(id);
    CHECK(marks > 0);  // no chart is drawn without data
  }
  // The renderer's own count agrees with the marks the browser parsed.
  std::smatch m;
  REQUIRE(std::regex_search(page.dom, m, std::regex("id=\"chart-verdicts-total\" data-marks=\"([0-9]+)\"")));
  CHECK(m[1] == "7");
  CHECK_THAT(page.dom, Contains("<h3 id=\"timed-out\">"));
  CHECK(page.dom.find("no timeouts in these runs") == std::string::npos);
  CHECK_THAT(page.dom, Contains("give exactly two runs"));

  // It draws: a screenshot of the page, kept where HARNESS_REPORT_HTML_SCREENSHOT says.
  fs::path png = store.dir / "report.png";
  chromium(store.dir / "all.html", fmt::format("--window-size=1200,900 --hide-scrollbars --screenshot={}", png.string()),
           store.dir);
  std::string bytes = read(png);
  REQUIRE(bytes.size() > 10'000);
  CHECK(bytes.substr(1, 3) == "PNG");
  if (const char* keep = std::getenv("HARNESS_REPORT_HTML_SCREENSHOT")) fs::copy_file(png, keep, fs::copy_options::overwrite_existing);

  // Two runs: compared by the tasks one solved and the other did not.
  run = harness(store.dir, {"report", "--db", "h.db", "--run", store.uuids[0], "--run", store.uuids[1], "--html",
                                "cmp.html", "--format", "json"});
  REQUIRE(run.exit_code == 0);
  CHECK(json::parse(run.output.substr(run.output.find('{'), run.output.rfind('}') + 1 - run.output.find('{')))["runs"].size() == 2);
  html = read(store.dir / "cmp.html");
  check_self_contained(html);
  page = chromium(store.dir / "cmp.html", "--dump-dom", store.dir);
  INFO(page.log);
  CHECK(console_lines(page.log).empty());
  CHECK(charts(page.dom).count("verdicts-1"));
  CHECK(charts(page.dom).count("learning-curve-0") == 0);
  CHECK_THAT(page.dom, Contains("no search epochs in these runs"));

  auto first = page.dom.find("<h3 id=\"only-first\">");
  auto second = page.dom.find("<h3 id=\"only-second\">");
  REQUIRE(first != std::string::npos);
  REQUIRE(second != std::string::npos);
  std::string only_first = page.dom.substr(first, second - first);
  std::string only_second = page.dom.substr(second, page.dom.find("</section>", second) - second);
  size_t listed_first = 0, listed_second = 0;
  for (size_t i = 0; i < store.tasks.size(); ++i) {
    bool a = outcome(i, 0) == Outcome::pass, b = outcome(i, 1) == Outcome::pass;
    std::string cell = "<td>" + store.tasks[i].name + "</td>";
    INFO(store.tasks[i].name);
    CHECK((only_first.find(cell) != std::string::npos) == (a && !b));
    CHECK((only_second.find(cell) != std::string::npos) == (b && !a));
    listed_first += a && !b;
    listed_second += b && !a;
  }
  CHECK(listed_first > 0);
  CHECK(listed_second > 0);
  CHECK_THAT(only_first, Contains(fmt::format("({})</h3>", listed_first)));
}

TEST_CASE("report --html: the console check sees a page that logs, and a bad path is named",
          "[e2e][report-html]") {
  require_chromium();
  test_support::TempDir tmp{"harness-report-html-control"};
  // The control: a page that does log is caught by the same check.
  auto page = tmp.write("logs.html", "<!DOCTYPE html><html><body><script>console.error('boom')</script></body></html>");
  CHECK(console_lines(chromium(page, "--dump-dom", tmp.path()).log).size() == 1);
  tmp.write("in.jsonl", json{{"name", "a"}, {"formal_statement", "theorem a : True := by\n"},
                              {"proof", "  trivial\n"}}.dump() + "\n");
  Run scored = harness(tmp.path(), {"score", "in.jsonl", "--db", "h.db", "--repl", FAKE_REPL_PATH, "--sandbox",
                                    "none", "--no-progress"});
  REQUIRE(scored.exit_code == 0);
  Run bad = harness(tmp.path(), {"report", "--db", "h.db", "--html", "no/such/dir/r.html"});
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.output, Contains("--html no/such/dir/r.html: cannot write the report"));
}
