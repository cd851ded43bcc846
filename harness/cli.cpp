#include "harness/cli.hpp"

#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "harness/commands.hpp"
#include "harness/exit_codes.hpp"

namespace harness {

int run_cli(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  if (args.size() < 2) {
    fmt::print("{}", command_list());
    return kExitOk;
  }
  const std::string& first = args[1];
  if (!first.empty() && first[0] != '-' && find_command(first) == nullptr) {
    fmt::print(stderr, "harness: unknown command '{}' (commands: {})\n", first, command_names());
    return kExitUsage;
  }

  CLI::App app{"harness: verify Lean 4 proofs at scale and turn verdicts into rewards"};
  app.name("harness");
  app.require_subcommand(0, 1);
  std::map<std::string, std::function<int()>> runners;
  for (const auto& command : commands()) {
    CLI::App* sub = app.add_subcommand(command.name, command.help);
    if (command.hidden) sub->group("");
    runners[command.name] = command.setup(*sub, args);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  } catch (const CLI::ParseError& e) {
    auto parsed = app.get_subcommands();
    if (parsed.empty()) {
      fmt::print(stderr, "harness: {}\nRun `harness` for the commands.\n", e.what());
    } else {
      std::string who = "harness " + parsed.back()->get_name();
      fmt::print(stderr, "{}: {}\nRun `{} --help` for the settings.\n", who, e.what(), who);
    }
    return kExitUsage;
  }
  auto parsed = app.get_subcommands();
  if (parsed.empty()) {
    fmt::print("{}", command_list());
    return kExitOk;
  }
  return runners.at(parsed.front()->get_name())();
}

}  // namespace harness
