#include "policy/remote/prompt_template.hpp"

#include <fstream>
#include <sstream>

#include "policy/policy.hpp"

namespace policy::remote {
namespace {

// DeepSeek-Prover-V1.5 style: the prompt opens a lean4 code block with the header and the
// statement, so a completion model continues the code and closes the block.
constexpr std::string_view kDeepseekCompletion =
    "{library}Complete the following Lean 4 code:\n\n```lean4\n{header}{statement}";

// For chat models: the same code in a closed block and a request for the whole file back.
constexpr std::string_view kDeepseekChat =
    "{library}Complete the following Lean 4 code:\n\n```lean4\n{header}{statement}\n```\n\n"
    "Write the complete Lean 4 code (the header, the theorem exactly as stated above, and its "
    "proof) in one ```lean4 code block at the end of your answer.";

// Step mode: one tactic for the first goal; the completion form stops at a newline.
constexpr std::string_view kTacticCompletion =
    "{library}Give the next Lean 4 tactic for the first goal of this proof state, on one line.\n\n"
    "{goal}\n\nNext tactic:";

constexpr std::string_view kTacticChat =
    "{library}Here is a Lean 4 proof state:\n\n```lean4\n{goal}\n```\n\n"
    "Give the single next tactic for its first goal. Reply with the tactic alone, on one line, "
    "in a ```lean4 code block.";

// Revisions: the previous attempt, Lean's messages, and a request for a revised proof. The
// completion form ends with the task's code opened again, so the model writes the new proof.
constexpr std::string_view kReviseCompletion =
    "{library}The following Lean 4 proof does not check.\n\n```lean4\n{attempt}\n```\n\n"
    "Lean's messages about it:\n\n{errors}\n\n"
    "Revise the proof. Complete the following Lean 4 code:\n\n```lean4\n{header}{statement}";

constexpr std::string_view kReviseChat =
    "{library}Here is a Lean 4 proof attempt that Lean rejected:\n\n```lean4\n{attempt}\n```\n\n"
    "Lean's messages about it:\n\n{errors}\n\n"
    "Revise the proof. Write the complete Lean 4 code (the header, the theorem exactly as stated "
    "above, and its corrected proof) in one ```lean4 code block at the end of your answer.";

// Helper lemmas (`library grow --propose`): verified proofs and a request for lemmas that
// would shorten them. The completion form leaves a lean4 block open for the lemmas.
constexpr std::string_view kLemmasIntro =
    "{library}Here are Lean 4 proofs that Lean has checked.\n\n{proofs}"
    "Several of these proofs prove the same facts along the way (a `have`, or the same steps on "
    "the same kind of goal). ";

constexpr std::string_view kLemmasChat =
    "Write helper lemmas that would make these proofs shorter: each a fact that several proofs "
    "prove, stated over just the variables and hypotheses it needs, with its proof. Write each "
    "as `theorem NAME (x : T) ... : TYPE := by ...` with explicit binders only, and put them all "
    "in one ```lean4 code block at the end of your answer.";

constexpr std::string_view kLemmasCompletion =
    "Helper lemmas that make these proofs shorter, each a fact that several proofs prove, "
    "stated over just the variables and hypotheses it needs, as `theorem NAME (x : T) ... : TYPE "
    ":= by ...` with explicit binders only:\n\n```lean4\n";

bool is_word_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_word_rest(char c) { return is_word_start(c) || (c >= '0' && c <= '9'); }

}  // namespace

PromptTemplate PromptTemplate::parse(std::string_view text, const std::string& origin) {
  PromptTemplate result;
  result.m_origin = origin;
  std::string literal;
  auto flush = [&] {
    if (!literal.empty()) result.m_pieces.push_back({Part::text, std::move(literal)});
    literal.clear();
  };
  int line = 1;
  std::size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '\n') ++line;
    if ((c == '{' || c == '}') && i + 1 < text.size() && text[i + 1] == c) {
      literal += c;  // {{ and }} are literal braces
      i += 2;
      continue;
    }
    if (c == '{' && i + 1 < text.size() && is_word_start(text[i + 1])) {
      std::size_t end = i + 1;
      while (end < text.size() && is_word_rest(text[end])) ++end;
      if (end < text.size() && text[end] == '}') {
        std::string_view word = text.substr(i + 1, end - i - 1);
        Part part;
        if (word == "header") {
          part = Part::header;
        } else if (word == "statement") {
          part = Part::statement;
        } else if (word == "name") {
          part = Part::name;
        } else if (word == "goal") {
          part = Part::goal;
        } else if (word == "attempt") {
          part = Part::attempt;
        } else if (word == "errors") {
          part = Part::errors;
        } else if (word == "library") {
          part = Part::library;
        } else if (word == "proofs") {
          part = Part::proofs;
        } else {
          throw PolicyError(origin + ":" + std::to_string(line) + ": unknown placeholder {" +
                            std::string(word) +
                            "} (known: {header}, {statement}, {name}, {goal}, {attempt}, {errors}, {library}, {proofs}; write {{ and }} "
                            "for literal braces)");
        }
        flush();
        result.m_pieces.push_back({part, {}});
        i = end + 1;
        continue;
      }
    }
    literal += c;  // any other brace is literal text
    ++i;
  }
  flush();
  return result;
}

PromptTemplate PromptTemplate::load(const std::string& name_or_path, Endpoint endpoint) {
  bool chat = endpoint == Endpoint::chat;
  if (name_or_path == "deepseek") {
    return parse(chat ? kDeepseekChat : kDeepseekCompletion, "built-in template deepseek");
  }
  if (name_or_path == "tactic") {
    return parse(chat ? kTacticChat : kTacticCompletion, "built-in template tactic");
  }
  if (name_or_path == "revise") {
    return parse(chat ? kReviseChat : kReviseCompletion, "built-in template revise");
  }
  if (name_or_path == "lemmas") {
    std::string text(kLemmasIntro);
    text += chat ? kLemmasChat : kLemmasCompletion;
    return parse(text, "built-in template lemmas");
  }
  std::ifstream in(name_or_path, std::ios::binary);
  if (!in) {
    throw PolicyError("prompt template '" + name_or_path + "' is neither a built-in template (" +
                      std::string(kBuiltinNames) + ") nor a readable file");
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) throw PolicyError("cannot read template file " + name_or_path);
  return parse(bytes.str(), "template file " + name_or_path);
}

std::string PromptTemplate::render(const TemplateValues& values) const {
  std::string out;
  for (const Piece& piece : m_pieces) {
    switch (piece.part) {
      case Part::text:
        out += piece.text;
        break;
      case Part::header:
        out += values.header;
        if (!values.header.empty() && values.header.back() != '\n') out += '\n';
        break;
      case Part::statement:
        out += values.statement;
        break;
      case Part::name:
        out += values.name;
        break;
      case Part::goal:
        out += values.goal;
        break;
      case Part::attempt:
        out += values.attempt;
        break;
      case Part::errors:
        out += values.errors;
        break;
      case Part::library:
        out += values.library;
        break;
      case Part::proofs:
        out += values.proofs;
        break;
    }
  }
  return out;
}

std::string render_library(const std::vector<std::string>& statements) {
  if (statements.empty()) return {};
  std::string out = "These lemmas are proved and may be used by name:\n\n";
  for (const std::string& s : statements) out += s + "\n";
  return out + "\n";
}

std::string render_proofs(const std::string& header, const std::vector<ShownProof>& proofs) {
  auto block = [](const std::string& text) {
    std::string out = "```lean4\n" + text;
    if (!text.empty() && text.back() != '\n') out += '\n';
    return out + "```\n\n";
  };
  std::string out;
  if (!header.empty()) out += "The proofs' header:\n\n" + block(header);
  for (std::size_t i = 0; i < proofs.size(); ++i) {
    out += "Proof " + std::to_string(i + 1);
    if (!proofs[i].name.empty()) out += " (" + proofs[i].name + ")";
    out += ":\n\n" + block(proofs[i].text);
  }
  return out;
}

std::string render_feedback(const Feedback& feedback, int64_t statement_lines) {
  std::string out;
  for (const FeedbackMessage& m : feedback.messages) {
    if (!out.empty()) out += "\n\n";
    std::string where;
    if (m.line && *m.line >= 1) {
      where = " at line " + std::to_string(*m.line);
      if (m.column) where += ", column " + std::to_string(*m.column);
      where += " of the proof";
    } else if (m.line) {
      where = " in the statement (line " + std::to_string(*m.line + statement_lines);
      if (m.column) where += ", column " + std::to_string(*m.column);
      where += " of the statement)";
    }
    out += m.severity + where + ":\n" + m.text;
  }
  if (out.empty()) {
    out = "verdict " + feedback.verdict;
    if (!feedback.reason.empty()) out += ": " + feedback.reason;
  }
  return out;
}

}  // namespace policy::remote
