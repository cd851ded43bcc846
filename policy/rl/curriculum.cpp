#include "policy/rl/curriculum.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <tuple>

namespace policy::rl {
namespace {

constexpr std::string_view kFormat = "policy-rl-curriculum-v1";
constexpr std::int64_t kEpochLimit = std::int64_t{1} << 53;
constexpr std::int64_t kMaxCooldownLimit = std::int64_t{1} << 30;

const std::vector<GroupOutcome> kNoGroups;

void check_options(const CurriculumOptions& options) {
  if (options.max_cooldown < 1 || options.max_cooldown > kMaxCooldownLimit) {
    throw std::invalid_argument(fmt::format(
        "curriculum: max_cooldown = {} (needs 1 <= max_cooldown <= {})", options.max_cooldown,
        kMaxCooldownLimit));
  }
  if (options.min_tasks < 0) {
    throw std::invalid_argument(
        fmt::format("curriculum: min_tasks = {} (needs min_tasks >= 0)", options.min_tasks));
  }
  if (options.min_percent < 0 || options.min_percent > 100) {
    throw std::invalid_argument(fmt::format(
        "curriculum: min_percent = {} (needs 0 <= min_percent <= 100)", options.min_percent));
  }
}

// 1, 2, 4, ... for streaks 1, 2, 3, ..., capped at max_cooldown.
std::int64_t cooldown(std::int64_t streak, std::int64_t max_cooldown) {
  if (streak - 1 >= 31) return max_cooldown;
  return std::min(std::int64_t{1} << (streak - 1), max_cooldown);
}

[[noreturn]] void bad_field(std::string_view field, std::string_view problem) {
  throw std::invalid_argument(fmt::format("curriculum JSON: {}: {}", field, problem));
}

std::int64_t int_field(const nlohmann::json& object, std::string_view key) {
  auto it = object.find(key);
  if (it == object.end()) bad_field(key, "missing");
  if (!it->is_number_integer()) {
    bad_field(key, fmt::format("expected an integer, got {}", it->type_name()));
  }
  if (it->is_number_unsigned() &&
      it->get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    bad_field(key, "integer out of range");
  }
  return it->get<std::int64_t>();
}

}  // namespace

std::string_view to_string(Schedule schedule) {
  return schedule == Schedule::uniform ? "uniform" : "adaptive";
}

Schedule parse_schedule(std::string_view text) {
  if (text == "adaptive") return Schedule::adaptive;
  if (text == "uniform") return Schedule::uniform;
  throw std::invalid_argument(
      fmt::format("unknown curriculum schedule '{}' (expected adaptive or uniform)", text));
}

Curriculum::Curriculum(CurriculumOptions options) : m_options(options) {
  check_options(m_options);
}

std::size_t Curriculum::min_selection(std::size_t task_count) const {
  auto count = static_cast<std::int64_t>(task_count);
  std::int64_t by_percent = (m_options.min_percent * count + 99) / 100;
  return static_cast<std::size_t>(std::min(count, std::max(m_options.min_tasks, by_percent)));
}

std::vector<std::size_t> Curriculum::select(std::int64_t epoch,
                                            const std::vector<std::string>& task_ids) const {
  std::vector<std::size_t> selected;
  if (m_options.schedule == Schedule::uniform) {
    selected.resize(task_ids.size());
    for (std::size_t i = 0; i < selected.size(); ++i) selected[i] = i;
    return selected;
  }
  std::vector<std::tuple<std::int64_t, std::size_t>> waiting;  // (due epoch, index)
  for (std::size_t i = 0; i < task_ids.size(); ++i) {
    std::optional<std::int64_t> due = due_epoch(task_ids[i]);
    if (!due || *due <= epoch) {
      selected.push_back(i);
    } else {
      waiting.emplace_back(*due, i);
    }
  }
  std::size_t wanted = min_selection(task_ids.size());
  if (selected.size() < wanted) {
    std::sort(waiting.begin(), waiting.end());
    for (std::size_t j = 0; j < waiting.size() && selected.size() < wanted; ++j) {
      selected.push_back(std::get<1>(waiting[j]));
    }
    std::sort(selected.begin(), selected.end());
  }
  return selected;
}

void Curriculum::observe(const std::string& task_id, std::int64_t epoch, std::int64_t n,
                         std::int64_t c) {
  if (epoch < 0 || epoch >= kEpochLimit) {
    throw std::invalid_argument(
        fmt::format("curriculum: epoch {} of task {} (needs 0 <= epoch < 2^53)", epoch, task_id));
  }
  if (n < 0 || c < 0 || c > n) {
    throw std::invalid_argument(fmt::format(
        "curriculum: group of task {} with c = {} of n = {} (needs 0 <= c <= n)", task_id, c, n));
  }
  auto it = m_tasks.find(task_id);
  if (it != m_tasks.end() && !it->second.groups.empty() &&
      epoch < it->second.groups.back().epoch) {
    throw std::invalid_argument(
        fmt::format("curriculum: group of task {} at epoch {} after one at epoch {}", task_id,
                    epoch, it->second.groups.back().epoch));
  }
  TaskState& state = it != m_tasks.end() ? it->second : m_tasks[task_id];
  GroupOutcome group{epoch, n, c};
  state.groups.push_back(group);
  if (n == 0) return;
  if (group.settled()) {
    ++state.streak;
    state.due = epoch + cooldown(state.streak, m_options.max_cooldown) + 1;
  } else {
    state.streak = 0;
    state.due.reset();
  }
}

const std::vector<GroupOutcome>& Curriculum::history(const std::string& task_id) const {
  auto it = m_tasks.find(task_id);
  return it == m_tasks.end() ? kNoGroups : it->second.groups;
}

std::optional<std::int64_t> Curriculum::due_epoch(const std::string& task_id) const {
  auto it = m_tasks.find(task_id);
  return it == m_tasks.end() ? std::nullopt : it->second.due;
}

std::int64_t Curriculum::settled_streak(const std::string& task_id) const {
  auto it = m_tasks.find(task_id);
  return it == m_tasks.end() ? 0 : it->second.streak;
}

std::string Curriculum::to_json() const {
  nlohmann::json tasks = nlohmann::json::object();
  for (const auto& [id, state] : m_tasks) {
    nlohmann::json groups = nlohmann::json::array();
    for (const GroupOutcome& group : state.groups) {
      groups.push_back({group.epoch, group.n, group.c});
    }
    tasks[id] = std::move(groups);
  }
  nlohmann::json document = {{"format", kFormat},
                             {"schedule", to_string(m_options.schedule)},
                             {"max_cooldown", m_options.max_cooldown},
                             {"min_tasks", m_options.min_tasks},
                             {"min_percent", m_options.min_percent},
                             {"tasks", std::move(tasks)}};
  return document.dump();
}

Curriculum Curriculum::from_json(std::string_view json) {
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(json);
  } catch (const nlohmann::json::parse_error& error) {
    bad_field("(document)", fmt::format("malformed JSON: {}", error.what()));
  }
  if (!document.is_object()) {
    bad_field("(document)", fmt::format("expected an object, got {}", document.type_name()));
  }
  for (const auto& [key, value] : document.items()) {
    static constexpr std::string_view kKeys[] = {"format",    "schedule",    "max_cooldown",
                                                 "min_tasks", "min_percent", "tasks"};
    if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys)) {
      bad_field(key, "unknown field");
    }
  }
  auto format = document.find("format");
  if (format == document.end()) bad_field("format", "missing");
  if (!format->is_string() || format->get<std::string>() != kFormat) {
    bad_field("format", fmt::format("expected \"{}\", got {}", kFormat, format->dump()));
  }
  auto schedule = document.find("schedule");
  if (schedule == document.end()) bad_field("schedule", "missing");
  if (!schedule->is_string()) {
    bad_field("schedule", fmt::format("expected a string, got {}", schedule->type_name()));
  }

  CurriculumOptions options;
  try {
    options.schedule = parse_schedule(schedule->get<std::string>());
  } catch (const std::invalid_argument& error) {
    bad_field("schedule", error.what());
  }
  options.max_cooldown = int_field(document, "max_cooldown");
  options.min_tasks = int_field(document, "min_tasks");
  options.min_percent = int_field(document, "min_percent");
  std::optional<Curriculum> curriculum;
  try {
    curriculum.emplace(options);
  } catch (const std::invalid_argument& error) {
    bad_field("(options)", error.what());
  }

  auto tasks = document.find("tasks");
  if (tasks == document.end()) bad_field("tasks", "missing");
  if (!tasks->is_object()) {
    bad_field("tasks", fmt::format("expected an object, got {}", tasks->type_name()));
  }
  for (const auto& [id, groups] : tasks->items()) {
    std::string field = fmt::format("tasks.{}", nlohmann::json(id).dump());
    if (!groups.is_array()) {
      bad_field(field, fmt::format("expected an array of [epoch, n, c], got {}", groups.type_name()));
    }
    for (std::size_t i = 0; i < groups.size(); ++i) {
      const nlohmann::json& group = groups[i];
      std::string where = fmt::format("{}[{}]", field, i);
      bool shape = group.is_array() && group.size() == 3 &&
                   std::all_of(group.begin(), group.end(),
                               [](const nlohmann::json& v) { return v.is_number_integer(); });
      if (!shape) bad_field(where, "expected [epoch, n, c], three integers");
      try {
        curriculum->observe(id, group[0].get<std::int64_t>(), group[1].get<std::int64_t>(),
                            group[2].get<std::int64_t>());
      } catch (const std::invalid_argument& error) {
        bad_field(where, error.what());
      }
    }
    // A task listed with no groups round-trips as one: keep it known.
    if (groups.empty()) curriculum->m_tasks[id];
  }
  return std::move(*curriculum);
}

std::string Curriculum::describe() const {
  if (m_options.schedule == Schedule::uniform) {
    return "uniform: every task is selected every epoch.";
  }
  return fmt::format(
      "adaptive: a task never tried, or whose last group with a reward was mixed (some samples "
      "right, some wrong), is selected every epoch. A task whose last group was all right or "
      "all wrong is settled: it is skipped for a cooldown of 1, 2, 4, ... epochs, doubling with "
      "each consecutive settled group up to {} epochs, and then selected again. Each epoch "
      "selects at least max({}, {}% of the tasks, rounded up), topping up with the settled "
      "tasks due soonest (ties: task order).",
      m_options.max_cooldown, m_options.min_tasks, m_options.min_percent);
}

}  // namespace policy::rl
