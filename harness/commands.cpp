#include "harness/commands.hpp"

#include <fstream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "harness/check_command.hpp"
#include "harness/doctor.hpp"
#include "harness/engine.hpp"
#include "harness/exit_codes.hpp"
#include "harness/merge_command.hpp"
#include "harness/library_command.hpp"
#include "harness/metrics_command.hpp"
#include "harness/progress.hpp"
#include "harness/report.hpp"
#include "harness/prune_command.hpp"
#include "harness/score_settings.hpp"
#include "harness/serve_settings.hpp"
#include "harness/search_settings.hpp"
#include "harness/settings_cli.hpp"
#include "harness/settings_tables.hpp"
#include "harness/traces_command.hpp"

namespace harness {
namespace {

using settings::add_settings;

// Settles what the command line cannot: the recorded command line, and a progress display
// only where someone watches it (stderr a terminal), for every command.
void settle(EngineSettings& s, const std::vector<std::string>& argv) {
  s.argv = argv;
  s.progress = progress_display(s.progress);
}

int score(ScoreSettings& s) { return run_score(s); }

int search(SearchSettings& s) {
  if (s.tasks.empty() && !s.resume) {
    fmt::print(stderr, "harness search: --tasks is required (or --resume)\n");
    return kExitUsage;
  }
  return run_search(s);
}

// `harness settings`: a maintainer's command that prints the README's generated sections.
struct SettingsCommand {
  std::string markdown;       // a section to print
  std::string update_readme;  // a README whose generated sections are rewritten
};

const settings::Group<SettingsCommand>& settings_command_group() {
  using S = SettingsCommand;
  static const settings::Group<S> group{
      "settings",
      "`harness settings`",
      {
          settings::setting<S>(&S::markdown,
                               {.names = "--markdown", .value = "SECTION",
                                .help = "Print a generated README section: a settings group "
                                        "(engine, score, search, remote-policy, metrics, "
                                        "doctor, serve, prune, merge, check, report, traces, library), "
                                        "exit-codes or commands"}),
          settings::setting<S>(&S::update_readme,
                               {.names = "--update-readme", .value = "FILE",
                                .help = "Regenerate the generated sections of FILE in place"}),
      }};
  return group;
}

int print_settings(const SettingsCommand& s) {
  auto sections = readme_sections();
  if (!s.markdown.empty()) {
    auto it = sections.find(s.markdown);
    if (it == sections.end()) it = sections.find("settings-" + s.markdown);
    if (it == sections.end()) {
      std::string names;
      for (const auto& [name, text] : sections) names += (names.empty() ? "" : ", ") + name;
      fmt::print(stderr, "harness settings: no section '{}' (sections: {})\n", s.markdown, names);
      return kExitUsage;
    }
    fmt::print("{}", it->second);
  }
  if (!s.update_readme.empty()) {
    std::ifstream in(s.update_readme, std::ios::binary);
    if (!in) {
      fmt::print(stderr, "harness settings: cannot read {}\n", s.update_readme);
      return kExitUsage;
    }
    std::stringstream text;
    text << in.rdbuf();
    ReadmeUpdate update = update_readme(text.str());
    for (const auto& name : update.missing) {
      fmt::print(stderr, "harness settings: {} has no section {} (add the BEGIN/END GENERATED "
                         "lines where it belongs)\n", s.update_readme, name);
    }
    if (!update.changed.empty()) {
      std::ofstream out(s.update_readme, std::ios::binary | std::ios::trunc);
      out << update.text;
      if (!out) {
        fmt::print(stderr, "harness settings: cannot write {}\n", s.update_readme);
        return kExitLeanOrStore;
      }
    }
    fmt::print("{}: {} section(s) regenerated{}\n", s.update_readme, update.changed.size(),
               update.changed.empty() ? "" : fmt::format(" ({})", fmt::join(update.changed, ", ")));
  }
  if (s.markdown.empty() && s.update_readme.empty()) {
    fmt::print(stderr, "harness settings: give --markdown SECTION or --update-readme FILE\n");
    return kExitUsage;
  }
  return kExitOk;
}

// A command whose settings struct S is filled by `add` and run by `run`.
template <class S>
auto with_settings(void (*add)(CLI::App&, S&), int (*run)(S&)) {
  return [add, run](CLI::App& app, const std::vector<std::string>& argv) {
    auto s = std::make_shared<S>();
    add(app, *s);
    return std::function<int()>([s, run, argv] {
      if constexpr (std::is_base_of_v<EngineSettings, S>) settle(*s, argv);
      return run(*s);
    });
  };
}

}  // namespace

const std::vector<Command>& commands() {
  static const std::vector<Command> table{
      {"score",
       "Check every candidate proof of a JSONL file with Lean and write one verdict + reward row "
       "per line",
       with_settings<ScoreSettings>(
           [](CLI::App& app, ScoreSettings& s) {
             add_settings(app, settings::score_group(), s);
             add_settings(app, settings::engine_group(), s);
           },
           score)},
      {"check",
       "CI for a corpus of proofs expected to pass: verify every line with Lean (not the cache), "
       "compare with a baseline run, write JUnit XML; exit 1 when a line does not pass",
       with_settings<CheckSettings>(
           [](CLI::App& app, CheckSettings& s) {
             add_settings(app, settings::score_group(), static_cast<ScoreSettings&>(s));
             add_settings(app, settings::check_group(), s);
             add_settings(app, settings::engine_group(), static_cast<EngineSettings&>(s));
           },
           [](CheckSettings& s) { return run_check(s); })},
      {"search",
       "Sample proofs of tasks from a policy, verify them with Lean, learn from the rewards over "
       "epochs, and report pass@k per split (docs/search.md)",
       with_settings<SearchSettings>(
           [](CLI::App& app, SearchSettings& s) {
             add_settings(app, settings::search_group(), s);
             add_settings(app, settings::remote_policy_group(), s);
             add_settings(app, settings::engine_group(), s);
           },
           search)},
      {"metrics",
       "Compression metrics of the verified proofs in the store: per proof, per task and per "
       "declaration (metrics/README.md)",
       with_settings<MetricsSettings>(
           [](CLI::App& app, MetricsSettings& s) {
             add_settings(app, settings::metrics_group(), s);
           },
           [](MetricsSettings& s) { return run_metrics(s); })},
      {"traces",
       "The tactic-level steps of the store's verified proofs as Lean reports them (goals "
       "before and after each tactic), checked again with Lean, as JSONL (docs/traces.md)",
       with_settings<TracesSettings>(
           [](CLI::App& app, TracesSettings& s) {
             add_settings(app, settings::traces_group(), s);
             add_settings(app, settings::engine_group(), static_cast<EngineSettings&>(s));
           },
           [](TracesSettings& s) { return run_traces(s); })},
      {"library",
       "The lemma library that grows by compression: grow (lemmas lifted from the verified "
       "proofs, kept when they shorten the network of proofs), show, export (docs/library.md)",
       with_settings<LibrarySettings>(
           [](CLI::App& app, LibrarySettings& s) {
             add_settings(app, settings::library_group(), s);
             add_settings(app, settings::engine_group(), static_cast<EngineSettings&>(s));
           },
           [](LibrarySettings& s) { return run_library(s); })},
      {"report",
       "What the store's runs did, per run and in total: attempts per verdict and tasks solved "
       "(text, markdown, json or csv), and with --html a self-contained HTML report with charts",
       with_settings<ReportSettings>(
           [](CLI::App& app, ReportSettings& s) {
             add_settings(app, settings::report_group(), s);
           },
           [](ReportSettings& s) { return run_report(s); })},
      {"serve",
       "Serve verdicts and rewards over HTTP, as Kimina Lean Server does, for RL trainers "
       "(docs/serve.md)",
       with_settings<ServeSettings>(
           [](CLI::App& app, ServeSettings& s) {
             add_settings(app, settings::serve_group(), s);
             add_settings(app, settings::engine_group(), s);
           },
           [](ServeSettings& s) { return run_serve(s); })},
      {"prune",
       "Delete old attempts (serve traffic by default) with the rows that depend on them, "
       "keeping runs, their summaries and the verification cache, then shrink the file",
       with_settings<PruneSettings>(
           [](CLI::App& app, PruneSettings& s) {
             add_settings(app, settings::prune_group(), s);
           },
           [](PruneSettings& s) { return run_prune(s); })},
      {"merge",
       "Merge the stores of several machines (serve replicas, Slurm shards) into one, keeping "
       "where each run came from",
       with_settings<MergeSettings>(
           [](CLI::App& app, MergeSettings& s) {
             add_settings(app, settings::merge_group(), s);
           },
           [](MergeSettings& s) { return run_merge(s); })},
      {"doctor",
       "Say what this machine has for checking Lean proofs, what is missing and how to fix it",
       with_settings<DoctorSettings>(
           [](CLI::App& app, DoctorSettings& s) {
             add_settings(app, settings::doctor_group(), s);
           },
           [](DoctorSettings& s) {
             return run_command("doctor", [&] { return run_doctor(s); });
           })},
      {"settings",
       "Print the README's generated sections (settings tables, exit statuses, commands) or "
       "regenerate them in a README",
       with_settings<SettingsCommand>(
           [](CLI::App& app, SettingsCommand& s) {
             add_settings(app, settings_command_group(), s);
           },
           [](SettingsCommand& s) { return print_settings(s); }),
       /*hidden=*/true},
  };
  return table;
}

const Command* find_command(const std::string& name) {
  for (const auto& c : commands()) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

std::string command_names() {
  std::string out;
  for (const auto& c : commands()) {
    if (!c.hidden) out += (out.empty() ? "" : ", ") + c.name;
  }
  return out;
}

std::string command_list() {
  size_t width = 0;
  for (const auto& c : commands()) {
    if (!c.hidden) width = std::max(width, c.name.size());
  }
  std::string out =
      "harness: verify Lean 4 proofs at scale and turn verdicts into rewards\n"
      "usage: harness COMMAND [OPTIONS]   (harness COMMAND --help: its settings)\n\ncommands:\n";
  for (const auto& c : commands()) {
    if (!c.hidden) out += fmt::format("  {:<{}}  {}\n", c.name, width, c.help);
  }
  return out;
}

std::map<std::string, std::string> readme_sections() {
  std::map<std::string, std::string> out;
  for (const auto& group : settings::all_groups()) {
    out["settings-" + group.name] = settings::markdown_table(group.rows);
  }
  std::string codes = "| status | meaning |\n|---|---|\n";
  for (const auto& e : kExitCodes) codes += fmt::format("| {} | {} |\n", e.code, e.meaning);
  out["exit-codes"] = codes;
  std::string list = "| command | what it does |\n|---|---|\n";
  for (const auto& c : commands()) {
    if (!c.hidden) list += fmt::format("| `harness {}` | {} |\n", c.name, c.help);
  }
  out["commands"] = list;
  return out;
}

ReadmeUpdate update_readme(const std::string& readme) {
  ReadmeUpdate result;
  auto sections = readme_sections();
  std::string text = readme;
  for (const auto& [name, body] : sections) {
    std::string begin_prefix = fmt::format("<!-- BEGIN GENERATED {} ", name);
    std::string end_line = fmt::format("<!-- END GENERATED {} -->\n", name);
    size_t begin = text.find(begin_prefix);
    size_t body_start = begin == std::string::npos ? begin : text.find('\n', begin);
    size_t end = body_start == std::string::npos ? body_start : text.find(end_line, body_start);
    if (end == std::string::npos) {
      result.missing.push_back(name);
      continue;
    }
    ++body_start;
    if (text.compare(body_start, end - body_start, body) != 0) {
      result.changed.push_back(name);
      text.replace(body_start, end - body_start, body);
    }
  }
  result.text = std::move(text);
  return result;
}

}  // namespace harness
