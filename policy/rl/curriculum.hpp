#pragma once
// Which tasks an epoch of the RL loop samples. A group (the samples of one task in one epoch)
// that is all right or all wrong has zero GRPO advantage everywhere and teaches nothing, so the
// adaptive schedule spends fewer epochs on tasks that keep producing such groups, and keeps
// coming back to them in case the policy has changed. The schedule is described in
// policy/rl/README.md and by Curriculum::describe().
//
// The state is saved in the loop's checkpoint (to_json) and restored on resume (from_json);
// the round trip is exact, so a resumed run selects what the uninterrupted run would have.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace policy::rl {

enum class Schedule {
  adaptive,  // settled tasks wait on a doubling cooldown (the default)
  uniform,   // every task every epoch
};

// "adaptive" / "uniform".
std::string_view to_string(Schedule schedule);
// The inverse; throws std::invalid_argument naming the accepted values.
Schedule parse_schedule(std::string_view text);

struct CurriculumOptions {
  Schedule schedule = Schedule::adaptive;
  // Longest cooldown, in epochs (>= 1). Cooldowns go 1, 2, 4, ... and stop growing here.
  std::int64_t max_cooldown = 8;
  // The adaptive selection holds at least max(min_tasks, ceil(min_percent% of the tasks))
  // tasks (never more than there are). min_tasks >= 0, 0 <= min_percent <= 100.
  std::int64_t min_tasks = 1;
  std::int64_t min_percent = 10;
};

// One group of one task: n rewarded samples (errors excluded), c of them passed.
struct GroupOutcome {
  std::int64_t epoch = 0;
  std::int64_t n = 0;
  std::int64_t c = 0;
  // All right or all wrong (and at least one rewarded sample).
  bool settled() const { return n > 0 && (c == 0 || c == n); }
  bool operator==(const GroupOutcome&) const = default;
};

class Curriculum {
 public:
  // Throws std::invalid_argument for options out of range.
  explicit Curriculum(CurriculumOptions options = {});

  const CurriculumOptions& options() const { return m_options; }

  // The tasks to sample at `epoch`: indices into task_ids, ascending. Deterministic: a function
  // of the options, the observations so far, epoch and task_ids. Tasks are known by id; ids
  // never observed are "never tried".
  std::vector<std::size_t> select(std::int64_t epoch,
                                  const std::vector<std::string>& task_ids) const;

  // Records a group of task_id at epoch: n rewarded samples, c passes. A group with n = 0 (every
  // sample an error) is kept in the history but changes nothing in the schedule. Throws
  // std::invalid_argument unless 0 <= c <= n, 0 <= epoch < 2^53, and epoch is not before the
  // task's previous group.
  void observe(const std::string& task_id, std::int64_t epoch, std::int64_t n, std::int64_t c);

  // The groups observed for task_id, oldest first (empty if none).
  const std::vector<GroupOutcome>& history(const std::string& task_id) const;
  // The first epoch at which a settled task is due again; nullopt for a task selected every
  // epoch (never tried, or last group with a reward mixed).
  std::optional<std::int64_t> due_epoch(const std::string& task_id) const;
  // The consecutive settled groups ending the task's history (groups with n = 0 skipped).
  std::int64_t settled_streak(const std::string& task_id) const;
  // The least number of tasks select() returns out of task_count (adaptive schedule).
  std::size_t min_selection(std::size_t task_count) const;

  // Self-describing JSON: {"format":"policy-rl-curriculum-v1","schedule":...,"max_cooldown":...,
  // "min_tasks":...,"min_percent":...,"tasks":{ID:[[epoch,n,c],...],...}}. Keys are sorted, so
  // equal states give equal bytes.
  std::string to_json() const;
  // The inverse. Throws std::invalid_argument naming the field at fault (e.g.
  // "curriculum JSON: tasks.\"ID\"[2]: expected [epoch, n, c], three integers"); the groups are
  // replayed through observe(), so a state observe() would refuse is refused here too.
  static Curriculum from_json(std::string_view json);

  // One paragraph saying how tasks are chosen, with this curriculum's numbers.
  std::string describe() const;

 private:
  struct TaskState {
    std::vector<GroupOutcome> groups;
    std::int64_t streak = 0;            // consecutive settled groups (n = 0 groups skipped)
    std::optional<std::int64_t> due;    // set while the last group with a reward is settled
  };

  CurriculumOptions m_options;
  std::map<std::string, TaskState, std::less<>> m_tasks;
};

}  // namespace policy::rl
