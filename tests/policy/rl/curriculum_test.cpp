#include "policy/rl/curriculum.hpp"

#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include <vector>

using policy::rl::Curriculum;
using policy::rl::CurriculumOptions;
using policy::rl::GroupOutcome;
using policy::rl::Schedule;
using Indices = std::vector<std::size_t>;

namespace {

// Options without the minimum selection, so only the cooldowns decide.
CurriculumOptions no_minimum() {
  CurriculumOptions options;
  options.min_tasks = 0;
  options.min_percent = 0;
  return options;
}

bool selected(const Curriculum& curriculum, std::int64_t epoch, const std::string& id) {
  return !curriculum.select(epoch, {id}).empty();
}

// Runs `epochs` epochs of one task whose every group has c of n right; returns the epochs at
// which it was selected.
std::vector<std::int64_t> selected_epochs(Curriculum& curriculum, std::int64_t epochs,
                                          std::int64_t n, std::int64_t c) {
  std::vector<std::int64_t> chosen;
  for (std::int64_t epoch = 0; epoch < epochs; ++epoch) {
    if (!selected(curriculum, epoch, "t")) continue;
    chosen.push_back(epoch);
    curriculum.observe("t", epoch, n, c);
  }
  return chosen;
}

}  // namespace

TEST_CASE("curriculum: a task solved every time is skipped on a doubling cooldown") {
  Curriculum curriculum(no_minimum());
  // Cooldowns 1, 2, 4, 8, 8 (capped): selected at 0, 2, 5, 10, 19, 28.
  CHECK(selected_epochs(curriculum, 30, 8, 8) == std::vector<std::int64_t>{0, 2, 5, 10, 19, 28});
  CHECK(curriculum.settled_streak("t") == 6);
  CHECK(curriculum.due_epoch("t") == 37);
}

TEST_CASE("curriculum: a task never solved is skipped on the same cooldown") {
  Curriculum curriculum(no_minimum());
  CHECK(selected_epochs(curriculum, 30, 8, 0) == std::vector<std::int64_t>{0, 2, 5, 10, 19, 28});
}

TEST_CASE("curriculum: the cap on the cooldown is an option") {
  CurriculumOptions options = no_minimum();
  options.max_cooldown = 2;
  Curriculum curriculum(options);
  CHECK(selected_epochs(curriculum, 12, 4, 4) == std::vector<std::int64_t>{0, 2, 5, 8, 11});
}

TEST_CASE("curriculum: a mixed group ends the cooldown streak") {
  Curriculum curriculum(no_minimum());
  curriculum.observe("t", 0, 4, 4);
  curriculum.observe("t", 2, 4, 0);  // all right then all wrong: two settled groups in a row
  CHECK(curriculum.settled_streak("t") == 2);
  CHECK(curriculum.due_epoch("t") == 5);
  CHECK_FALSE(selected(curriculum, 4, "t"));
  curriculum.observe("t", 5, 4, 2);
  CHECK(curriculum.settled_streak("t") == 0);
  CHECK_FALSE(curriculum.due_epoch("t").has_value());
  CHECK(selected(curriculum, 6, "t"));
  curriculum.observe("t", 6, 4, 4);
  CHECK(curriculum.due_epoch("t") == 8);  // back to a cooldown of 1
}

TEST_CASE("curriculum: mixed and untried tasks are selected every epoch") {
  Curriculum curriculum(no_minimum());
  std::vector<std::string> ids = {"mixed", "untried", "solved"};
  for (std::int64_t epoch = 0; epoch < 12; ++epoch) {
    Indices chosen = curriculum.select(epoch, ids);
    CHECK(chosen.size() >= 2);
    CHECK(chosen[0] == 0);
    CHECK(chosen[1] == 1);
    curriculum.observe("mixed", epoch, 4, 1 + epoch % 3);
    if (chosen.size() == 3) curriculum.observe("solved", epoch, 4, 4);
  }
  CHECK(curriculum.history("mixed").size() == 12);
  CHECK(curriculum.history("untried").empty());
}

TEST_CASE("curriculum: a group with no rewarded sample changes nothing") {
  Curriculum curriculum(no_minimum());
  curriculum.observe("t", 0, 0, 0);
  CHECK(selected(curriculum, 1, "t"));
  curriculum.observe("t", 1, 4, 4);
  curriculum.observe("t", 1, 0, 0);
  CHECK(curriculum.settled_streak("t") == 1);
  CHECK(curriculum.due_epoch("t") == 3);
  CHECK(curriculum.history("t") ==
        std::vector<GroupOutcome>{{0, 0, 0}, {1, 4, 4}, {1, 0, 0}});
}

TEST_CASE("curriculum: the minimum selection adds the settled tasks due soonest") {
  CurriculumOptions options;
  options.min_tasks = 3;
  options.min_percent = 0;
  Curriculum curriculum(options);
  std::vector<std::string> ids = {"a", "b", "c", "d", "e"};
  // Settled at epoch 0: a, b and d once (due at 2), c twice (streak 2, due at 3); e untried.
  curriculum.observe("a", 0, 4, 4);
  curriculum.observe("b", 0, 4, 0);
  curriculum.observe("c", 0, 4, 4);
  curriculum.observe("c", 0, 4, 4);
  curriculum.observe("d", 0, 4, 0);
  CHECK(curriculum.due_epoch("c") == 3);
  // Epoch 1: only e is due; a and b (due 2, first in task order) top it up to 3.
  CHECK(curriculum.select(1, ids) == Indices{0, 1, 4});
  // Epoch 2: a, b, d and e are due.
  CHECK(curriculum.select(2, ids) == Indices{0, 1, 3, 4});
  // The order of task_ids decides ties.
  CHECK(curriculum.select(1, {"e", "d", "c", "b", "a"}) == Indices{0, 1, 3});
}

TEST_CASE("curriculum: the minimum selection is a share of the tasks, at least min_tasks") {
  Curriculum defaults;  // max(1, 10%)
  CHECK(defaults.min_selection(0) == 0);
  CHECK(defaults.min_selection(1) == 1);
  CHECK(defaults.min_selection(9) == 1);
  CHECK(defaults.min_selection(11) == 2);
  CHECK(defaults.min_selection(30) == 3);
  CHECK(defaults.min_selection(1000) == 100);

  std::vector<std::string> ids;
  for (int i = 0; i < 30; ++i) {
    ids.push_back("task" + std::to_string(i));
    defaults.observe(ids.back(), 0, 8, 8);
  }
  CHECK(defaults.select(1, ids) == Indices{0, 1, 2});
  CHECK(defaults.select(2, ids).size() == 30);

  CurriculumOptions none = no_minimum();
  Curriculum empty_allowed(none);
  empty_allowed.observe("t", 0, 1, 1);
  CHECK(empty_allowed.select(1, {"t"}).empty());
}

TEST_CASE("curriculum: uniform selects every task every epoch") {
  CurriculumOptions options;
  options.schedule = Schedule::uniform;
  Curriculum curriculum(options);
  std::vector<std::string> ids = {"a", "b", "c"};
  for (std::int64_t epoch = 0; epoch < 5; ++epoch) {
    CHECK(curriculum.select(epoch, ids) == Indices{0, 1, 2});
    for (const auto& id : ids) curriculum.observe(id, epoch, 4, 4);
  }
  CHECK(curriculum.select(0, {}).empty());
  CHECK(curriculum.describe().rfind("uniform", 0) == 0);
}

TEST_CASE("curriculum: observe checks its arguments") {
  Curriculum curriculum;
  CHECK_THROWS_AS(curriculum.observe("t", 0, 4, 5), std::invalid_argument);
  CHECK_THROWS_AS(curriculum.observe("t", 0, -1, 0), std::invalid_argument);
  CHECK_THROWS_AS(curriculum.observe("t", -1, 4, 0), std::invalid_argument);
  curriculum.observe("t", 3, 4, 0);
  CHECK_THROWS_AS(curriculum.observe("t", 2, 4, 0), std::invalid_argument);
  CHECK(curriculum.history("t").size() == 1);
}

TEST_CASE("curriculum: options out of range are refused") {
  CurriculumOptions options;
  options.max_cooldown = 0;
  CHECK_THROWS_AS(Curriculum(options), std::invalid_argument);
  options = {};
  options.min_percent = 101;
  CHECK_THROWS_AS(Curriculum(options), std::invalid_argument);
  options = {};
  options.min_tasks = -1;
  CHECK_THROWS_AS(Curriculum(options), std::invalid_argument);
  CHECK(policy::rl::parse_schedule("uniform") == Schedule::uniform);
  CHECK(policy::rl::parse_schedule("adaptive") == Schedule::adaptive);
  CHECK_THROWS_AS(policy::rl::parse_schedule("random"), std::invalid_argument);
}

TEST_CASE("curriculum: a JSON round trip continues with identical selections") {
  CurriculumOptions options;
  options.max_cooldown = 4;
  options.min_tasks = 2;
  options.min_percent = 25;
  Curriculum original(options);
  std::vector<std::string> ids;
  for (int i = 0; i < 12; ++i) ids.push_back("task-v1:" + std::to_string(i));
  // Task i passes i of 11 samples: 0 and 11 settle, the rest are mixed; task 5 errors throughout.
  auto run_epoch = [&](Curriculum& curriculum, std::int64_t epoch) {
    Indices chosen = curriculum.select(epoch, ids);
    for (std::size_t i : chosen) {
      std::int64_t c = static_cast<std::int64_t>(i);
      if (i == 5) {
        curriculum.observe(ids[i], epoch, 0, 0);
      } else if (i % 4 == 0) {
        curriculum.observe(ids[i], epoch, 11, (epoch % 2) * 11);  // settled every time
      } else {
        curriculum.observe(ids[i], epoch, 11, c);
      }
    }
    return chosen;
  };
  for (std::int64_t epoch = 0; epoch < 6; ++epoch) run_epoch(original, epoch);

  std::string saved = original.to_json();
  Curriculum resumed = Curriculum::from_json(saved);
  CHECK(resumed.to_json() == saved);
  CHECK(resumed.describe() == original.describe());
  for (std::int64_t epoch = 6; epoch < 20; ++epoch) {
    INFO("epoch " << epoch);
    CHECK(run_epoch(resumed, epoch) == run_epoch(original, epoch));
  }
  CHECK(resumed.to_json() == original.to_json());
  for (const auto& id : ids) {
    CHECK(resumed.history(id) == original.history(id));
    CHECK(resumed.due_epoch(id) == original.due_epoch(id));
    CHECK(resumed.settled_streak(id) == original.settled_streak(id));
  }
}

TEST_CASE("curriculum: from_json names the field at fault") {
  auto message = [](const std::string& json) {
    try {
      Curriculum::from_json(json);
    } catch (const std::invalid_argument& error) {
      return std::string(error.what());
    }
    return std::string("(no error)");
  };
  const std::string good_head =
      R"({"format":"policy-rl-curriculum-v1","schedule":"adaptive","max_cooldown":8,)"
      R"("min_tasks":1,"min_percent":10,)";
  CHECK(message(good_head + R"("tasks":{}})") == "(no error)");
  CHECK_THAT(message("{"), Catch::StartsWith("curriculum JSON: (document): malformed JSON"));
  CHECK_THAT(message("[]"), Catch::StartsWith("curriculum JSON: (document): expected an object"));
  CHECK_THAT(message(R"({"format":"other"})"), Catch::StartsWith("curriculum JSON: format:"));
  CHECK_THAT(message(good_head + R"("tasks":[]})"), Catch::StartsWith("curriculum JSON: tasks:"));
  CHECK_THAT(message(good_head + R"("tasks":{"a":[[0,4]]}})"),
             Catch::StartsWith(R"(curriculum JSON: tasks."a"[0]: expected [epoch, n, c])"));
  CHECK_THAT(message(good_head + R"("tasks":{"a":[[0,4,5]]}})"),
             Catch::StartsWith(R"(curriculum JSON: tasks."a"[0]:)"));
  CHECK_THAT(message(good_head + R"("tasks":{"a":[[3,4,4],[1,4,4]]}})"),
             Catch::StartsWith(R"(curriculum JSON: tasks."a"[1]:)"));
  CHECK_THAT(message(good_head + R"("tasks":{},"extra":1})"),
             Catch::StartsWith("curriculum JSON: extra: unknown field"));
  std::string no_cooldown = good_head;
  no_cooldown.replace(no_cooldown.find("\"max_cooldown\":8,"), 17, "");
  CHECK_THAT(message(no_cooldown + R"("tasks":{}})"),
             Catch::StartsWith("curriculum JSON: max_cooldown: missing"));
  std::string float_tasks = good_head;
  float_tasks.replace(float_tasks.find("\"min_tasks\":1"), 13, "\"min_tasks\":1.5");
  CHECK_THAT(message(float_tasks + R"("tasks":{}})"),
             Catch::StartsWith("curriculum JSON: min_tasks: expected an integer"));
  std::string bad_schedule = good_head;
  bad_schedule.replace(bad_schedule.find("adaptive"), 8, "random");
  CHECK_THAT(message(bad_schedule + R"("tasks":{}})"),
             Catch::StartsWith("curriculum JSON: schedule:"));
  std::string bad_percent = good_head;
  bad_percent.replace(bad_percent.find("\"min_percent\":10"), 16, "\"min_percent\":200");
  CHECK_THAT(message(bad_percent + R"("tasks":{}})"), Catch::Contains("min_percent"));
}
