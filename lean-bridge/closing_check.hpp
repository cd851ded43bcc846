#pragma once
// What the bridge asks Lean after a candidate's command has answered, in ONE request sent only
// once that answer has arrived (the candidate's code can read the REPL's stdin, so nothing it
// must not see is sent earlier):
//   line 1  #print axioms TARGET                             → which axioms the proof uses
//   line 2  example : (type_of% @REF) = (type_of% @TARGET) := _root_.rfl
//                                                            → the statement is the task's
//   line 3  #eval "NONCE"                                    → the answer is ours, in step
// REF is the task's statement elaborated, before the candidate ran, as a reference declaration
// with a fresh name and `sorry` for its proof. Each message is attributed by its line.
#include <optional>
#include <string>
#include <string_view>

#include "lean-bridge/repl_answer.hpp"
#include "lean-bridge/verdict.hpp"

namespace lean_bridge {

// The task's statement with its declared name replaced by `ref_name` and its proof by
// `sorry`; nothing when the statement declares no name.
std::optional<std::string> reference_declaration(std::string_view statement,
                                                 std::string_view ref_name);

struct ClosingRequest {
  std::string text;
  int64_t axioms_line = 0;     // 0: not asked
  int64_t statement_line = 0;  // 0: not asked
  int64_t nonce_line = 0;
};

// With `target` empty, only the nonce is asked (the candidate already failed).
ClosingRequest closing_request(std::string_view target, std::string_view ref_name,
                               std::string_view nonce);

struct ClosingAnswer {
  std::string nonce_problem;      // empty when the nonce came back exactly, alone on its line
  AxiomsAnswer axioms;            // read when asked
  std::string statement_problem;  // empty when asked and Lean accepted the identity
};

ClosingAnswer read_closing(const CommandAnswer& answer, const ClosingRequest& request,
                           std::string_view target, std::string_view nonce);

// A fresh random token (hex) from the system's entropy source.
std::string random_nonce();

}  // namespace lean_bridge
