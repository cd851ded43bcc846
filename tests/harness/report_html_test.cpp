// `harness report --html`: the figures read from a store (report_data.hpp) and the document
// rendered from them (report_html.hpp), against a store written through store::Store.
#include <catch2/catch.hpp>

#include <filesystem>
#include <regex>

#include <fmt/format.h>

#include "harness/engine.hpp"
#include "harness/report_html.hpp"
#include "store/store.hpp"
#include "tests/support/temp_dir.hpp"

using Catch::Matchers::Contains;
using harness::HtmlReportData;

namespace {

const std::string kHostile = "<script>alert(1)</script>";

store::TaskRecord task(const std::string& id, const std::string& name, const std::string& split) {
  return {id, name, "import Init", "theorem t : True", split};
}

store::AttemptRecord attempt(int64_t run, int64_t line, const store::TaskRecord& t, const std::string& verdict,
                             int64_t ms, const std::string& decided_by = "lean") {
  store::AttemptRecord a;
  a.run_id = run;
  a.line = line;
  a.name = t.name;
  a.task = t;
  a.verdict = verdict;
  a.decided_by = decided_by;
  a.reason = "r";
  if (verdict != "error" && verdict != "invalid") a.reward = verdict == "pass" ? 1.0 : 0.0;
  a.elapsed_ms = ms;
  a.proof = "  trivial";
  return a;
}

int64_t begin(store::Store& db, const std::string& command) {
  return db.begin_run({command, "[]", "toolchain", "repl", "{}", "in.jsonl", std::nullopt, std::nullopt});
}

// Run 1 and 2: score runs; run 3: a search run with two training epochs and an evaluation.
struct Fixture {
  test_support::TempDir tmp{"harness-report-html"};
  store::Store db = store::Store::open(tmp.file("h.db"));
  store::TaskRecord a = task("task-v1:aaaa", kHostile, "valid");
  store::TaskRecord b = task("task-v1:bbbb", "b_task", "test");
  store::TaskRecord c = task("task-v1:cccc", "c_task", "valid");
  store::TaskRecord d = task("task-v1:dddd", "d_slow", "test");
  int64_t first = begin(db, "score");
  int64_t second = begin(db, "score");
  int64_t search = begin(db, "search");

  Fixture() {
    store::AttemptRecord invalid = attempt(first, 6, a, "invalid", 0, "input");
    invalid.name = "broken";
    invalid.task.reset();
    db.record({attempt(first, 1, a, "pass", 12), attempt(first, 2, b, "fail", 30),
               attempt(first, 3, c, "pass", 900), attempt(first, 4, d, "timeout", 5000, "heartbeats"),
               attempt(first, 5, d, "timeout", 7000, "timeout"), invalid});
    db.record({attempt(second, 1, a, "fail", 10), attempt(second, 2, b, "pass", 40),
               attempt(second, 3, c, "pass", 800)});
    db.record({attempt(search, 1, a, "pass", 5), attempt(search, 2, b, "fail", 5)});
    for (int64_t e = 0; e < 3; ++e) {
      store::EpochRecord rec;
      rec.run_id = search;
      rec.epoch = e;
      rec.phase = e < 2 ? "train" : "eval";
      rec.tasks = 2;
      rec.attempts = 4;
      rec.passes = e + 1;
      rec.pass_rate = rec.mean_reward = 0.25 * double(e + 1);
      rec.new_solved = 1;
      rec.seconds = 1.5;
      rec.stats_json = R"({"policy_version":"v","update":{"loss":0.5,"decisions":3}})";
      db.finish_epoch(rec, {{search, e, a.task_id, "valid", 4, e + 1}, {search, e, b.task_id, "test", 4, 0}},
                      std::nullopt);
    }
  }
  HtmlReportData read(std::vector<std::string> runs = {}) const { return harness::read_html_report(db, runs); }
  std::string uuid(int64_t id) const { return db.run(id)->uuid; }
};

// The number an svg of the given id says it holds, -1 when there is no such chart.
int marks(const std::string& html, const std::string& id) {
  std::smatch m;
  std::regex re("<svg class=\"chart\" id=\"chart-" + id + "\" data-marks=\"([0-9]+)\"");
  return std::regex_search(html, m, re) ? std::stoi(m[1]) : -1;
}

}  // namespace

TEST_CASE("html report: a hostile task name is escaped everywhere", "[harness][report-html]") {
  Fixture f;
  std::string html = harness::render_html_report(f.read());
  CHECK(html.find(kHostile) == std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
  CHECK_THAT(html, Contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
  CHECK(harness::html_escape("a&b\"'<>") == "a&amp;b&quot;&#39;&lt;&gt;");
}

TEST_CASE("html report: every section with data draws its charts", "[harness][report-html]") {
  Fixture f;
  std::string html = harness::render_html_report(f.read());
  CHECK(marks(html, "verdicts-0") == 7);  // one bar per verdict
  CHECK(marks(html, "verdicts-total") == 7);
  CHECK(marks(html, "splits-0") == 2);  // test, valid
  CHECK(marks(html, "pass-at-k") > 0);
  CHECK(marks(html, "learning-curve-2") == 3 + 3 + 2);  // pass rate, mean reward (train), eval: line + points
  CHECK(marks(html, "epoch-stats--update-loss") == 3);   // a line and its two points
  CHECK(marks(html, "time-per-proof") > 0);
  for (const char* section : {"runs", "verdicts", "splits", "pass-at-k", "learning-curve", "epoch-series", "time",
                              "compression", "comparison"}) {
    CHECK_THAT(html, Contains(fmt::format("<section id=\"{}\">", section)));
  }
  // d_slow timed out twice, once decided by Lean's heartbeats; it is also the slowest.
  CHECK_THAT(html, Contains("<td>d_slow</td><td>task-v1:dddd</td>"));
  auto timed_out = harness::most_timed_out(f.read().runs, 10);
  REQUIRE(timed_out.size() == 1);
  CHECK(timed_out[0].timeouts == 2);
  CHECK(timed_out[0].heartbeats == 1);
  CHECK(harness::slowest_tasks(f.read().runs, 1).at(0).max_ms == 7000);
  CHECK_THAT(html, Contains("no compression metrics computed"));
  CHECK_THAT(html, Contains("give exactly two runs"));
}

TEST_CASE("html report: sections without data say so instead of drawing", "[harness][report-html]") {
  Fixture f;
  std::string html = harness::render_html_report(f.read({f.uuid(f.first)}));
  CHECK_THAT(html, Contains("no search epochs in these runs"));
  CHECK(marks(html, "learning-curve-0") == -1);
  CHECK(marks(html, "verdicts-total") == -1);  // one run: no total chart

  test_support::TempDir empty_dir{"harness-report-html-empty"};
  auto empty = store::Store::open(empty_dir.file("e.db"));
  std::string none = harness::render_html_report(harness::read_html_report(empty, {}));
  CHECK_THAT(none, Contains("no runs in this store"));
  CHECK_THAT(none, Contains("no attempts in these runs"));
  CHECK_THAT(none, Contains("no checked attempts in these runs"));
  CHECK(none.find("<svg") == std::string::npos);
}

TEST_CASE("html report: two runs are compared by the tasks one solved and the other did not",
          "[harness][report-html]") {
  Fixture f;
  auto data = f.read({f.uuid(f.first), f.uuid(f.second)});
  auto c = harness::compare_solved(data.runs[0], data.runs[1]);
  CHECK(c.only_first == std::vector<harness::SolvedTask>{{kHostile, "task-v1:aaaa"}});
  CHECK(c.only_second == std::vector<harness::SolvedTask>{{"b_task", "task-v1:bbbb"}});
  CHECK(c.both == 1);
  std::string html = harness::render_html_report(data);
  auto first = html.find("<h3 id=\"only-first\">");
  auto second = html.find("<h3 id=\"only-second\">");
  REQUIRE(first != std::string::npos);
  REQUIRE(second != std::string::npos);
  std::string only_first = html.substr(first, second - first);
  CHECK_THAT(only_first, Contains("(1)</h3>"));
  CHECK_THAT(only_first, Contains("<td>&lt;script&gt;alert(1)&lt;/script&gt;</td><td>task-v1:aaaa</td>"));
  CHECK_THAT(html.substr(second), Contains("<td>b_task</td><td>task-v1:bbbb</td>"));
  CHECK_THAT(html, Contains("solved by both: 1"));
}

TEST_CASE("html report: pass@k, splits and times from the attempts", "[harness][report-html]") {
  Fixture f;
  auto data = f.read();
  // Run 1: d has two rewarded attempts, neither passed; a and c passed their one; b failed.
  auto first = harness::pass_at_k(data.runs[0]);
  REQUIRE(first.count("valid"));
  CHECK(first["valid"].size() == 1);
  CHECK(first["valid"][0].y == Approx(1.0));
  REQUIRE(first["test"].size() == 2);  // k = 1, 2
  CHECK(first["test"][0].y == Approx(0.0));
  // The search run: from its evaluation epoch's samples, a 3 of 4, b 0 of 4.
  auto search = harness::pass_at_k(data.runs[2]);
  REQUIRE(search["valid"].size() == 3);  // k = 1, 2, 4
  CHECK(search["valid"][0].y == Approx(0.75));
  CHECK(search["valid"][2].y == Approx(1.0));
  auto splits = harness::split_stats(data.runs[0].attempts);
  REQUIRE(splits.size() == 2);  // the invalid line has no task
  CHECK(splits[0].split == "test");
  CHECK(splits[0].tasks == 2);
  CHECK(splits[0].solved == 0);
  CHECK(splits[1].solved == 2);
  auto bins = harness::time_histogram({data.runs[0]});
  REQUIRE(bins.size() == 9);  // 10-20 ms up to 5-10 s
  CHECK(bins.front().label == "10-20 ms");
  CHECK(bins.front().count == 1);
  CHECK(bins.back().label == "5-10 s");
  CHECK(bins.back().count == 2);
  CHECK(harness::time_quantile(data.runs[0], 0.5) == 900);  // of 12, 30, 900, 5000, 7000
  auto ticks = harness::nice_ticks(0.9);
  CHECK(ticks.size() == 6);  // 0, 0.2 ... 1.0
  CHECK(ticks.back() == Approx(1.0));
  auto below = harness::nice_ticks(-0.3, 0.9);  // a series that goes below 0: -0.5, 0, 0.5, 1
  CHECK(below.size() == 4);
  CHECK(below.front() == Approx(-0.5));
  CHECK(below.back() == Approx(1.0));
  auto chart = harness::render_line_chart(
      {"neg", "loss", "epoch", "", {{"loss", {{0, -0.3}, {1, 0.9}}}}, std::nullopt, harness::XScale::linear});
  CHECK_THAT(chart, Contains(">-0.5</text>"));
}

TEST_CASE("html report: compression metrics are tabulated and their proofs charted", "[harness][report-html]") {
  Fixture f;
  store::MetricsComputation computation{.scope = store::metrics_scope(f.first), .params_json = "{}",
                                        .summary_json = R"({"proofs":2,"mean_novelty":0.4})"};
  f.db.record_metrics(computation, {},
                      {{.run_id = f.first, .line = 1, .bytes = 9, .c = 10, .c_given_library = 3, .novelty = 0.3},
                       {.run_id = f.first, .line = 3, .bytes = 9, .c = 10, .c_given_library = 5, .novelty = 0.5}},
                      {{.task_id = f.a.task_id, .proofs = 2, .diversity = 0.25}},
                      {{.name = "lemma_" + kHostile, .reuse = 4, .method = "text"}});
  std::string html = harness::render_html_report(f.read({f.uuid(f.first)}));
  CHECK(marks(html, "novelty-0") == 6);  // bins 0.0-0.1 to 0.5-0.6
  CHECK_THAT(html, Contains("<td>mean_novelty</td><td>0.4</td>"));
  CHECK_THAT(html, Contains("<td>lemma_&lt;script&gt;alert(1)&lt;/script&gt;</td><td class=\"n\">4</td>"));
  CHECK(html.find("<script") == std::string::npos);
}

TEST_CASE("html report: a file that cannot be written is named", "[harness][report-html]") {
  test_support::TempDir tmp{"harness-report-html-write"};
  std::string path = tmp.file("no-such-dir/r.html");
  CHECK_THROWS_WITH(harness::write_html_report(path, "<p>x</p>"),
                    Contains("--html " + path + ": cannot write the report"));
  std::string ok = tmp.file("r.html");
  harness::write_html_report(ok, "<p>x</p>");
  CHECK(std::filesystem::file_size(ok) == 8);
  CHECK_FALSE(std::filesystem::exists(ok + ".tmp"));
}

TEST_CASE("html report: an epoch's library size and description length are series when it has them",
          "[harness][report-html]") {
  std::vector<store::EpochRecord> epochs(2);
  for (int64_t e = 0; e < 2; ++e) {
    epochs[e].epoch = e;
    epochs[e].phase = "train";
  }
  auto plain = harness::epoch_series(epochs);
  CHECK(plain.count("library size") == 0);
  CHECK(plain.count("description bytes") == 0);
  epochs[1].library_size = 3;
  epochs[1].description_bytes = 900;
  auto grown = harness::epoch_series(epochs);
  REQUIRE(grown.count("library size") == 1);
  REQUIRE(grown["library size"].size() == 1);  // only the epoch that has it
  CHECK(grown["library size"][0].x == 1);
  CHECK(grown["library size"][0].y == 3);
  REQUIRE(grown["description bytes"].size() == 1);
  CHECK(grown["description bytes"][0].y == 900);
  CHECK(grown.size() == plain.size() + 2);
}
