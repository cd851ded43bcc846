#pragma once
// A candidate proof read from one input line, bound to the task it claims to prove.
#include <cstdint>
#include <string>
#include <string_view>

#include "tasks/task.hpp"

namespace tasks {

enum class ProofForm {
  // `proof` completes `task.statement` (which ends with `:= by\n` or `:=`); the text to check
  // is statement + proof, under task.header. Input fields `proof`, `formal_proof`.
  continuation,
  // `proof` is a whole Lean file with its own imports; task.statement (if any) is what it must
  // prove. Input fields `full_proof`, `code`.
  whole_text,
};

// "continuation" / "whole_text".
std::string_view to_string(ProofForm form);

// Who wrote a task text that a candidate carries. The user's own (--tasks, --header,
// --header-file, a search's task file) is trusted as the benchmark's; one from the input line
// was written by whoever wrote the proof, so the guard reads it before Lean does
// (harness::assemble).
enum class TextSource {
  user,
  line,
};

struct Candidate {
  std::int64_t line;  // 1-based physical line of the input file
  std::string name;   // the line's `name` ("" if it had none and no task picked one)
  Task task;
  ProofForm form;
  std::string proof;
  // Set by CandidateReader from where task.header and task.statement came from; a candidate
  // built in code from a trusted task keeps the defaults.
  TextSource header_source = TextSource::user;
  TextSource statement_source = TextSource::user;
};

// The Lean text this candidate asks to check: statement + proof in continuation form (to be
// checked under task.header), the proof itself in whole-text form.
std::string lean_text(const Candidate& candidate);

}  // namespace tasks
