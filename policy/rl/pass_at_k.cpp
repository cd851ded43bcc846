#include "policy/rl/pass_at_k.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace policy::rl {
namespace {

void check_counts(std::int64_t n, std::int64_t c, std::int64_t k) {
  if (k < 1) throw std::invalid_argument(fmt::format("pass@k: k = {} (needs k >= 1)", k));
  if (c < 0 || c > n) {
    throw std::invalid_argument(fmt::format("pass@k: c = {} passes of n = {} samples (needs "
                                            "0 <= c <= n)",
                                            c, n));
  }
}

// C(n-c, k) / C(n, k) for k <= n - c, as a product in log space over the shorter of two
// equal expansions:
//   prod_{i=n-c+1}^{n} (1 - k/i)          (c factors)
//   prod_{j=0}^{k-1} (1 - c/(n-j))        (k factors)
double log_fail_ratio(std::int64_t n, std::int64_t c, std::int64_t k) {
  double sum = 0;
  if (c <= k) {
    for (std::int64_t i = n - c + 1; i <= n; ++i) {
      sum += std::log1p(-static_cast<double>(k) / static_cast<double>(i));
    }
  } else {
    for (std::int64_t j = 0; j < k; ++j) {
      sum += std::log1p(-static_cast<double>(c) / static_cast<double>(n - j));
    }
  }
  return sum;
}

}  // namespace

std::optional<double> try_pass_at_k_unbiased(std::int64_t n, std::int64_t c, std::int64_t k) {
  check_counts(n, c, k);
  if (n < k) return std::nullopt;
  if (c == 0) return 0.0;
  if (n - c < k) return 1.0;  // every k-subset holds a pass
  // 1 - exp(x) via expm1 keeps its relative precision when pass@k is tiny.
  return -std::expm1(log_fail_ratio(n, c, k));
}

double pass_at_k_unbiased(std::int64_t n, std::int64_t c, std::int64_t k) {
  auto value = try_pass_at_k_unbiased(n, c, k);
  if (!value) {
    throw std::invalid_argument(
        fmt::format("pass@k: k = {} exceeds the n = {} samples (needs k <= n)", k, n));
  }
  return *value;
}

bool any_of_k(const std::vector<bool>& passes_in_sample_order, std::int64_t k) {
  auto n = static_cast<std::int64_t>(passes_in_sample_order.size());
  if (k < 1 || k > n) {
    throw std::invalid_argument(
        fmt::format("any_of_k: k = {} with {} samples (needs 1 <= k <= samples)", k, n));
  }
  auto first = passes_in_sample_order.begin();
  return std::find(first, first + k, true) != first + k;
}

std::vector<std::int64_t> pass_k_values(std::int64_t K) {
  if (K < 1) throw std::invalid_argument(fmt::format("pass_k_values: K = {} (needs K >= 1)", K));
  std::vector<std::int64_t> values;
  std::int64_t k = 1;
  for (; k <= K; k *= 2) {
    values.push_back(k);
    if (k > K / 2) break;  // the next power would pass K (and could overflow)
  }
  if (values.back() != K) values.push_back(K);
  return values;
}

std::vector<PassAtK> pass_at_k_table(const std::vector<TaskOutcome>& tasks, std::int64_t K) {
  std::vector<PassAtK> rows;
  for (std::int64_t k : pass_k_values(K)) {
    PassAtK row{k, 0, 0, 0};
    for (const TaskOutcome& task : tasks) {
      auto n = static_cast<std::int64_t>(task.passes.size());
      if (n < k) continue;
      auto c = static_cast<std::int64_t>(std::count(task.passes.begin(), task.passes.end(), true));
      row.any_of_k += any_of_k(task.passes, k) ? 1.0 : 0.0;
      row.unbiased += pass_at_k_unbiased(n, c, k);
      ++row.tasks;
    }
    if (row.tasks == 0) continue;
    row.any_of_k /= static_cast<double>(row.tasks);
    row.unbiased /= static_cast<double>(row.tasks);
    rows.push_back(row);
  }
  return rows;
}

std::map<std::string, std::vector<PassAtK>> pass_at_k_tables_by_split(
    const std::vector<TaskOutcome>& tasks, std::int64_t K) {
  std::map<std::string, std::vector<TaskOutcome>> by_split;
  for (const TaskOutcome& task : tasks) by_split[task.split].push_back(task);
  std::map<std::string, std::vector<PassAtK>> tables;
  for (const auto& [split, outcomes] : by_split) tables[split] = pass_at_k_table(outcomes, K);
  if (tasks.empty()) pass_k_values(K);  // K is checked even when there is nothing to count
  return tables;
}

}  // namespace policy::rl
