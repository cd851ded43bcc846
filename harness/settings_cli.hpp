#pragma once
// A settings table on a CLI11 (sub)command: each row becomes an option that sets its field,
// with its help, its default and its environment variable; a value the option does not take
// is refused with a short message naming the option and what it expects.
#include <functional>
#include <string>
#include <string_view>

#include "harness/settings.hpp"

namespace CLI {
class App;
}

namespace harness::settings {

// Each option given (on the command line or from its environment variable) is added to
// `target.given` (its primary name) when the target has that set.
// One option: `set` is called for each value given (a flag: once, with ""), after `reset`
// for a list. Throws CLI's ParseError from `set` as a ValidationError with SettingError's text.
void add_option(CLI::App& app, const Row& row, std::function<void(std::string_view)> set,
                std::function<void()> reset);

template <class S, class Target>
void add_settings(CLI::App& app, const Group<S>& group, Target& target) {
  static_assert(std::is_base_of_v<S, Target>);
  S& s = target;
  const S defaults{};
  for (const auto& setting : group.settings) {
    add_option(app, Row{setting.spec, setting.show(defaults)},
               [&s, &target, set = setting.set,
                name = primary_name(setting.spec)](std::string_view text) {
                 set(s, text);
                 // What `--resume` must not take from the run's record.
                 if constexpr (requires { target.given.insert(name); }) target.given.insert(name);
               },
               [&s, reset = setting.reset] { reset(s); });
  }
}

}  // namespace harness::settings
