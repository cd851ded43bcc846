#include "goal.hpp"

#include <map>
#include <set>

namespace fake_repl {
namespace {

const std::string turnstile = "⊢";
const std::string dagger = "✝";

std::string superscript(int n) {
  static const char* digits[] = {"⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"};
  if (n <= 0) return "";
  std::string out;
  for (char c : std::to_string(n)) out += digits[c - '0'];
  return out;
}

// "h✝" and "h✝³" are inaccessible names of base "h"; returns false for any other name.
bool inaccessible_base(const std::string& name, std::string& base) {
  auto at = name.rfind(dagger);
  if (at == std::string::npos || at == 0) return false;
  std::string_view rest = std::string_view(name).substr(at + dagger.size());
  static const std::set<std::string_view> digits = {"⁰", "¹", "²", "³", "⁴",
                                                    "⁵", "⁶", "⁷", "⁸", "⁹"};
  while (!rest.empty()) {
    if (rest.size() < 2) return false;
    std::size_t width = static_cast<unsigned char>(rest[0]) == 0xc2 ? 2 : 3;
    if (rest.size() < width || !digits.contains(rest.substr(0, width))) return false;
    rest.remove_prefix(width);
  }
  base = name.substr(0, at);
  return true;
}

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (;;) {
    std::size_t end = text.find('\n', start);
    lines.emplace_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return lines;
    start = end + 1;
  }
}

}  // namespace

std::string collapse_space(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::vector<std::string> hypothesis_lines(const Goal& goal) {
  std::vector<std::string> lines;
  for (std::size_t i = 0; i < goal.hyps.size();) {
    std::string names = goal.hyps[i].name;
    std::size_t j = i + 1;
    for (; j < goal.hyps.size() && goal.hyps[j].type == goal.hyps[i].type; ++j)
      names += " " + goal.hyps[j].name;
    lines.push_back(names + " : " + goal.hyps[i].type);
    i = j;
  }
  return lines;
}

std::string render_goal(const Goal& goal) {
  std::string out;
  if (!goal.tag.empty()) out += "case " + goal.tag + "\n";
  for (const std::string& line : hypothesis_lines(goal)) out += line + "\n";
  return out + turnstile + " " + goal.target;
}

ParsedGoal parse_goal(std::string_view text) {
  ParsedGoal parsed;
  std::vector<std::string> lines = split_lines(text);
  bool first = true;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string line = lines[i];
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
    if (collapse_space(line).empty()) continue;
    if (line.starts_with(turnstile)) {
      std::string target = collapse_space(std::string_view(line).substr(turnstile.size()));
      for (std::size_t k = i + 1; k < lines.size(); ++k) target += "\n" + lines[k];
      parsed.goal.target = target;
      parsed.has_turnstile = true;
      return parsed;
    }
    if (first && line.starts_with("case ")) {
      parsed.goal.tag = collapse_space(line.substr(5));
      first = false;
      continue;
    }
    first = false;
    auto colon = line.find(" : ");
    if (colon == std::string::npos) continue;
    std::string type = collapse_space(line.substr(colon + 3));
    std::string names = collapse_space(line.substr(0, colon));
    for (std::size_t start = 0; start < names.size();) {
      std::size_t end = std::min(names.find(' ', start), names.size());
      parsed.goal.hyps.push_back({names.substr(start, end - start), type});
      start = end + 1;
    }
  }
  return parsed;
}

void settle_names(std::vector<Hypothesis>& hyps) {
  std::set<std::string> visible;
  std::map<std::string, int> hidden;
  for (std::size_t k = hyps.size(); k-- > 0;) {
    std::string base;
    bool inaccessible = inaccessible_base(hyps[k].name, base);
    if (!inaccessible) {
      base = hyps[k].name;
      inaccessible = visible.contains(base);
      if (!inaccessible) visible.insert(base);
    }
    if (inaccessible) hyps[k].name = base + dagger + superscript(hidden[base]++);
  }
}

}  // namespace fake_repl
