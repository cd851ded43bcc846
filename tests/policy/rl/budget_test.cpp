// Tests of policy/rl/budget.cpp: success within a budget of Lean checks, chains of revisions
// beside plain sampling.
#include <catch2/catch.hpp>

#include "policy/rl/budget.hpp"
#include "policy/rl/pass_at_k.hpp"

using namespace policy::rl;

TEST_CASE("a chain's attempts are spent one after another, up to the budget") {
  // chain 0: fail, pass (a revision fixed it); chain 1: fail, fail.
  TaskChains task{"train", {{false, true}, {false, false}}};
  CHECK_FALSE(chain_success_within(task, 1, 0));
  CHECK(chain_success_within(task, 2, 0));
  CHECK_FALSE(chain_success_within(task, 2, 1));
  CHECK_FALSE(chain_success_within(task, 3, 1));
  CHECK(chain_success_within(task, 4, 1));  // chain 1's two checks, then chain 0's two
  CHECK(chain_success(task, 1) == 0.0);
  CHECK(chain_success(task, 2) == 0.5);
  CHECK(chain_success(task, 4) == 1.0);
  CHECK_THROWS_AS(chain_success_within(task, 0, 0), std::invalid_argument);
}

TEST_CASE("a chain that passes at once spends one check, and an empty chain none") {
  TaskChains task{"", {{}, {true}, {false, false}}};
  CHECK(chain_success_within(task, 1, 0));   // the empty chain costs nothing
  CHECK(chain_success_within(task, 1, 1));
  CHECK_FALSE(chain_success_within(task, 2, 2));
  CHECK(chain_success_within(task, 3, 2));   // wraps to chain 0 (empty), then chain 1
}

TEST_CASE("budget table: revising beside the unbiased pass@B of first tries, null past K") {
  // Two tasks of 4 chains, R = 1.
  TaskChains a{"train", {{true}, {false, true}, {false, false}, {false, true}}};
  TaskChains b{"train", {{false, false}, {false, false}, {false, false}, {false, false}}};
  auto rows = budget_table({a, b}, 4, 8);
  std::vector<int64_t> budgets;
  for (const auto& row : rows) budgets.push_back(row.budget);
  CHECK(budgets == std::vector<int64_t>{1, 2, 4, 8});
  // B = 1: both columns are the first tries' pass@1: task a 1/4, task b 0.
  CHECK(rows[0].chains == Approx(0.125));
  REQUIRE(rows[0].plain);
  CHECK(*rows[0].plain == Approx(0.125));
  // B = 2, task a: starting at chain 0 pass; 1: fail then pass; 2: fail, fail; 3: fail, pass.
  CHECK(rows[1].chains == Approx((3.0 / 4.0) / 2));
  CHECK(*rows[1].plain == Approx(pass_at_k_unbiased(4, 1, 2) / 2));
  CHECK(rows[2].tasks == 2);
  CHECK_FALSE(rows[3].plain);  // 4 first tries say nothing about 8 independent samples
  CHECK(rows[3].chains == Approx(0.5));
  auto by_split = budget_tables_by_split({a, TaskChains{"valid", {{true}}}}, 1, 2);
  CHECK(by_split.size() == 2);
  CHECK(by_split.at("valid").front().chains == 1.0);
  CHECK(budget_values(6, 12) == std::vector<int64_t>{1, 2, 4, 6, 8, 12});
}
