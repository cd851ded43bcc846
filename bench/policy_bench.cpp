// policy_bench: speed and learning of the built-in policy (policy/builtin), log-linear against
// MLP, run by hand. Prints markdown tables (policy/builtin/README.md keeps the results):
//  1. speed: whole-proof candidates per second from generate() on the core task set's
//     statements, propose() calls per second (greedy and sampled, k = 8) on their goals,
//     update() time per 1000 decisions (policy-gradient and replayed decisions together, the
//     version hash included), checkpoint size;
//  2. learning: greedy accuracy on held-out goals of the synthetic bandit
//     (tests/policy/builtin/bandit.hpp) after N updates, for 4 and 8 goal shapes, mean over
//     seeds, for each model and a few learning rates.
//
// Usage: policy_bench [--quick] [--section 1|2]. --quick: small counts, a smoke run of a few
// seconds. Exit status 64 on bad usage.
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "policy/builtin/builtin_policy.hpp"
#include "policy/builtin/features.hpp"
#include "policy/builtin/rng.hpp"
#include "tests/policy/builtin/bandit.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using Seconds = std::chrono::duration<double>;

constexpr const char* kUsage = "usage: policy_bench [--quick] [--section 1|2]\n";
constexpr const char* kModels[] = {"loglinear", "mlp"};

struct Config {
  int generate_rounds = 4;       // section 1: passes over the task set, 8 samples per task
  int propose_rounds = 20;       // passes over the task set's goals
  int update_batches = 20;       // updates timed
  std::vector<int> checkpoints = {5, 10, 20, 40, 80};  // section 2: updates before each measure
  std::vector<double> learning_rates = {0.05, 0.1, 0.3};
  int seeds = 3;
  int only_section = 0;
};

Config quick_config(Config c) {
  c.generate_rounds = 1;
  c.propose_rounds = 2;
  c.update_batches = 3;
  c.checkpoints = {5, 10};
  c.learning_rates = {0.1};
  c.seeds = 1;
  return c;
}

[[noreturn]] void usage_exit(int status) {
  fmt::print(status == 0 ? stdout : stderr, "{}", kUsage);
  std::exit(status);
}

Config parse_args(int argc, char** argv) {
  Config config;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--quick") {
      config = quick_config(config);
    } else if (arg == "--section" && i + 1 < argc) {
      std::string_view n = argv[++i];
      if (n != "1" && n != "2") usage_exit(64);
      config.only_section = n[0] - '0';
    } else {
      usage_exit(arg == "--help" || arg == "-h" ? 0 : 64);
    }
  }
  return config;
}

std::vector<policy::TaskView> core_tasks() {
  std::ifstream in(std::string(HARNESS_SOURCE_DIR) + "/tasks/core/core_tasks.jsonl");
  if (!in) {
    fmt::print(stderr, "policy_bench: cannot read tasks/core/core_tasks.jsonl\n");
    std::exit(1);
  }
  std::vector<policy::TaskView> tasks;
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    policy::TaskView t;
    t.name = j.at("name").get<std::string>();
    t.task_id = t.name;
    t.statement = j.at("formal_statement").get<std::string>();
    tasks.push_back(std::move(t));
  }
  return tasks;
}

double since(Clock::time_point start) {
  return Seconds(Clock::now() - start).count();
}

void speed(const Config& config) {
  const auto tasks = core_tasks();
  fmt::print("## Speed (core task set: {} statements, default options, one thread)\n\n", tasks.size());
  fmt::print("| model | generate: candidates/s | propose greedy: calls/s | propose sampled: calls/s "
             "| update: ms per 1000 decisions | checkpoint after the updates |\n");
  fmt::print("|---|---:|---:|---:|---:|---:|\n");
  for (const char* model : kModels) {
    policy::BuiltinOptions options;
    options.model = model;
    policy::BuiltinPolicy p(options);

    // Whole proofs: 8 samples per task, as a GRPO group would draw them.
    std::vector<policy::GenerationRequest> requests;
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      policy::GenerationRequest r;
      r.task = tasks[i];
      r.samples = 8;
      r.seed = i + 1;
      requests.push_back(r);
    }
    std::size_t candidates = 0;
    auto start = Clock::now();
    std::vector<std::vector<policy::Completion>> last;
    for (int round = 0; round < config.generate_rounds; ++round) {
      for (auto& r : requests) r.seed += 1000;
      last = p.generate(requests);
      for (const auto& c : last) candidates += c.size();
    }
    const double generate_rate = static_cast<double>(candidates) / since(start);

    std::vector<policy::StepState> states;
    for (const auto& t : tasks) {
      policy::StepState s;
      s.goals = {policy::builtin::goal_of_statement(t.statement)};
      states.push_back(s);
    }
    auto propose_rate = [&](bool sampled) {
      std::size_t calls = 0;
      const auto t0 = Clock::now();
      for (int round = 0; round < config.propose_rounds; ++round) {
        for (std::size_t i = 0; i < states.size(); ++i) {
          p.propose(states[i], 8, sampled ? 1 + i + static_cast<std::size_t>(round) * states.size() : 0);
          ++calls;
        }
      }
      return static_cast<double>(calls) / since(t0);
    };
    const double greedy_rate = propose_rate(false);
    const double sampled_rate = propose_rate(true);

    // Updates from the generated samples: one task group of 8 per update batch... rather, all
    // tasks at once: advantages alternate, a third of the samples verified.
    std::size_t decisions = 0;
    double update_seconds = 0;
    policy::builtin::SplitMix64 rng(99);
    for (int b = 0; b < config.update_batches; ++b) {
      std::vector<policy::Experience> batch;
      for (const auto& group : last) {
        for (const auto& c : group) {
          policy::Experience e;
          e.decisions = c.decisions;
          e.verified = rng.uniform() < 1.0 / 3;
          e.advantage = e.verified ? 1.0 : -0.5;
          batch.push_back(std::move(e));
        }
      }
      const auto t0 = Clock::now();
      const auto stats = p.update(batch);
      update_seconds += since(t0);
      decisions += static_cast<std::size_t>(stats.decisions + stats.replayed);
    }
    const double ms_per_1000 = 1000.0 * update_seconds / (static_cast<double>(decisions) / 1000.0);
    const std::size_t bytes = p.checkpoint().size();
    fmt::print("| {} | {:.0f} | {:.0f} | {:.0f} | {:.1f} | {:.1f} KiB |\n", model, generate_rate,
               greedy_rate, sampled_rate, ms_per_1000, static_cast<double>(bytes) / 1024.0);
  }
  fmt::print("\n");
}

void learning(const Config& config) {
  fmt::print("## Learning: greedy accuracy on held-out bandit goals after N updates\n\n");
  fmt::print("Each update: 8 training goals (shapes in turn), 8 sampled proposals each, reward 1 for "
             "the right tactic, GRPO advantages. Mean over {} seed(s); 80 held-out goals.\n\n",
             config.seeds);
  std::string header = "| model | learning rate | shapes |";
  std::string rule = "|---|---:|---:|";
  for (int n : config.checkpoints) {
    header += fmt::format(" N={} |", n);
    rule += "---:|";
  }
  fmt::print("{} s per update |\n{}---:|\n", header, rule);
  for (const char* model : kModels) {
    for (double lr : config.learning_rates) {
      for (int shapes : {4, 8}) {
        std::vector<double> accuracy(config.checkpoints.size(), 0.0);
        double seconds = 0;
        int updates = 0;
        for (int seed = 1; seed <= config.seeds; ++seed) {
          policy::BuiltinOptions options;
          options.model = model;
          options.learning_rate = lr;
          policy::BuiltinPolicy p(options);
          builtin_bandit::SplitMix64 rng(static_cast<uint64_t>(seed));
          int round = 0;
          for (std::size_t c = 0; c < config.checkpoints.size(); ++c) {
            for (; round < config.checkpoints[c]; ++round) {
              const auto t0 = Clock::now();
              auto r = builtin_bandit::play_round(p, shapes, 8, 8, rng, round);
              p.update(r.batch);
              seconds += since(t0);
              ++updates;
            }
            accuracy[c] += builtin_bandit::greedy_accuracy(p, shapes, 80, 777) / config.seeds;
          }
        }
        std::string row = fmt::format("| {} | {} | {} |", model, lr, shapes);
        for (double a : accuracy) row += fmt::format(" {:.2f} |", a);
        fmt::print("{} {:.4f} |\n", row, seconds / updates);
      }
    }
  }
  fmt::print("\n");
}

}  // namespace

int main(int argc, char** argv) {
  const Config config = parse_args(argc, argv);
  if (config.only_section == 0 || config.only_section == 1) speed(config);
  if (config.only_section == 0 || config.only_section == 2) learning(config);
  return 0;
}
