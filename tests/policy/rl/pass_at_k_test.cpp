#include "policy/rl/pass_at_k.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <stdexcept>

using policy::rl::any_of_k;
using policy::rl::pass_at_k_table;
using policy::rl::pass_at_k_tables_by_split;
using policy::rl::pass_at_k_unbiased;
using policy::rl::pass_k_values;
using policy::rl::TaskOutcome;
using policy::rl::try_pass_at_k_unbiased;

namespace {

// 1 - C(n-c,k)/C(n,k) by counting the k-subsets of n samples (c of them passing) that hold no
// pass: only for tiny n.
double pass_at_k_by_enumeration(int n, int c, int k) {
  int subsets = 0;
  int without_pass = 0;
  for (unsigned mask = 0; mask < (1u << n); ++mask) {
    if (__builtin_popcount(mask) != k) continue;
    ++subsets;
    if ((mask & ((1u << c) - 1)) == 0) ++without_pass;  // samples 0..c-1 are the passes
  }
  return 1.0 - static_cast<double>(without_pass) / subsets;
}

}  // namespace

TEST_CASE("pass@k unbiased equals the share of k-subsets holding a pass") {
  for (int n = 1; n <= 10; ++n) {
    for (int c = 0; c <= n; ++c) {
      for (int k = 1; k <= n; ++k) {
        INFO("n=" << n << " c=" << c << " k=" << k);
        CHECK(pass_at_k_unbiased(n, c, k) == Approx(pass_at_k_by_enumeration(n, c, k)).margin(1e-12));
      }
    }
  }
}

TEST_CASE("pass@k unbiased on known values") {
  CHECK(pass_at_k_unbiased(10, 1, 1) == Approx(0.1));
  CHECK(pass_at_k_unbiased(10, 5, 2) == Approx(1.0 - 10.0 / 45.0));
  CHECK(pass_at_k_unbiased(100, 0, 10) == 0.0);
  CHECK(pass_at_k_unbiased(100, 100, 1) == 1.0);
  CHECK(pass_at_k_unbiased(100, 91, 10) == 1.0);  // n - c < k: every 10-subset holds a pass
  CHECK(pass_at_k_unbiased(8, 3, 8) == 1.0);
  // pass@1 is the pass rate.
  CHECK(pass_at_k_unbiased(64, 17, 1) == Approx(17.0 / 64.0));
}

TEST_CASE("pass@k unbiased stays finite and accurate for n up to a million") {
  const std::int64_t n = 1'000'000;
  double one = pass_at_k_unbiased(n, 1, 1);
  CHECK(one == Approx(1e-6).epsilon(1e-12));
  // One pass among n: a k-subset holds it with probability k/n.
  CHECK(pass_at_k_unbiased(n, 1, 1000) == Approx(1e-3).epsilon(1e-9));
  CHECK(pass_at_k_unbiased(n, 1, n) == 1.0);
  double half = pass_at_k_unbiased(n, n / 2, 1000);
  CHECK(std::isfinite(half));
  CHECK(half == Approx(1.0));
  double many = pass_at_k_unbiased(n, 1000, 500'000);
  CHECK(std::isfinite(many));
  CHECK(many >= 0.0);
  CHECK(many <= 1.0);
  // Monotone in k.
  double previous = 0;
  for (std::int64_t k : {1, 2, 4, 8, 16, 1024, 65536}) {
    double value = pass_at_k_unbiased(n, 3, k);
    CHECK(value > previous);
    previous = value;
  }
}

TEST_CASE("pass@k unbiased rejects counts outside its preconditions") {
  CHECK_THROWS_AS(pass_at_k_unbiased(10, 11, 1), std::invalid_argument);
  CHECK_THROWS_AS(pass_at_k_unbiased(10, -1, 1), std::invalid_argument);
  CHECK_THROWS_AS(pass_at_k_unbiased(10, 1, 0), std::invalid_argument);
  CHECK_THROWS_AS(pass_at_k_unbiased(10, 1, 11), std::invalid_argument);
  CHECK_THROWS_AS(pass_at_k_unbiased(0, 0, 1), std::invalid_argument);
}

TEST_CASE("try_pass_at_k_unbiased gives nullopt when there are fewer samples than k") {
  CHECK_FALSE(try_pass_at_k_unbiased(3, 1, 4).has_value());
  CHECK_FALSE(try_pass_at_k_unbiased(0, 0, 1).has_value());
  REQUIRE(try_pass_at_k_unbiased(4, 1, 4).has_value());
  CHECK(*try_pass_at_k_unbiased(4, 1, 4) == 1.0);
  CHECK_THROWS_AS(try_pass_at_k_unbiased(3, 4, 1), std::invalid_argument);
  CHECK_THROWS_AS(try_pass_at_k_unbiased(3, 1, 0), std::invalid_argument);
}

TEST_CASE("any_of_k looks at the first k samples in order") {
  std::vector<bool> passes = {false, false, true, false};
  CHECK_FALSE(any_of_k(passes, 1));
  CHECK_FALSE(any_of_k(passes, 2));
  CHECK(any_of_k(passes, 3));
  CHECK(any_of_k(passes, 4));
  CHECK_THROWS_AS(any_of_k(passes, 5), std::invalid_argument);
  CHECK_THROWS_AS(any_of_k(passes, 0), std::invalid_argument);
}

TEST_CASE("pass_k_values are the powers of two up to K, then K") {
  CHECK(pass_k_values(1) == std::vector<std::int64_t>{1});
  CHECK(pass_k_values(2) == std::vector<std::int64_t>{1, 2});
  CHECK(pass_k_values(6) == std::vector<std::int64_t>{1, 2, 4, 6});
  CHECK(pass_k_values(8) == std::vector<std::int64_t>{1, 2, 4, 8});
  CHECK(pass_k_values(9) == std::vector<std::int64_t>{1, 2, 4, 8, 9});
  auto big = pass_k_values(INT64_MAX);
  CHECK(big.size() == 64);
  CHECK(big[62] == (std::int64_t{1} << 62));
  CHECK(big.back() == INT64_MAX);
  CHECK_THROWS_AS(pass_k_values(0), std::invalid_argument);
}

TEST_CASE("pass@k table averages over the tasks with enough samples") {
  std::vector<TaskOutcome> tasks = {
      {"valid", {true, false, false, false}},    // n=4, c=1
      {"valid", {false, false, false, false}},   // n=4, c=0
      {"valid", {false, true}},                  // n=2, c=1: only in rows k <= 2
  };
  auto table = pass_at_k_table(tasks, 4);
  REQUIRE(table.size() == 3);
  CHECK(table[0].k == 1);
  CHECK(table[0].tasks == 3);
  CHECK(table[0].any_of_k == Approx(1.0 / 3.0));
  CHECK(table[0].unbiased == Approx((0.25 + 0.0 + 0.5) / 3.0));
  CHECK(table[1].k == 2);
  CHECK(table[1].tasks == 3);
  CHECK(table[1].any_of_k == Approx(2.0 / 3.0));
  CHECK(table[1].unbiased == Approx((0.5 + 0.0 + 1.0) / 3.0));
  CHECK(table[2].k == 4);
  CHECK(table[2].tasks == 2);
  CHECK(table[2].any_of_k == Approx(0.5));
  CHECK(table[2].unbiased == Approx(0.5));
}

TEST_CASE("pass@k table omits a row no task has enough samples for") {
  std::vector<TaskOutcome> tasks = {{"test", {true, true}}, {"test", {}}};
  auto table = pass_at_k_table(tasks, 8);
  REQUIRE(table.size() == 2);
  CHECK(table[0].k == 1);
  CHECK(table[0].tasks == 1);
  CHECK(table[1].k == 2);
  CHECK(pass_at_k_table({}, 4).empty());
  CHECK_THROWS_AS(pass_at_k_table(tasks, 0), std::invalid_argument);
}

TEST_CASE("pass@k tables by split keep splits apart") {
  std::vector<TaskOutcome> tasks = {
      {"valid", {true, true}}, {"test", {false, false}}, {"valid", {false, false}}, {"", {true, false}}};
  auto tables = pass_at_k_tables_by_split(tasks, 2);
  REQUIRE(tables.size() == 3);
  CHECK(tables.at("valid")[0].tasks == 2);
  CHECK(tables.at("valid")[0].unbiased == Approx(0.5));
  CHECK(tables.at("test")[1].unbiased == 0.0);
  CHECK(tables.at("")[1].any_of_k == 1.0);
  CHECK_THROWS_AS(pass_at_k_tables_by_split({}, 0), std::invalid_argument);
}
