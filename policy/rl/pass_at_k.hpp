#pragma once
// pass@k: the probability that at least one of k samples of a task passes. Two estimates from
// n rewarded samples of which c passed (formulas in policy/rl/README.md):
//   any_of_k   the first k samples in sample order (what a run that drew only k would see);
//   unbiased   1 - C(n-c, k) / C(n, k), the mean of any_of_k over every k-subset of the n.
// Samples without a reward (`error` verdicts) are not samples here: callers leave them out.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace policy::rl {

// 1 - C(n-c, k) / C(n, k). Requires 0 <= c <= n and 1 <= k <= n, else throws
// std::invalid_argument. Computed as a running product of min(c, k) factors (in log space),
// so no factorial is formed: exact to rounding for n up to 1e6 and beyond.
double pass_at_k_unbiased(std::int64_t n, std::int64_t c, std::int64_t k);

// The same, but nullopt when n < k (too few samples to say anything about k of them). Still
// throws std::invalid_argument for k < 1, c < 0 or c > n.
std::optional<double> try_pass_at_k_unbiased(std::int64_t n, std::int64_t c, std::int64_t k);

// Whether one of the first k samples passed. Requires 1 <= k <= passes.size(), else throws
// std::invalid_argument.
bool any_of_k(const std::vector<bool>& passes_in_sample_order, std::int64_t k);

// The k reported for a run of K samples per task: 1, 2, 4, ... (powers of two up to K), and K
// itself when it is not a power of two, so pass@K is always a row. K=6 gives {1, 2, 4, 6}.
// Requires K >= 1, else throws std::invalid_argument.
std::vector<std::int64_t> pass_k_values(std::int64_t K);

// What one task's samples gave.
struct TaskOutcome {
  std::string split;        // "valid", "test", ... ("" when unknown)
  std::vector<bool> passes;  // rewarded samples in sample order; `error` samples excluded
};

// One row of a pass@k table: the means over the tasks that have at least k rewarded samples.
struct PassAtK {
  std::int64_t k = 0;
  double any_of_k = 0;   // mean of any_of_k(passes, k)
  double unbiased = 0;   // mean of pass_at_k_unbiased(n, c, k)
  std::int64_t tasks = 0;  // tasks counted in this row (those with n >= k)
};

// One row per k of pass_k_values(K), over all tasks, each task weighing the same. A task with
// fewer than k rewarded samples is left out of that k's row; a row that would count no task is
// omitted. Requires K >= 1.
std::vector<PassAtK> pass_at_k_table(const std::vector<TaskOutcome>& tasks, std::int64_t K);

// pass_at_k_table per split (the key is TaskOutcome::split), splits in lexicographic order.
std::map<std::string, std::vector<PassAtK>> pass_at_k_tables_by_split(
    const std::vector<TaskOutcome>& tasks, std::int64_t K);

}  // namespace policy::rl
