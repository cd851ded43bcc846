#include "harness/assembly.hpp"

#include <fmt/format.h>

#include "common/lean_header.hpp"
#include "harness/heartbeats.hpp"
#include "tasks/target.hpp"

namespace harness {
namespace {

using lean_bridge::DecidedBy;
using lean_bridge::Verdict;

std::string last_component(const std::string& name) {
  auto dot = name.rfind('.');
  return dot == std::string::npos ? name : name.substr(dot + 1);
}

// The line gives a statement and its continuation: the harness assembles the text itself
// from the task's header and statement, so positions count from the statement's first line.
Assembly continuation(const tasks::Candidate& c) {
  Assembly a;
  auto header = common::split_header(c.task.header);
  a.request.imports = header.imports;
  a.request.header_rest = header.rest;
  a.request.body = c.task.statement + c.proof;
  a.request.statement = c.task.statement;
  auto target = tasks::find_target(c);
  if (!target.error.empty()) {
    a.early = EarlyVerdict{Verdict::invalid, DecidedBy::input, "formal_statement", target.error};
  }
  a.request.target = target.name;
  return a;
}

// The line gives a whole Lean file: its own imports (or, without any, the task's header),
// and positions count from the file's first line.
Assembly whole_text(const tasks::Candidate& c) {
  Assembly a;
  auto file = common::split_header(c.proof);
  if (file.imports.empty()) {
    auto header = common::split_header(c.task.header);
    a.request.imports = header.imports;
    a.request.header_rest = header.rest;
  } else {
    a.request.imports = file.imports;
    a.on_task_header = false;
  }
  a.request.body = file.rest;
  a.request.line_offset = file.rest_first_line - 1;
  a.request.statement = c.task.statement;
  auto target = tasks::find_target(c);
  if (!target.error.empty()) {
    a.early = EarlyVerdict{Verdict::rejected, DecidedBy::statement, "", target.error};
  } else if (!c.task.name.empty() && last_component(target.name) != c.task.name) {
    a.early = EarlyVerdict{Verdict::rejected, DecidedBy::statement, "",
                           fmt::format("the file declares no `{}` (its last theorem is `{}`)",
                                       c.task.name, target.name)};
  }
  a.request.target = target.name;
  return a;
}

struct Refusal {
  lean_bridge::Verdict verdict;
  std::string reason;
};

// The guard's first finding in what Lean would read of the candidate, in the order Lean reads
// it: the line's own header, the line's own statement (both are elaborated: the header once per
// worker, the statement as the reference the target must match), then the proof. The user's
// header and statement are trusted and not read. The reason says where the finding is.
std::optional<Refusal> guard_refusal(const tasks::Candidate& c, const lean_bridge::Guard& guard) {
  using lean_bridge::GuardMode;
  using tasks::TextSource;
  if (c.header_source == TextSource::line) {
    if (auto finding = guard.check(c.task.header, GuardMode::header, "")) {
      return Refusal{finding->verdict, "in the line's header, " + finding->describe()};
    }
  }
  if (c.statement_source == TextSource::line) {
    if (auto finding = guard.check(c.task.statement, GuardMode::statement, c.task.header)) {
      return Refusal{finding->verdict, "in the line's formal_statement, " + finding->describe()};
    }
  }
  bool body = c.form == tasks::ProofForm::continuation;
  if (auto finding = guard.check(c.proof, body ? GuardMode::proof_body : GuardMode::whole_file,
                                 c.task.header)) {
    return Refusal{finding->verdict, (body ? "in the proof, " : "") + finding->describe()};
  }
  return std::nullopt;
}

// The heartbeat limit of the check (the task header's own, capped at the budget) ends the
// header's rest, so the worker's header environment carries it into every proof; the texts'
// own `set_option maxHeartbeats` are capped at it.
void apply_heartbeats(lean_bridge::CheckRequest& request, const std::string& task_header,
                      int64_t budget) {
  int64_t limit = effective_heartbeats(task_header, budget);
  request.header_rest = with_heartbeat_limit(request.header_rest, limit);
  request.body = cap_heartbeats(request.body, limit);
  request.statement = cap_heartbeats(request.statement, limit);
}

}  // namespace

Assembly assemble(const tasks::Candidate& candidate, const lean_bridge::Guard& guard,
                  int64_t heartbeats) {
  bool body = candidate.form == tasks::ProofForm::continuation;
  auto refusal = guard_refusal(candidate, guard);
  Assembly a = body ? continuation(candidate) : whole_text(candidate);
  apply_heartbeats(a.request, candidate.task.header, heartbeats);
  if (refusal && !(a.early && a.early->verdict == Verdict::invalid)) {
    a.early = EarlyVerdict{refusal->verdict, DecidedBy::guard, "", std::move(refusal->reason)};
  }
  return a;
}

}  // namespace harness
