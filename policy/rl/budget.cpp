#include "policy/rl/budget.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>

#include "policy/rl/pass_at_k.hpp"

namespace policy::rl {

bool chain_success_within(const TaskChains& task, std::int64_t budget, std::size_t first) {
  if (budget < 1) throw std::invalid_argument("budget must be at least 1");
  const std::size_t k = task.chains.size();
  std::int64_t spent = 0;
  for (std::size_t i = 0; i < k; ++i) {
    for (bool pass : task.chains[(first + i) % k]) {
      if (spent == budget) return false;
      ++spent;
      if (pass) return true;
    }
  }
  return false;
}

double chain_success(const TaskChains& task, std::int64_t budget) {
  if (task.chains.empty()) return 0;
  std::int64_t wins = 0;
  for (std::size_t first = 0; first < task.chains.size(); ++first) {
    if (chain_success_within(task, budget, first)) ++wins;
  }
  return static_cast<double>(wins) / static_cast<double>(task.chains.size());
}

std::vector<std::int64_t> budget_values(std::int64_t K, std::int64_t max_budget) {
  std::set<std::int64_t> values;
  for (std::int64_t b = 1; b <= max_budget; b *= 2) values.insert(b);
  if (K >= 1 && K <= max_budget) values.insert(K);
  if (max_budget >= 1) values.insert(max_budget);
  return {values.begin(), values.end()};
}

std::vector<BudgetRow> budget_table(const std::vector<TaskChains>& tasks, std::int64_t K,
                                    std::int64_t max_budget) {
  std::vector<BudgetRow> rows;
  for (std::int64_t budget : budget_values(K, max_budget)) {
    BudgetRow row;
    row.budget = budget;
    double plain = 0;
    for (const TaskChains& task : tasks) {
      if (task.chains.empty()) continue;
      ++row.tasks;
      row.chains += chain_success(task, budget);
      std::int64_t n = 0, c = 0;
      for (const auto& chain : task.chains) {
        if (chain.empty()) continue;
        ++n;
        if (chain.front()) ++c;
      }
      if (auto p = try_pass_at_k_unbiased(n, c, budget)) {
        plain += *p;
        ++row.plain_tasks;
      }
    }
    if (row.tasks == 0) continue;
    row.chains /= static_cast<double>(row.tasks);
    // Plain sampling at budget B needs B independent first tries of every task counted.
    if (row.plain_tasks == row.tasks) row.plain = plain / static_cast<double>(row.plain_tasks);
    rows.push_back(row);
  }
  return rows;
}

std::map<std::string, std::vector<BudgetRow>> budget_tables_by_split(
    const std::vector<TaskChains>& tasks, std::int64_t K, std::int64_t max_budget) {
  std::map<std::string, std::vector<TaskChains>> by_split;
  for (const TaskChains& task : tasks) by_split[task.split].push_back(task);
  std::map<std::string, std::vector<BudgetRow>> out;
  for (const auto& [split, group] : by_split) out[split] = budget_table(group, K, max_budget);
  return out;
}

}  // namespace policy::rl
