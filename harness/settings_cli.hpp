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
               [&s, set = setting.set](std::string_view text) { set(s, text); },
               [&s, reset = setting.reset] { reset(s); });
  }
}

}  // namespace harness::settings
