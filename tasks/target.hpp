#pragma once
// The target declaration: the one declaration of a candidate whose axioms the harness asks
// Lean for (`#print axioms NAME`) and whose statement it compares with the task's. The rule
// is documented, with examples, in tasks/README.md ("The target declaration").
#include <string>
#include <string_view>

#include "tasks/candidate.hpp"

namespace tasks {

// Exactly one of the two is non-empty.
struct TargetResult {
  std::string name;   // fully qualified, as Lean prints it (e.g. "Foo.bar", "«my thm»")
  std::string error;  // why no target could be named
};

// Continuation form: `lean_text` is the statement (or statement + proof); the target is its
// first declaration. Whole-text form: `lean_text` is the whole file; the target is the
// declaration named `task_name` (compared on the last name components), else the last
// `theorem`/`lemma`. Comments and strings never count.
TargetResult find_target(const std::string& lean_text, std::string_view task_name, ProofForm form);

// The candidate's target: in continuation form the first declaration of task.statement, under
// the namespaces task.header leaves open; in whole-text form find_target(proof, task.name).
TargetResult find_target(const Candidate& candidate);

}  // namespace tasks
