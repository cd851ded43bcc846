#include "tasks/target.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "tasks/declaration_scanner.hpp"
#include "tasks/invalid_line.hpp"

namespace tasks {
namespace {

TargetResult failure(std::string error) {
  return TargetResult{"", std::move(error)};
}

std::string suggested_name(std::string_view task_name) {
  return task_name.empty() ? "NAME" : std::string(task_name);
}

// The declaration as a target, or why it cannot be one.
TargetResult named_target(const Declaration& declaration, std::string_view task_name) {
  if (declaration.keyword == "example") {
    return failure(
        fmt::format("the target is an `example`, which has no name to ask Lean for "
                    "its axioms; name it `theorem {}`",
                    suggested_name(task_name)));
  }
  if (declaration.name.empty() && declaration.keyword == "instance") {
    return failure(
        fmt::format("the target is an anonymous `instance`, which has no name to ask "
                    "Lean for its axioms; name it `instance {}`",
                    suggested_name(task_name)));
  }
  if (declaration.name.empty()) {
    return failure(
        fmt::format("the `{}` at line {} has no name", declaration.keyword, declaration.line));
  }
  return TargetResult{declaration.name, ""};
}

TargetResult first_declaration(const std::vector<Declaration>& found, std::string_view task_name) {
  if (found.empty()) {
    return failure("the statement declares nothing (expected `theorem NAME ... :=`)");
  }
  return named_target(found.front(), task_name);
}

bool ends_with(const std::vector<std::string>& name, const std::vector<std::string>& suffix) {
  return !suffix.empty() && suffix.size() <= name.size() &&
         std::equal(suffix.rbegin(), suffix.rend(), name.rbegin());
}

// The declaration named `task_name`: an exact (qualified) match first, else the first whose
// last components match.
const Declaration* by_name(const std::vector<Declaration>& found, std::string_view task_name) {
  std::vector<std::string> wanted = name_components(task_name);
  const Declaration* suffix_match = nullptr;
  for (const Declaration& declaration : found) {
    if (declaration.name.empty()) continue;
    std::vector<std::string> name = name_components(declaration.name);
    if (name == wanted) return &declaration;
    if (suffix_match == nullptr && ends_with(name, wanted)) suffix_match = &declaration;
  }
  return suffix_match;
}

const Declaration* last_of(const std::vector<Declaration>& found,
                           std::initializer_list<std::string_view> keywords) {
  auto it = std::find_if(found.rbegin(), found.rend(), [&](const Declaration& declaration) {
    return std::find(keywords.begin(), keywords.end(), declaration.keyword) != keywords.end();
  });
  return it == found.rend() ? nullptr : &*it;
}

TargetResult whole_text_target(const std::vector<Declaration>& found, std::string_view task_name) {
  if (const Declaration* named = by_name(found, task_name)) return named_target(*named, task_name);
  if (const Declaration* last = last_of(found, {"theorem", "lemma"})) {
    return named_target(*last, task_name);
  }
  if (const Declaration* example = last_of(found, {"example"})) {
    return named_target(*example, task_name);
  }
  if (task_name.empty()) return failure("the text has no `theorem` or `lemma`");
  return failure(fmt::format("the text has no declaration named '{}' and no `theorem` or `lemma`",
                             message_excerpt(task_name)));
}

}  // namespace

TargetResult find_target(const std::string& lean_text, std::string_view task_name, ProofForm form) {
  auto found = DeclarationScanner().scan(lean_text);
  if (form == ProofForm::continuation) return first_declaration(found, task_name);
  return whole_text_target(found, task_name);
}

TargetResult find_target(const Candidate& candidate) {
  if (candidate.form == ProofForm::whole_text) {
    return find_target(candidate.proof, candidate.task.name, ProofForm::whole_text);
  }
  DeclarationScanner scanner;
  scanner.scan(candidate.task.header);
  return first_declaration(scanner.scan(candidate.task.statement), candidate.task.name);
}

}  // namespace tasks
