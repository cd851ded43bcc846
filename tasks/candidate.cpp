#include "tasks/candidate.hpp"

namespace tasks {

std::string_view to_string(ProofForm form) {
  return form == ProofForm::continuation ? "continuation" : "whole_text";
}

std::string lean_text(const Candidate& candidate) {
  if (candidate.form == ProofForm::whole_text) return candidate.proof;
  return candidate.task.statement + candidate.proof;
}

}  // namespace tasks
