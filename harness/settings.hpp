#pragma once
// Settings declared once. Each option of the command line is one row of a table (a Group):
// its names, the name of its value, its help, how its default reads, its check and its
// environment variable, bound to the field of the settings struct it sets. The command line
// (settings_cli.hpp), `--help` and the README's settings tables are all made from these rows.
//
// A default is the field's initializer in the settings struct (read from a value-initialised
// struct), so it is written once too; `default_text` only says how a default that is not a
// plain value reads ("number of cores").
//
// A row with a `key` is recorded in a search run (JSON, in the run's row of the store) and read
// back by `search --resume` (record() and restore() below): adding such a row is all it takes.
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

namespace harness::settings {

// A value the command line or the environment gave that the option does not take.
struct SettingError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// What an option's value must be. Numbers: a range (either end may be open); text: one of
// `choices` when there are any.
struct Check {
  std::optional<double> min;
  bool min_exclusive = false;  // min itself is refused ("greater than 0")
  std::optional<double> max;
  std::vector<std::string> choices;
};
Check range(double min, double max);
Check at_least(double min);
Check greater_than(double min);
Check one_of(std::vector<std::string> choices);

// What kind of value a field holds (deduced from its type).
enum class Kind { text, integer, unsigned_integer, real, flag, list };

// One option, everything but its binding.
struct Spec {
  std::string names{};         // CLI11 names: "--workers,-j"; a positional's bare name: "input"
  // The option's key in a search run's recorded settings, which `search --resume` reads back:
  // the field's name, and never changed once runs hold it (users' stores keep their runs). None:
  // not recorded (how and where a run runs, not what it samples and learns).
  std::string key{};
  std::string value{};         // the value's name in help and README: "N", "FILE" (none for flags)
  std::string help{};          // what it does, one line
  std::string default_text{};  // how the default reads when it is not a plain value
  Check check{};
  std::string env{};           // environment variable read when the option is absent
  bool inverted = false;       // a flag that sets its field to false (--no-cache → use_cache)
  bool required = false;       // a positional that must be given
  // --resume keeps a value the command line gives; the recorded one only fills the option
  // when it is left at its default (where a resumed run writes its rollouts).
  bool given_wins = false;
  // Filled in by setting(): the kind of the bound field.
  Kind kind = Kind::text;
};

// The first long name ("--workers") or the positional's name.
std::string primary_name(const Spec& spec);
// The names as the README shows them: "`--workers N` (`-j`)", "`INPUT`".
std::string display_names(const Spec& spec);
// The help with what the check allows and the environment variable, as --help and the README
// show it.
std::string description(const Spec& spec);

// Reading one text into a value: throws SettingError naming the option and what it expects.
int64_t parse_integer(const Spec& spec, std::string_view text);
uint64_t parse_unsigned(const Spec& spec, std::string_view text);
double parse_real(const Spec& spec, std::string_view text);
std::string parse_text(const Spec& spec, std::string_view text);

// A number as the README and --help show it: 60, 0.95, 16384.
std::string format_number(double value);

// An option bound to a field of S.
template <class S>
struct Setting {
  Spec spec;
  std::function<void(S&, std::string_view)> set;  // one value given (a flag: any text)
  std::function<void(S&)> reset;                  // before a list's values: empty it
  std::function<std::string(const S&)> show;      // the field as text; "" when it has none
  // The field as recorded (JSON: a number, text, bool, list; null for an empty optional) and
  // back. restore() throws SettingError for a value of the wrong type.
  std::function<nlohmann::json(const S&)> record;
  std::function<void(S&, const nlohmann::json&)> restore;
  std::function<void(S&, const S&)> copy;  // the field from another struct (its defaults)
};

template <class S>
struct Group {
  std::string name;   // "engine", "score", ... (`harness settings --markdown NAME`)
  std::string title;  // one line, for people
  std::vector<Setting<S>> settings;
};

namespace detail {
template <class T> struct is_optional : std::false_type {};
template <class T> struct is_optional<std::optional<T>> : std::true_type {};

template <class T>
constexpr Kind kind_of() {
  if constexpr (std::is_same_v<T, bool>) return Kind::flag;
  else if constexpr (std::is_same_v<T, std::vector<std::string>>) return Kind::list;
  else if constexpr (std::is_same_v<T, std::string>) return Kind::text;
  else if constexpr (std::is_floating_point_v<T>) return Kind::real;
  else if constexpr (std::is_integral_v<T> && std::is_unsigned_v<T>) return Kind::unsigned_integer;
  else if constexpr (std::is_integral_v<T>) return Kind::integer;
  else if constexpr (is_optional<T>::value) return kind_of<typename T::value_type>();
  else static_assert(!sizeof(T), "no settings kind for this field type");
}

template <class T>
T parse(const Spec& spec, std::string_view text) {
  if constexpr (is_optional<T>::value) {
    return parse<typename T::value_type>(spec, text);
  } else if constexpr (std::is_same_v<T, std::string>) {
    return parse_text(spec, text);
  } else if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(parse_real(spec, text));
  } else if constexpr (std::is_unsigned_v<T>) {
    uint64_t v = parse_unsigned(spec, text);
    if (v > static_cast<uint64_t>(std::numeric_limits<T>::max())) {
      throw SettingError(primary_name(spec) + ": too large");
    }
    return static_cast<T>(v);
  } else {
    int64_t v = parse_integer(spec, text);
    if (v < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
        v > static_cast<int64_t>(std::numeric_limits<T>::max())) {
      throw SettingError(primary_name(spec) + ": " + std::string(text) + " is out of range");
    }
    return static_cast<T>(v);
  }
}

template <class T>
std::string show(const T& value) {
  if constexpr (is_optional<T>::value) {
    return value ? show(*value) : std::string();
  } else if constexpr (std::is_same_v<T, std::string>) {
    return value;
  } else if constexpr (std::is_same_v<T, bool>) {
    return value ? "on" : "off";
  } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    std::string out;
    for (const auto& v : value) out += (out.empty() ? "" : ", ") + v;
    return out;
  } else if constexpr (std::is_floating_point_v<T>) {
    return format_number(static_cast<double>(value));
  } else {
    return std::to_string(value);
  }
}

template <class T>
nlohmann::json to_json(const T& value) {
  if constexpr (is_optional<T>::value) {
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
  } else {
    return nlohmann::json(value);
  }
}

// A recorded value into `field`; null (an optional that had no value) leaves it as it is.
template <class T>
void from_json(const Spec& spec, T& field, const nlohmann::json& value) {
  if (value.is_null()) return;
  try {
    if constexpr (is_optional<T>::value) {
      field = value.get<typename T::value_type>();
    } else {
      field = value.get<T>();
    }
  } catch (const nlohmann::json::exception&) {
    throw SettingError("recorded setting " + (spec.key.empty() ? primary_name(spec) : spec.key) +
                       ": " + value.dump() + " is not a " +
                       "value of " + primary_name(spec));
  }
}

// The row that binds `spec` to the field `get` gives (a field of S, or of a member of S).
template <class S, class T, class Get>
Setting<S> bind(Get get, Spec spec) {
  spec.kind = kind_of<T>();
  Setting<S> s;
  s.spec = spec;
  s.set = [get, spec](S& target, std::string_view text) {
    T& f = get(target);
    if constexpr (std::is_same_v<T, bool>) {
      f = !spec.inverted;
    } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
      f.push_back(parse_text(spec, text));
    } else {
      f = parse<T>(spec, text);
    }
  };
  s.reset = [get](S& target) {
    if constexpr (std::is_same_v<T, std::vector<std::string>>) get(target).clear();
  };
  s.show = [get](const S& target) { return show(get(target)); };
  s.record = [get](const S& target) { return to_json(get(target)); };
  s.restore = [get, spec](S& target, const nlohmann::json& value) {
    from_json(spec, get(target), value);
  };
  s.copy = [get](S& target, const S& from) { get(target) = get(from); };
  return s;
}
}  // namespace detail

// The row that binds `spec` to `field` of S (or of a base of S).
template <class S, class Base, class T>
Setting<S> setting(T Base::*field, Spec spec) {
  static_assert(std::is_base_of_v<Base, S>);
  return detail::bind<S, T>([field](auto& target) -> auto& { return target.*field; },
                            std::move(spec));
}

// The row that binds `spec` to `field` of the member `member` of S (or of a base of S): an
// option whose value lands in a struct of its own (policy::RemoteOptions).
template <class S, class Base, class M, class T>
Setting<S> setting(M Base::*member, T M::*field, Spec spec) {
  static_assert(std::is_base_of_v<Base, S>);
  return detail::bind<S, T>(
      [member, field](auto& target) -> auto& { return (target.*member).*field; }, std::move(spec));
}

// A search run's record of a group's rows with a key: {key: value}, added to `out`.
template <class S>
void record(const Group<S>& group, const S& s, nlohmann::json& out) {
  for (const auto& setting : group.settings) {
    if (!setting.spec.key.empty()) out[setting.spec.key] = setting.record(s);
  }
}

// The recorded values back into s (`search --resume`). A key the record lacks (a run recorded
// before its option existed) takes the option's default; a null one (an optional without a
// value) and an option with given_wins that the command line gave keep what s holds.
template <class S>
void restore(const Group<S>& group, S& s, const nlohmann::json& recorded) {
  const S defaults{};
  for (const auto& setting : group.settings) {
    const Spec& spec = setting.spec;
    if (spec.key.empty()) continue;
    if (spec.given_wins && setting.show(s) != setting.show(defaults)) continue;
    auto found = recorded.find(spec.key);
    if (found == recorded.end()) {
      setting.copy(s, defaults);
    } else {
      setting.restore(s, *found);
    }
  }
}

// A run's record of every option of a group, for `--resume` (score, check, and search's engine
// options): {primary name: value}, the values of FILE, DIR and INPUT options (and of a DB|RUN
// option naming a file) made absolute, so a run resumed from another folder reads the same files.
// The options in `skip` (how the resume finds the run, how it shows progress) are left out.
nlohmann::json absolute_paths(const Spec& spec, nlohmann::json value);
template <class S>
void record_options(const Group<S>& group, const S& s, nlohmann::json& out,
                    const std::set<std::string>& skip) {
  for (const auto& setting : group.settings) {
    std::string name = primary_name(setting.spec);
    if (skip.count(name) == 0) out[name] = absolute_paths(setting.spec, setting.record(s));
  }
}

// The recorded options back into s (`--resume`): an option the resume's own command line (or
// environment) gave keeps its value (`given`: primary names), as do the options in `skip`; an
// option the record lacks keeps what s holds (its default). Throws SettingError for a recorded
// value of the wrong type.
template <class S>
void restore_options(const Group<S>& group, S& s, const nlohmann::json& recorded,
                     const std::set<std::string>& given, const std::set<std::string>& skip) {
  if (!recorded.is_object()) return;
  for (const auto& setting : group.settings) {
    std::string name = primary_name(setting.spec);
    if (given.count(name) || skip.count(name)) continue;
    auto found = recorded.find(name);
    if (found == recorded.end()) continue;
    const S defaults{};
    setting.copy(s, defaults);  // a recorded null (an optional without a value) reads as unset
    setting.restore(s, *found);
  }
}

// A row of a settings table as the README shows it.
struct Row {
  Spec spec;
  std::string default_value;  // the field's value in a value-initialised struct, as text
};

template <class S>
std::vector<Row> rows(const Group<S>& group) {
  const S defaults{};
  std::vector<Row> out;
  for (const auto& s : group.settings) out.push_back({s.spec, s.show(defaults)});
  return out;
}

// How the default reads in --help (plain text; "" when there is none to show).
std::string default_text(const Row& row);
// The default cell of the README's table (values in backticks).
std::string default_markdown(const Row& row);

// The README's table of one group: | option | default | meaning |.
std::string markdown_table(const std::vector<Row>& rows);

// Every group of every command, as rows (for the README and `harness settings`).
struct GroupRows {
  std::string name;
  std::string title;
  std::vector<Row> rows;
};

}  // namespace harness::settings
