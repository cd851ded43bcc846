#pragma once
// The commands of `harness`, declared once: name, one line of help, and the function that
// adds the command's settings tables to its subcommand and returns what runs it. The command
// line (cli.cpp), `harness` without a command, the unknown-command message and the README's
// command list all come from this table.
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace harness {

struct Command {
  std::string name;
  std::string help;  // one line
  // Adds the command's settings to `app` and returns the function that runs the command with
  // them once the command line is parsed. `argv` is the whole command line (recorded in runs).
  std::function<std::function<int()>(CLI::App& app, const std::vector<std::string>& argv)> setup;
  bool hidden = false;  // a maintainer's command: not listed
};

const std::vector<Command>& commands();
const Command* find_command(const std::string& name);
// The listed commands' names: "score, search, metrics, doctor".
std::string command_names();
// What `harness` alone prints: a usage line and the list of commands with their help.
std::string command_list();

// The README's generated sections: settings tables, exit statuses, commands. Each sits
// between `<!-- BEGIN GENERATED ID ... -->` and `<!-- END GENERATED ID -->` lines.
std::map<std::string, std::string> readme_sections();
struct ReadmeUpdate {
  std::string text;                  // the README with every section regenerated
  std::vector<std::string> changed;  // sections whose text was not what the code declares
  std::vector<std::string> missing;  // sections the README does not have
};
ReadmeUpdate update_readme(const std::string& readme);

}  // namespace harness
