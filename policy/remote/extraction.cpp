#include "policy/remote/extraction.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

#include "common/lean_lexer.hpp"
#include "common/text.hpp"

namespace policy::remote {
namespace {

constexpr std::string_view kFence = "```";

using common::trim;
using common::trim_start;

// One line of a text: its content (without the newline) and where it starts.
struct Line {
  std::string_view text;
  std::size_t offset;
};

std::vector<Line> split_lines(std::string_view text) {
  std::vector<Line> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back({text.substr(start, end - start), start});
    if (end == text.size()) break;
    start = end + 1;
  }
  return lines;
}

// A fence line: indentation, then three or more backticks, then the info string.
bool is_fence(std::string_view line, std::string_view* info) {
  std::string_view rest = line;
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
  if (rest.substr(0, kFence.size()) != kFence) return false;
  while (!rest.empty() && rest.front() == '`') rest.remove_prefix(1);
  if (info != nullptr) *info = trim(rest);
  return true;
}

bool is_lean_info(std::string_view info) {
  std::string lower(info);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.empty() || lower == "lean" || lower == "lean4";
}

bool identifier_matches(std::string_view written, std::string_view name) {
  if (written == name) return true;
  auto ends_with_component = [](std::string_view longer, std::string_view shorter) {
    return longer.size() > shorter.size() && longer.ends_with(shorter) &&
           longer[longer.size() - shorter.size() - 1] == '.';
  };
  return ends_with_component(written, name) || ends_with_component(name, written);
}

// `code` with the statement (or header + statement) removed from its start, if it starts so.
std::optional<std::string> strip_statement(std::string_view code, std::string_view header,
                                           std::string_view statement) {
  std::string_view wanted = trim(statement);
  if (wanted.empty()) return std::nullopt;
  std::string_view rest = trim_start(code);
  std::string_view head = trim(header);
  if (!head.empty() && rest.starts_with(head) && !rest.starts_with(wanted)) {
    rest = trim_start(rest.substr(head.size()));
  }
  if (!rest.starts_with(wanted)) return std::nullopt;
  rest.remove_prefix(wanted.size());
  // The statement ends with its newline; the proof continues after it.
  if (!statement.empty() && statement.back() == '\n' && rest.starts_with('\n')) {
    rest.remove_prefix(1);
  }
  return std::string(rest);
}

Extracted from_code(std::string_view code, std::string_view header, std::string_view statement) {
  Extracted out;
  if (std::optional<std::string> rest = strip_statement(code, header, statement)) {
    out.proof = std::move(*rest);
  } else if (restates(code, declared_name(statement))) {
    out.proof = std::string(code);
    out.whole_file = true;
  } else {
    out.proof = std::string(code);
  }
  if (trim(out.proof).empty()) out.error = "empty proof in the model's answer";
  return out;
}

}  // namespace

bool prompt_opens_code_block(std::string_view prompt) {
  bool open = false;
  for (const Line& line : split_lines(prompt)) {
    if (is_fence(line.text, nullptr)) open = !open;
  }
  return open;
}

std::string_view strip_think(std::string_view answer) {
  constexpr std::string_view kOpen = "<think>";
  constexpr std::string_view kClose = "</think>";
  bool opens = trim_start(answer).starts_with(kOpen);
  std::size_t close = answer.find(kClose);
  if (close == std::string_view::npos) return opens ? std::string_view{} : answer;
  if (opens || answer.substr(0, close).find(kOpen) == std::string_view::npos) {
    return answer.substr(close + kClose.size());
  }
  return answer;
}

std::optional<std::string_view> last_lean_block(std::string_view text, bool* unclosed) {
  std::optional<std::string_view> last;
  bool inside = false;
  bool lean = false;
  std::size_t content_start = 0;
  for (const Line& line : split_lines(text)) {
    std::string_view info;
    if (!is_fence(line.text, &info)) continue;
    if (!inside) {
      inside = true;
      lean = is_lean_info(info);
      content_start = std::min(line.offset + line.text.size() + 1, text.size());
    } else if (info.empty()) {
      inside = false;
      if (lean) last = text.substr(content_start, line.offset - content_start);
    }
    // A fence with an info string inside a block is content (a nested example).
  }
  if (unclosed != nullptr) *unclosed = inside && lean;
  return last;
}

std::string declared_name(std::string_view statement) {
  static constexpr std::string_view kKeywords[] = {"theorem", "lemma",    "def",
                                                   "abbrev",  "instance", "opaque"};
  std::vector<common::Token> tokens = common::lex(statement);
  for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
    if (tokens[i].kind != common::TokenKind::keyword) continue;
    if (std::find(std::begin(kKeywords), std::end(kKeywords), tokens[i].text) ==
        std::end(kKeywords)) {
      continue;
    }
    if (tokens[i + 1].kind == common::TokenKind::identifier) return std::string(tokens[i + 1].text);
    return {};
  }
  return {};
}

bool restates(std::string_view code, std::string_view name) {
  if (name.empty()) return false;
  std::vector<common::Token> tokens = common::lex(code);
  for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
    if (tokens[i].kind == common::TokenKind::keyword &&
        (tokens[i].text == "theorem" || tokens[i].text == "lemma") &&
        tokens[i + 1].kind == common::TokenKind::identifier &&
        identifier_matches(tokens[i + 1].text, name)) {
      return true;
    }
  }
  return false;
}

Extracted extract_proof(std::string_view answer, AnswerForm form, std::string_view header,
                        std::string_view statement) {
  std::string_view text = strip_think(answer);
  if (form == AnswerForm::continuation) {
    // The code runs to the first closing fence (servers that honour the stop sequence leave
    // it out; then it runs to the end).
    std::string_view code = text.substr(0, text.find(kFence));
    if (!restates(code, declared_name(statement))) {
      Extracted out;
      out.proof = std::string(code);
      if (trim(code).empty()) out.error = "empty proof in the model's answer";
      return out;
    }
    return from_code(code, header, statement);
  }
  bool unclosed = false;
  std::optional<std::string_view> block = last_lean_block(text, &unclosed);
  if (!block) {
    std::string error = "no Lean code block in the model's answer";
    if (unclosed) error += " (a ```lean block is opened and never closed: cut by max_tokens?)";
    return Extracted{{}, false, std::move(error)};
  }
  return from_code(*block, header, statement);
}

std::optional<std::string> extract_tactic(std::string_view answer) {
  std::string_view text = strip_think(answer);
  if (std::optional<std::string_view> block = last_lean_block(text)) text = *block;
  for (const Line& line : split_lines(text)) {
    if (is_fence(line.text, nullptr)) continue;
    std::string_view tactic = trim(line.text);
    while (tactic.size() >= 2 && tactic.front() == '`' && tactic.back() == '`') {
      tactic = trim(tactic.substr(1, tactic.size() - 2));
    }
    if (!tactic.empty()) return std::string(tactic);
  }
  return std::nullopt;
}

}  // namespace policy::remote
