#include "harness/assembly.hpp"

#include <fmt/format.h>

#include "common/lean_header.hpp"
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

}  // namespace

Assembly assemble(const tasks::Candidate& candidate, const lean_bridge::Guard& guard) {
  bool body = candidate.form == tasks::ProofForm::continuation;
  auto finding = guard.check(candidate.proof,
                             body ? lean_bridge::GuardMode::proof_body
                                  : lean_bridge::GuardMode::whole_file,
                             candidate.task.header);
  Assembly a = body ? continuation(candidate) : whole_text(candidate);
  if (finding && !(a.early && a.early->verdict == Verdict::invalid)) {
    a.early = EarlyVerdict{finding->verdict, DecidedBy::guard, "",
                           (body ? "in the proof, " : "") + finding->describe()};
  }
  return a;
}

}  // namespace harness
