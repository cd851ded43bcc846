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

struct Candidate {
  std::int64_t line;  // 1-based physical line of the input file
  std::string name;   // the line's `name` ("" if it had none and no task picked one)
  Task task;
  ProofForm form;
  std::string proof;
};

// The Lean text this candidate asks to check: statement + proof in continuation form (to be
// checked under task.header), the proof itself in whole-text form.
std::string lean_text(const Candidate& candidate);

}  // namespace tasks
