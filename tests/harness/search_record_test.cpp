// What a search run records of its settings and what `search --resume` reads back, both made
// from the settings tables (settings_tables.hpp: search_record, restore_search): every option of
// the search and remote-policy tables goes through record → read-back unchanged, and a run
// recorded by earlier versions still resumes.
#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "harness/settings_tables.hpp"

using namespace harness;
using namespace harness::settings;
using nlohmann::json;

namespace {

// The options of the search and remote-policy tables that a run does not record: how a run is
// started, not what it samples and learns.
const std::set<std::string> kNotRecorded = {"--resume"};

// The "search" object of a run's settings as `harness search` recorded it before the record was
// made from the tables (every value but header, policy and epochs given and not the default):
// runs like it are in users' stores.
const char* kOldRecord = R"({"api_key_env": "MY_KEY", "concurrency": 3, "curriculum": "uniform",
  "endpoint": "chat", "epochs": 0, "evaluate": false, "expansions": 5, "forbid": ["extra.rules"],
  "header": null, "kernel_replay": true, "learning_rate": 0.125, "max_tokens": 100,
  "mode": "whole", "model": "m1", "out": "r.jsonl", "policy": "builtin",
  "prompt_template": "plain", "request_timeout_s": 12.5, "retries": 1, "samples": 2,
  "samples_per_request": 2, "search_seconds": 7.5, "seed": 9, "shaping": "length",
  "tactic_timeout_s": 2.5, "tasks": "/data/tasks.jsonl", "temperature": 0.7, "timeout_s": 30.0,
  "top_p": 0.5, "train_split": "valid", "vocabulary": "mathlib", "width": 2})";

// Sets the row's field of `target` to a value the option takes that is not its default.
template <class S>
void set_other_than_default(const Setting<S>& setting, S& target) {
  const S defaults{};
  const Spec& spec = setting.spec;
  std::vector<std::string> candidates;
  if (spec.kind == Kind::flag) {
    candidates = {""};
  } else if (!spec.check.choices.empty()) {
    candidates = spec.check.choices;
  } else if (spec.kind == Kind::text || spec.kind == Kind::list) {
    candidates = {"given-" + spec.key};
  } else {
    candidates = {"7", "3", "1", "0", "2.5", "0.5"};
  }
  for (const auto& text : candidates) {
    S trial = target;
    try {
      setting.reset(trial);
      setting.set(trial, text);
      if (spec.kind == Kind::list) setting.set(trial, text + "-2");
    } catch (const SettingError&) {
      continue;
    }
    if (setting.show(trial) != setting.show(defaults)) {
      target = trial;
      return;
    }
  }
  FAIL("no value other than the default for " << spec.names);
}

// Every keyed row of the three groups a search run records, as (key, shown value) of `s`.
std::map<std::string, std::string> shown_recorded(const SearchSettings& s) {
  std::map<std::string, std::string> out;
  auto add = [&](const auto& group, const auto& target) {
    for (const auto& setting : group.settings) {
      if (!setting.spec.key.empty()) out[setting.spec.key] = setting.show(target);
    }
  };
  add(search_group(), s);
  add(remote_policy_group(), s);
  add(engine_group(), static_cast<const EngineSettings&>(s));
  return out;
}

}  // namespace

TEST_CASE("every option of the search tables is recorded, under a key of its own") {
  std::set<std::string> keys;
  auto check_group = [&](const auto& group, bool all) {
    for (const auto& setting : group.settings) {
      const Spec& spec = setting.spec;
      INFO(group.name << " " << spec.names);
      if (kNotRecorded.count(primary_name(spec))) {
        CHECK(spec.key.empty());
        continue;
      }
      if (all) CHECK_FALSE(spec.key.empty());
      if (!spec.key.empty()) CHECK(keys.insert(spec.key).second);
    }
  };
  check_group(search_group(), true);
  check_group(remote_policy_group(), true);
  check_group(engine_group(), false);  // the Lean side: only what changes verdicts
  CHECK(search_record(SearchSettings{}).size() == keys.size());
}

TEST_CASE("record then read back gives every option of the search tables its value") {
  SearchSettings given;
  auto set_all = [&](const auto& group, auto& target) {
    for (const auto& setting : group.settings) {
      if (!setting.spec.key.empty()) set_other_than_default(setting, target);
    }
  };
  set_all(search_group(), given);
  set_all(remote_policy_group(), given);
  set_all(engine_group(), static_cast<EngineSettings&>(given));

  json recorded = search_record(given);
  // Through the text the store holds.
  json stored = json::parse(recorded.dump());
  SearchSettings resumed;
  restore_search(resumed, stored);

  auto want = shown_recorded(given);
  auto got = shown_recorded(resumed);
  auto defaults = shown_recorded(SearchSettings{});
  for (const auto& [key, value] : want) {
    INFO(key);
    CHECK(value != defaults.at(key));  // a round trip of a default would prove nothing
    CHECK(got.at(key) == value);
  }
  CHECK(search_record(resumed) == recorded);
}

TEST_CASE("a run recorded by earlier versions resumes with its settings") {
  json old = json::parse(kOldRecord);
  SearchSettings s;
  s.tasks = "other.jsonl";  // the command line's values give way to the recorded ones
  s.remote.top_p = 0.25;
  restore_search(s, old);
  CHECK(s.tasks == "/data/tasks.jsonl");
  CHECK_FALSE(s.header);
  CHECK(s.samples == 2);
  CHECK(s.mode == "whole");
  CHECK_FALSE(s.evaluate);
  CHECK(s.seed == 9);
  CHECK(s.out == "r.jsonl");
  CHECK(s.curriculum == "uniform");
  CHECK(s.train_split == "valid");
  CHECK(s.shaping == "length");
  CHECK(s.expansions == 5);
  CHECK(s.width == 2);
  CHECK(s.search_seconds == 7.5);
  CHECK(s.tactic_timeout_s == 2.5);
  CHECK(s.temperature == 0.7);
  CHECK(s.vocabulary == "mathlib");
  CHECK(s.learning_rate == std::optional<double>(0.125));
  CHECK(s.remote.model == "m1");
  CHECK(s.api_key_env == "MY_KEY");
  CHECK(s.remote.endpoint == "chat");
  CHECK(s.remote.prompt_template == "plain");
  CHECK(s.remote.max_tokens == 100);
  CHECK(s.remote.concurrency == 3);
  CHECK(s.remote.samples_per_request == 2);
  CHECK(s.remote.top_p == 0.5);
  CHECK(s.remote.retries == 1);
  CHECK(s.request_timeout_s == 12.5);
  CHECK(s.timeout_s == 30);
  CHECK(s.kernel_replay);
  CHECK(s.forbid_files == std::vector<std::string>{"extra.rules"});
  // A setting added since (the heartbeat budget) takes its default.
  CHECK(s.heartbeats == SearchSettings{}.heartbeats);
  // Recorded again, it is the record it came from plus the settings added since, at their
  // defaults: the same keys, the same values.
  json expected = old;
  expected["heartbeats"] = SearchSettings{}.heartbeats;
  expected["shard"] = nullptr;  // a run recorded before --shard searched every task
  expected["revisions"] = 0;    // nor revised anything
  expected["revision_template"] = "revise";
  expected["init_from"] = nullptr;  // nor started from traces
  expected["library"] = nullptr;    // nor searched with a lemma library
  expected["library_version"] = "latest";
  expected["grow_library"] = false;
  expected["library_lemmas"] = 8;
  expected["max_rewrite_checks"] = 2000;
  expected["max_lemma_checks"] = 500;
  expected["min_subproof_steps"] = 2;
  expected["library_sizes"] = "plain";
  const ProposeSettings propose;  // nor asked a model for lemmas
  expected["propose"] = propose.url;
  expected["propose_model"] = propose.model;
  expected["propose_endpoint"] = propose.endpoint;
  expected["propose_template"] = propose.prompt;
  expected["propose_api_key_env"] = propose.api_key_env;
  expected["propose_timeout_s"] = propose.timeout_s;
  expected["propose_retries"] = propose.retries;
  expected["propose_max_tokens"] = propose.max_tokens;
  expected["propose_max_proofs"] = propose.max_proofs;
  expected["propose_max_bytes"] = propose.max_bytes;
  CHECK(s.revisions == 0);
  CHECK_FALSE(s.shard);
  CHECK(search_record(s) == expected);
}

TEST_CASE("a key a recorded run lacks takes the option's default") {
  json old = json::parse(kOldRecord);
  old["heartbeats"] = 1000;  // as a run recorded with --heartbeats 1000 holds it
  for (const char* key : {"top_p", "learning_rate", "shaping", "forbid", "kernel_replay"}) {
    old.erase(key);
  }
  SearchSettings s;
  s.remote.top_p = 0.25;
  s.learning_rate = 0.5;
  s.shaping = "novelty";
  s.forbid_files = {"cli.rules"};
  s.kernel_replay = true;
  restore_search(s, old);
  const SearchSettings defaults;
  CHECK(s.remote.top_p == defaults.remote.top_p);
  CHECK_FALSE(s.learning_rate);
  CHECK(s.shaping == "none");
  CHECK(s.forbid_files.empty());
  CHECK_FALSE(s.kernel_replay);
  CHECK(s.remote.model == "m1");  // the keys it has still count
  CHECK(s.heartbeats == 1000);
}

TEST_CASE("read-back: a null optional and a given --out keep the command line's value") {
  json old = json::parse(kOldRecord);
  SearchSettings s;
  s.header = "import Cli";
  s.out = "elsewhere.jsonl";
  restore_search(s, old);
  CHECK(s.header == std::optional<std::string>("import Cli"));
  CHECK(s.out == "elsewhere.jsonl");
}

TEST_CASE("a recorded value of the wrong type is refused naming its key") {
  json old = json::parse(kOldRecord);
  old["samples"] = "many";
  SearchSettings s;
  CHECK_THROWS_WITH(restore_search(s, old),
                    Catch::Contains("recorded setting samples") && Catch::Contains("--samples"));
  CHECK_THROWS_AS(restore_search(s, json::array()), SettingError);
}

TEST_CASE("docs/search.md points to the README's generated tables and keeps no copy of them") {
  auto read = [](const std::string& path) {
    std::ifstream in(std::string(HARNESS_SOURCE_DIR) + "/" + path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  };
  std::string docs = read("docs/search.md");
  std::string readme = read("README.md");
  REQUIRE_FALSE(docs.empty());
  // The links' targets are the README's headings over the generated tables.
  CHECK(docs.find("(../README.md#settings-of-harness-search)") != std::string::npos);
  CHECK(docs.find("(../README.md#settings-of-harness-score)") != std::string::npos);
  CHECK(readme.find("\n### Settings of `harness search`\n") != std::string::npos);
  CHECK(readme.find("\n### Settings of `harness score`\n") != std::string::npos);
  // No settings table, nor a row of one: the options are described in one place.
  CHECK(docs.find("| option | default |") == std::string::npos);
  for (const auto& group : {rows(search_group()), rows(remote_policy_group())}) {
    for (const auto& row : group) {
      INFO(row.spec.names);
      CHECK(docs.find("| " + display_names(row.spec) + " |") == std::string::npos);
    }
  }
}
