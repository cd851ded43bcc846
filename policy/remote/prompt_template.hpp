#pragma once
// Prompt templates of the remote policy: text with the placeholders {header}, {statement},
// {name} and {goal}, either built in (by name) or read from a file (README.md, "Prompt
// templates").
#include <string>
#include <string_view>
#include <vector>

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
};

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
  enum class Part { text, header, statement, name, goal };
  struct Piece {
    Part part;
    std::string text;  // for Part::text
  };
  std::vector<Piece> m_pieces;
  std::string m_origin;
};

// The built-in templates: "deepseek" (whole proofs) and "tactic" (step mode).
inline constexpr std::string_view kBuiltinNames = "deepseek, tactic";

}  // namespace policy::remote
