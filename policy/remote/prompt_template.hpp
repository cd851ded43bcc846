#pragma once
// Prompt templates of the remote policy: text with the placeholders {header}, {statement},
// {name}, {goal}, {attempt}, {errors}, {library} and {proofs}, either built in (by name) or read
// from a file (README.md, "Prompt templates").
#include <string>
#include <string_view>
#include <vector>

#include "policy/policy.hpp"

namespace policy::remote {

// Which API endpoint a prompt is sent to: a raw prompt (/completions) or a user message
// (/chat/completions).
enum class Endpoint { completions, chat };

// What the placeholders stand for.
struct TemplateValues {
  std::string header;     // the task's header; a newline is added when it lacks one
  std::string statement;  // the task's statement, verbatim
  std::string name;       // the task's name
  std::string goal;       // step mode: the goal tactics act on; "" in whole-proof mode
  // Revisions (README.md, "Revisions"); "" in first prompts and step mode:
  std::string attempt = {};  // the previous attempt as Lean code (header, statement, proof)
  std::string errors = {};   // Lean's messages about it, render_feedback()
  // The library lemmas offered for the task, render_library(); "" without any.
  std::string library = {};
  // Helper lemmas (`library grow --propose`, README.md "Helper lemmas"): verified proofs,
  // render_proofs(); "" elsewhere.
  std::string proofs = {};
};

// One verified proof shown in a helper-lemma prompt: its task's name and its Lean text (the
// statement and its proof, or the whole file).
struct ShownProof {
  std::string name;
  std::string text;
};

// The {proofs} placeholder: the header in a lean4 block ("The proofs' header:"; nothing when it
// is empty), then each proof as "Proof N (NAME):" and its text in a lean4 block, blank lines
// between.
std::string render_proofs(const std::string& header, const std::vector<ShownProof>& proofs);

// The {library} placeholder: "" for no lemma, else the line "These lemmas are proved and may
// be used by name:", a blank line, one statement per line, and a blank line.
std::string render_library(const std::vector<std::string>& statements);

// Lean's feedback as the {errors} placeholder shows it: one paragraph per error, "line L,
// column C of the proof: TEXT" (or "in the statement (line L, column C of the statement): TEXT"
// for a message Lean placed before the proof), Lean's text verbatim, goals included; without
// any message, the verdict and the harness's reason.
std::string render_feedback(const Feedback& feedback, int64_t statement_lines);

class PromptTemplate {
 public:
  // Parses template text. `origin` names it in errors ("template file x.txt"). Throws
  // PolicyError naming the origin and the placeholder for an unknown `{word}`.
  static PromptTemplate parse(std::string_view text, const std::string& origin);

  // `name_or_path` is a built-in name (kBuiltinNames) or the path of a template file. The
  // built-ins have one text per endpoint; a file is used as is for either endpoint. Throws
  // PolicyError when the name is neither, the file cannot be read, or it is malformed.
  static PromptTemplate load(const std::string& name_or_path, Endpoint endpoint);

  std::string render(const TemplateValues& values) const;
  const std::string& origin() const { return m_origin; }

 private:
  enum class Part { text, header, statement, name, goal, attempt, errors, library, proofs };
  struct Piece {
    Part part;
    std::string text;  // for Part::text
  };
  std::vector<Piece> m_pieces;
  std::string m_origin;
};

// The built-in templates: "deepseek" (whole proofs), "tactic" (step mode), "revise"
// (revisions of a failed whole proof) and "lemmas" (helper lemmas for `library grow
// --propose`).
inline constexpr std::string_view kBuiltinNames = "deepseek, tactic, revise, lemmas";

}  // namespace policy::remote
