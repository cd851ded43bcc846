#pragma once
// Success within a budget of Lean checks per task: chains of revisions (a first try and up to R
// revisions, each one Lean check) side by side with plain independent sampling at the same
// budget (formulas in policy/rl/README.md, "Success within a budget of checks"). A revision is
// not independent of the attempt it revises, so the unbiased pass@k estimator is never applied
// across a chain: chains are the independent units.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace policy::rl {

// One task's chains, in sample order. chains[j] holds chain j's rewarded attempts in round
// order (first try, revision 1, ...): the chain ends at its first pass, or after R revisions.
// An attempt without a reward (`error`) is left out, and a chain whose first try had none is
// empty (it spent no check and found nothing).
struct TaskChains {
  std::string split;
  std::vector<std::vector<bool>> chains;
};

// Whether the task succeeds within `budget` checks when its chains are spent one after another
// starting at chain `first` (then first + 1, ..., wrapping): the first `budget` attempts of that
// sequence hold a pass. Requires budget >= 1.
bool chain_success_within(const TaskChains& task, std::int64_t budget, std::size_t first);

// The mean of chain_success_within over the K starting chains (every rotation of the order):
// each rotation is an ordering of independent chains, so the mean estimates the strategy
// "first try, revise up to R times, then a fresh chain" without preferring any chain.
double chain_success(const TaskChains& task, std::int64_t budget);

// One row of a budget table: means over the tasks (each weighing the same).
struct BudgetRow {
  std::int64_t budget = 0;       // B: Lean checks per task
  double chains = 0;             // chain_success(task, B)
  std::optional<double> plain;   // unbiased pass@B over the first tries; nullopt when B > n
  std::int64_t tasks = 0;        // tasks counted
  std::int64_t plain_tasks = 0;  // tasks with at least B rewarded first tries
};

// Budgets 1, 2, 4, ... up to max_budget, with K (the first tries per task) and max_budget
// themselves; a task with no chain is left out.
std::vector<std::int64_t> budget_values(std::int64_t K, std::int64_t max_budget);
std::vector<BudgetRow> budget_table(const std::vector<TaskChains>& tasks, std::int64_t K,
                                    std::int64_t max_budget);
std::map<std::string, std::vector<BudgetRow>> budget_tables_by_split(
    const std::vector<TaskChains>& tasks, std::int64_t K, std::int64_t max_budget);

}  // namespace policy::rl
