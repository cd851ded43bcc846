#pragma once
// What a finished `harness search` run left in its store, for the end-to-end tests: the latest
// search run's summary (runs.summary) and pass@1 of a split in its final evaluation.
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "store/store.hpp"

namespace test_support {

inline nlohmann::json search_summary(const store::Store& db) {
  auto run = db.latest_run("search");
  REQUIRE(run);
  REQUIRE(run->summary_json);
  return nlohmann::json::parse(*run->summary_json);
}

inline nlohmann::json search_summary(const std::string& db_path) {
  return search_summary(store::Store::open(db_path));
}

// pass@1 (unbiased) of a split in the run's final evaluation.
inline double pass_at_1(const nlohmann::json& summary, const std::string& split) {
  for (const auto& row : summary.at("pass_at_k").at(split)) {
    if (row.at("k") == 1) return row.at("unbiased").get<double>();
  }
  FAIL("no pass@1 row for " << split);
  return -1;
}

}  // namespace test_support
