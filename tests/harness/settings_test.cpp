// The settings tables (harness/settings_tables.cpp) as the command line reads them: defaults,
// checks and their messages, environment variables, flags, lists; and the README's generated
// sections (settings tables, exit statuses, commands) against the declarations.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <CLI/CLI.hpp>

#include "harness/commands.hpp"
#include "harness/exit_codes.hpp"
#include "harness/settings_cli.hpp"
#include "harness/settings_tables.hpp"

using namespace harness;
using namespace harness::settings;
namespace settings = harness::settings;

namespace {

// Parses `args` (without the program name) into S with the given groups; returns the error
// message of a refused command line, or "" when it parsed.
template <class S, class... Groups>
std::string parse(S& s, std::vector<std::string> args, const Groups&... groups) {
  CLI::App app{"test"};
  (add_settings(app, groups, s), ...);
  std::reverse(args.begin(), args.end());  // CLI11 takes a reversed vector
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return e.what();
  }
  return "";
}

std::string parse_score(ScoreSettings& s, std::vector<std::string> args) {
  args.insert(args.begin(), "in.jsonl");
  return parse(s, args, score_group(), engine_group());
}

std::string parse_search(SearchSettings& s, std::vector<std::string> args) {
  return parse(s, args, search_group(), remote_policy_group(), engine_group());
}

// Sets an environment variable for one scope.
struct ScopedEnv {
  std::string name;
  ScopedEnv(std::string n, const char* value) : name(std::move(n)) { setenv(name.c_str(), value, 1); }
  ~ScopedEnv() { unsetenv(name.c_str()); }
};

template <class S, class Target>
std::vector<std::string> shown(const Group<S>& group, const Target& s) {
  std::vector<std::string> out;
  for (const auto& setting : group.settings) out.push_back(setting.show(static_cast<const S&>(s)));
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("a command line without options leaves every setting at its struct default") {
  unsetenv("HARNESS_SANDBOX");
  ScoreSettings score;
  REQUIRE(parse_score(score, {}) == "");
  ScoreSettings expected;
  expected.input = "in.jsonl";  // the positional every score command line has
  CHECK(shown(score_group(), score) == shown(score_group(), expected));
  CHECK(shown(engine_group(), score) == shown(engine_group(), expected));
  CHECK(score.timeout_s == 60);
  CHECK(score.heartbeats == 400000);
  CHECK(score.sandbox == "bwrap");
  CHECK(score.use_cache);
  CHECK(score.progress);

  SearchSettings search;
  REQUIRE(parse_search(search, {}) == "");
  CHECK(shown(search_group(), search) == shown(search_group(), SearchSettings{}));
  CHECK(shown(remote_policy_group(), search) == shown(remote_policy_group(), SearchSettings{}));
  CHECK(search.remote.samples_per_request == 16);
  CHECK(search.evaluate);

  MetricsSettings metrics;
  REQUIRE(parse(metrics, {}, metrics_group()) == "");
  CHECK(metrics.format == "table");
  DoctorSettings doctor;
  REQUIRE(parse(doctor, {}, doctor_group()) == "");
  CHECK(doctor.timeout_s == 120);
}

TEST_CASE("each option sets its field") {
  ScoreSettings s;
  REQUIRE(parse_score(s, {"--timeout", "2.5", "-j", "3", "--out", "o.jsonl", "--header", "import X",
                          "--strict", "--canary", "4", "--no-cache", "--no-progress",
                          "--kernel-replay", "--used-constants", "--max-tries", "5",
                          "--forbid", "a.rules", "--forbid", "b.rules", "--heartbeats",
                          "1000"}) == "");
  CHECK(s.heartbeats == 1000);
  CHECK(s.timeout_s == 2.5);
  CHECK(s.workers == 3);
  CHECK(s.out == "o.jsonl");
  CHECK(s.header == std::optional<std::string>("import X"));
  CHECK(s.strict);
  CHECK(s.canaries == 4);
  CHECK_FALSE(s.use_cache);
  CHECK_FALSE(s.progress);
  CHECK(s.kernel_replay);
  CHECK(s.used_constants);
  CHECK(s.max_tries == 5);
  CHECK(s.forbid_files == std::vector<std::string>{"a.rules", "b.rules"});

  SearchSettings t;
  REQUIRE(parse_search(t, {"--samples-per-request", "1", "--top-p", "0.5", "--seed",
                           "18446744073709551615", "--no-eval", "--learning-rate", "0.01",
                           "--mode", "step", "-k", "2", "--resume", "latest"}) == "");
  CHECK(t.remote.samples_per_request == 1);
  CHECK(t.remote.top_p == 0.5);
  CHECK(t.seed == UINT64_MAX);
  CHECK_FALSE(t.evaluate);
  CHECK(t.learning_rate == std::optional<double>(0.01));
  CHECK(t.mode == "step");
  CHECK(t.samples == 2);
  CHECK(t.resume == std::optional<std::string>("latest"));
}

TEST_CASE("an option given twice takes the last value") {
  ScoreSettings s;
  REQUIRE(parse_score(s, {"--timeout", "5", "--timeout", "7"}) == "");
  CHECK(s.timeout_s == 7);
}

TEST_CASE("a value an option does not take is refused in one short line naming the option") {
  ScoreSettings s;
  CHECK(parse_score(s, {"--timeout", "abc"}) == "--timeout: expected a number greater than 0, got 'abc'");
  CHECK(parse_score(s, {"--timeout", "0"}) == "--timeout: expected a number greater than 0, got '0'");
  CHECK(parse_score(s, {"--timeout", "1e999"}) ==
        "--timeout: expected a number greater than 0, got '1e999'");
  CHECK(parse_score(s, {"--timeout", "nan"}) == "--timeout: expected a number greater than 0, got 'nan'");
  CHECK(parse_score(s, {"--workers", "0"}) ==
        "--workers: expected a whole number from 1 to 1024, got '0'");
  CHECK(parse_score(s, {"-j", "2.5"}) == "--workers: expected a whole number from 1 to 1024, got '2.5'");
  CHECK(parse_score(s, {"--memory-mb", "-1"}) ==
        "--memory-mb: expected a whole number at least 0, got '-1'");
  CHECK(parse_score(s, {"--memory-mb", "99999999999999"}) ==
        "--memory-mb: 99999999999999 is out of range");
  CHECK(parse_score(s, {"--sandbox", "docker"}) == "--sandbox: expected bwrap or none, got 'docker'");
  // 0 would be "no limit" for Lean: inside the harness every check has a budget.
  CHECK(parse_score(s, {"--heartbeats", "0"}) ==
        "--heartbeats: expected a whole number at least 1, got '0'");
  SearchSettings t;
  CHECK(parse_search(t, {"--seed", "-1"}) == "--seed: expected a whole number, 0 or more, got '-1'");
  CHECK(parse_search(t, {"--top-p", "1.5"}) == "--top-p: expected a number from 0 to 1, got '1.5'");
  CHECK(parse_search(t, {"--shaping", "x"}) ==
        "--shaping: expected none, length or novelty, got 'x'");
}

TEST_CASE("an option's environment variable applies when the option is absent") {
  {
    ScopedEnv env("HARNESS_SANDBOX", "none");
    ScoreSettings s;
    REQUIRE(parse_score(s, {}) == "");
    CHECK(s.sandbox == "none");
    ScoreSettings given;
    REQUIRE(parse_score(given, {"--sandbox", "bwrap"}) == "");
    CHECK(given.sandbox == "bwrap");
    DoctorSettings d;
    REQUIRE(parse(d, {}, doctor_group()) == "");
    CHECK(d.sandbox == "none");
  }
  ScopedEnv env("HARNESS_SANDBOX", "chroot");
  ScoreSettings s;
  CHECK(parse_score(s, {}) == "--sandbox: expected bwrap or none, got 'chroot' (from HARNESS_SANDBOX)");
  ScoreSettings given;
  CHECK(parse_score(given, {"--sandbox", "jail"}) == "--sandbox: expected bwrap or none, got 'jail'");
}

TEST_CASE("every row is complete and its default is what the struct holds") {
  for (const auto& group : all_groups()) {
    std::set<std::string> names;
    for (const auto& row : group.rows) {
      INFO(group.name << " " << row.spec.names);
      CHECK(names.insert(primary_name(row.spec)).second);
      CHECK_FALSE(row.spec.help.empty());
      if (row.spec.kind == Kind::flag) {
        // A flag turns something on (field false by default) or off (an inverted flag, whose
        // field is true by default): either way the flag is off unless given.
        CHECK(row.default_value == (row.spec.inverted ? "on" : "off"));
        CHECK(row.spec.value.empty());
      } else {
        CHECK_FALSE(row.spec.value.empty());
      }
    }
  }
  auto engine = rows(engine_group());
  auto find = [&](const std::vector<settings::Row>& rs, const std::string& name) {
    for (const auto& r : rs) {
      if (primary_name(r.spec) == name) return r;
    }
    FAIL("no row " << name);
    return rs.front();
  };
  CHECK(default_markdown(find(engine, "--timeout")) == "60");
  CHECK(default_markdown(find(engine, "--db")) == "`harness.db`");
  CHECK(default_markdown(find(engine, "--workers")) == "number of cores");
  CHECK(default_markdown(find(engine, "--no-cache")) == "off");
  // INPUT is required unless --resume names a run, whose record gives it.
  CHECK(default_markdown(find(rows(score_group()), "input")) == "none");
  CHECK_THAT(find(rows(score_group()), "input").spec.help, Catch::Contains("required unless --resume"));
  CHECK(default_markdown(find(rows(remote_policy_group()), "--top-p")) == "0.95");
  CHECK(default_markdown(find(rows(remote_policy_group()), "--model")) == "none");
}

TEST_CASE("a settings table reads as Markdown: option, default, meaning") {
  std::string table = markdown_table(rows(engine_group()));
  CHECK(table.rfind("| option | default | meaning |\n|---|---|---|\n", 0) == 0);
  CHECK(table.find("| `--timeout S` | 60 | Wall-clock seconds per proof; header time never counts |\n") !=
        std::string::npos);
  CHECK(table.find("| `--workers N` (`-j`) | number of cores | ") != std::string::npos);
  CHECK(table.find("(from 1 to 1024) |") != std::string::npos);
  CHECK(table.find("| `--sandbox MODE` | `bwrap` | ") != std::string::npos);
  CHECK(table.find("(one of: bwrap, none); also `HARNESS_SANDBOX` |") != std::string::npos);
  CHECK(table.find("| `--used-constants` | off | ") != std::string::npos);
  std::string search = markdown_table(rows(search_group()));
  // A | inside a cell is escaped so the row keeps its three columns.
  for (size_t at = 0, line_start = 0; (at = search.find('\n', line_start)) != std::string::npos;
       line_start = at + 1) {
    std::string line = search.substr(line_start, at - line_start);
    size_t bars = 0;
    for (size_t i = 0; i < line.size(); ++i) bars += line[i] == '|' && (i == 0 || line[i - 1] != '\\');
    CHECK(bars == 4);
  }
}

TEST_CASE("README.md's settings tables, exit statuses and command list are the declared ones") {
  std::string readme = read_file(std::string(HARNESS_SOURCE_DIR) + "/README.md");
  REQUIRE_FALSE(readme.empty());
  ReadmeUpdate update = update_readme(readme);
  INFO("Regenerate them with: build/harness/harness settings --update-readme README.md");
  CHECK(update.missing.empty());
  CHECK(update.changed.empty());
  CHECK(readme.find("| `--used-constants` | off |") != std::string::npos);
  CHECK(readme.find("| `--samples-per-request N` | 16 |") != std::string::npos);
  CHECK(readme.find("| 130 | interrupted") != std::string::npos);
  CHECK(readme.find("| `harness doctor` |") != std::string::npos);
}

TEST_CASE("a README whose table disagrees with the declarations is caught and regenerated") {
  std::string readme = read_file(std::string(HARNESS_SOURCE_DIR) + "/README.md");
  std::string stale = readme;
  auto at = stale.find("| `--timeout S` | 60 |");
  REQUIRE(at != std::string::npos);
  stale.replace(at, std::string("| `--timeout S` | 60 |").size(), "| `--timeout S` | 30 |");
  ReadmeUpdate update = update_readme(stale);
  CHECK(update.changed == std::vector<std::string>{"settings-engine"});
  CHECK(update.text == readme);

  std::string without = readme;
  auto begin = without.find("<!-- BEGIN GENERATED exit-codes");
  REQUIRE(begin != std::string::npos);
  without.erase(begin, without.find("<!-- END GENERATED exit-codes -->") - begin);
  CHECK(update_readme(without).missing == std::vector<std::string>{"exit-codes"});
}

TEST_CASE("--help of each command shows each option with its help and default") {
  CLI::App app{"harness"};
  std::vector<std::string> argv{"harness"};
  for (const auto& command : commands()) app.add_subcommand(command.name, command.help);
  auto help_of = [&](const std::string& name) {
    const Command* command = find_command(name);
    REQUIRE(command != nullptr);
    CLI::App sub{command->help, name};
    command->setup(sub, argv);
    return sub.help();
  };
  auto expect = [&](const std::string& command, const std::vector<settings::Row>& rows) {
    std::string help = help_of(command);
    for (const auto& row : rows) {
      INFO(command << " " << row.spec.names << "\n" << help);
      CHECK(help.find(primary_name(row.spec)) != std::string::npos);
      CHECK(help.find(description(row.spec)) != std::string::npos);
      std::string shown = default_text(row);
      if (!shown.empty()) CHECK(help.find("[default: " + shown + "]") != std::string::npos);
      if (!row.spec.env.empty()) CHECK(help.find(row.spec.env) != std::string::npos);
    }
  };
  expect("score", rows(score_group()));
  expect("score", rows(engine_group()));
  expect("search", rows(search_group()));
  expect("search", rows(remote_policy_group()));
  expect("search", rows(engine_group()));
  expect("metrics", rows(metrics_group()));
  expect("doctor", rows(doctor_group()));
}

TEST_CASE("exit statuses are distinct and each has a meaning") {
  std::set<int> codes;
  for (const auto& e : kExitCodes) {
    CHECK(codes.insert(e.code).second);
    CHECK(std::string(e.meaning).size() > 10);
  }
  CHECK(codes == std::set<int>{kExitOk, kExitProblems, kExitUsage, kExitLeanOrStore, kExitCanary,
                               kExitInterrupted});
}

TEST_CASE("a score run's record of its options reads back into a resume, the options given again "
          "winning") {
  ScoreSettings original;
  REQUIRE(parse(original, {"in.jsonl", "--repl", "fake-repl --check-ms 5", "--sandbox", "none",
                           "--timeout", "7", "--forbid", "rules.txt", "--db", "a.db",
                           "--shard", "1/4"},
                score_group(), engine_group()) == "");
  CHECK(original.given.count("--repl") == 1);
  CHECK(original.given.count("--workers") == 0);
  nlohmann::json record = score_options(original);
  // Paths are absolute, so a resume from another folder reads the same files; where the run
  // is found and how progress shows are not part of it.
  CHECK(record.at("input") == std::filesystem::absolute("in.jsonl").lexically_normal().string());
  CHECK(record.at("--forbid").at(0) ==
        std::filesystem::absolute("rules.txt").lexically_normal().string());
  CHECK(record.at("--repl") == "fake-repl --check-ms 5");
  CHECK_FALSE(record.contains("--db"));
  CHECK_FALSE(record.contains("--resume"));
  CHECK_FALSE(record.contains("--no-progress"));

  ScoreSettings resumed;
  REQUIRE(parse(resumed, {"--resume", "latest", "--db", "a.db", "--timeout", "9"}, score_group(),
                engine_group()) == "");
  restore_score_options(resumed, record);
  CHECK(resumed.repl == std::optional<std::string>("fake-repl --check-ms 5"));
  CHECK(resumed.sandbox == "none");
  CHECK(resumed.shard == std::optional<std::string>("1/4"));
  CHECK(resumed.input == record.at("input").get<std::string>());
  CHECK(resumed.timeout_s == 9);  // given again: it wins
  CHECK(resumed.resume == std::optional<std::string>("latest"));

  // A recorded value of the wrong type is refused, naming the option.
  record["--timeout"] = "soon";
  ScoreSettings bad;
  REQUIRE(parse(bad, {"--resume", "latest"}, score_group(), engine_group()) == "");
  CHECK_THROWS_WITH(restore_score_options(bad, record), Catch::Contains("--timeout"));
}

TEST_CASE("a search run records the engine options its search record lacks, and a resume takes "
          "them") {
  SearchSettings original;
  REQUIRE(parse(original, {"--tasks", "t.jsonl", "--repl", "r --x", "--workspace", "ws"},
                search_group(), remote_policy_group(), engine_group()) == "");
  nlohmann::json record = engine_options(original);
  CHECK(record.at("--repl") == "r --x");
  CHECK(record.at("--workspace") == std::filesystem::absolute("ws").lexically_normal().string());
  CHECK_FALSE(record.contains("--timeout"));  // the search record holds it, by key
  SearchSettings resumed;
  REQUIRE(parse(resumed, {"--resume", "latest"}, search_group(), remote_policy_group(),
                engine_group()) == "");
  restore_engine_options(resumed, record);
  CHECK(resumed.repl == std::optional<std::string>("r --x"));
  CHECK(resumed.workspace == record.at("--workspace").get<std::string>());
}
