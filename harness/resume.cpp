#include "harness/resume.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "harness/engine.hpp"
#include "store/process.hpp"

namespace harness {

store::RunRow named_run(const store::Store& db, const std::string& name, const std::string& option) {
  std::optional<store::RunRow> run;
  if (name == "latest") {
    auto all = db.runs();
    if (!all.empty()) run = all.back();
  } else {
    run = db.run_by_uuid(name);
    if (!run && !name.empty() && std::all_of(name.begin(), name.end(), ::isdigit)) {
      run = db.run(std::stoll(name));
    }
  }
  if (!run) throw UsageError(fmt::format("{} {}: no such run in {}", option, name, db.path()));
  return *run;
}

store::RunRow find_resumable_run(const store::Store& db, const std::string& which,
                                 const std::string& kind, const std::string& db_path) {
  std::optional<store::RunRow> run;
  if (which == "latest") {
    std::vector<store::RunRow> runs = db.runs();
    for (auto it = runs.rbegin(); it != runs.rend() && !run; ++it) {
      if (it->command == kind && it->status != store::RunStatus::completed) run = *it;
    }
    if (!run) {
      throw UsageError(fmt::format("--resume latest: {} has no {} run that did not complete",
                                   db_path, kind));
    }
  } else {
    run = db.run_by_uuid(which);
    if (!run) throw UsageError(fmt::format("--resume {}: no such run in {}", which, db_path));
    if (run->command != kind) {
      throw UsageError(fmt::format("--resume {}: run {} is a `{}` run, not a `{}` run", which,
                                   run->uuid, run->command, kind));
    }
  }
  if (run->status == store::RunStatus::running && run->process &&
      run->host.value_or("") == host_name() &&
      store::process_state(*run->process) == store::ProcessState::alive) {
    throw UsageError(fmt::format("--resume {}: run {} is still running (pid {} on this host); stop "
                                 "it first", which, run->uuid, run->process->pid));
  }
  return *run;
}

}  // namespace harness
