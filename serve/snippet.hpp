#pragma once
// How code a client sent (a Kimina snippet, a reward query's last Lean block) becomes a
// candidate for the pipeline. Code that declares a theorem of a known task (by name, in
// `--tasks`) is that task's whole-file proof, judged against its trusted header and statement.
// Other code is judged on what it is: its own header (the leading blank, comment, `import`,
// `open` and `set_option` lines, which the guard then reads as a header written by the
// client), no statement to match, the axioms of its last theorem; it earns no reward.
#include <string>

#include "tasks/candidate.hpp"
#include "tasks/task_index.hpp"

namespace serve {

struct SnippetCandidate {
  tasks::Candidate candidate;
  bool known_task = false;  // judged against a task of --tasks: its reward counts
};

// The leading lines of `code` that are blank, `--` comments, `import`, or `open`/`set_option`
// commands (not their `... in` forms, which belong to the declaration after them).
std::string header_of(const std::string& code);

SnippetCandidate candidate_for(const std::string& code, const tasks::TaskIndex* tasks);

}  // namespace serve
