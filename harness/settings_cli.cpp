#include "harness/settings_cli.hpp"

#include <cstdlib>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace harness::settings {

void add_option(CLI::App& app, const Row& row, std::function<void(std::string_view)> set,
                std::function<void()> reset) {
  const Spec& spec = row.spec;
  std::string help = description(spec);
  std::string shown = default_text(row);
  if (!shown.empty()) help += fmt::format(" [default: {}]", shown);
  CLI::Option* option = nullptr;
  if (spec.kind == Kind::flag) {
    option = app.add_flag_function(
        spec.names, [set](std::int64_t count) { if (count > 0) set(""); }, help);
  } else {
    bool list = spec.kind == Kind::list;
    option = app.add_option(
        spec.names,
        [set, reset, list, env = spec.env](const CLI::results_t& results) {
          for (size_t i = 0; i < results.size(); ++i) {
            try {
              if (list && i == 0) reset();
              set(results[i]);
            } catch (const SettingError& e) {
              // A value that came from the environment says so: the command line has none.
              const char* from_env = env.empty() ? nullptr : std::getenv(env.c_str());
              bool env_value = from_env != nullptr && results[i] == from_env;
              throw CLI::ValidationError(
                  env_value ? fmt::format("{} (from {})", e.what(), env) : std::string(e.what()));
            }
          }
          return true;
        },
        help);
    option->type_name(spec.value.empty() ? "VALUE" : spec.value);
    // An option takes one value each time it is given; a positional list takes every value
    // left (harness merge A.db B.db ...).
    bool positional = !spec.names.empty() && spec.names[0] != '-';
    option->expected(list && positional ? -1 : 1);
    option->multi_option_policy(list ? CLI::MultiOptionPolicy::TakeAll
                                     : CLI::MultiOptionPolicy::TakeLast);
    if (spec.required) option->required();
  }
  if (!spec.env.empty()) option->envname(spec.env);
}

}  // namespace harness::settings
