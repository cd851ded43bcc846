#include "policy/builtin/vocabulary.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "common/text.hpp"
#include "policy/policy.hpp"

namespace policy::builtin {

namespace embedded {
extern const std::string_view kCoreVocabulary;
extern const std::string_view kMathlibVocabulary;
}  // namespace embedded

namespace {

using common::is_blank;
using common::trim;

}  // namespace

Vocabulary::Vocabulary(const std::vector<std::string>& tactics) {
  for (const auto& t : tactics) add(t);
}

std::optional<int> Vocabulary::find(std::string_view tactic) const {
  auto it = m_index.find(tactic);
  if (it == m_index.end()) return std::nullopt;
  return it->second;
}

bool Vocabulary::add(const std::string& tactic) {
  if (m_index.count(tactic) != 0) return false;
  m_index.emplace(tactic, size());
  m_tactics.push_back(tactic);
  return true;
}

std::optional<std::string_view> embedded_vocabulary_text(std::string_view name) {
  if (name == "core") return embedded::kCoreVocabulary;
  if (name == "mathlib") return embedded::kMathlibVocabulary;
  return std::nullopt;
}

std::vector<std::string> parse_vocabulary(std::string_view text, std::string_view source) {
  std::vector<std::string> tactics;
  std::map<std::string, int, std::less<>> seen;
  int line_number = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    ++line_number;
    std::string_view line = trim(text.substr(pos, end - pos));
    pos = end + 1;
    if (line.empty() || line.front() == '#') continue;
    auto [it, inserted] = seen.emplace(std::string(line), line_number);
    if (!inserted) {
      throw PolicyError(std::string(source) + ":" + std::to_string(line_number) +
                        ": duplicate tactic '" + std::string(line) + "' (first on line " +
                        std::to_string(it->second) + ")");
    }
    tactics.emplace_back(line);
  }
  if (tactics.empty()) {
    throw PolicyError(std::string(source) + ": the vocabulary lists no tactic");
  }
  return tactics;
}

std::vector<std::string> load_vocabulary(std::string_view spec) {
  if (auto text = embedded_vocabulary_text(spec)) {
    return parse_vocabulary(*text, std::string("<embedded ") + std::string(spec) + " vocabulary>");
  }
  std::string path(spec);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw PolicyError("vocabulary '" + path +
                      "': not 'core' or 'mathlib' and no readable file of that name");
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw PolicyError(path + ": cannot read the vocabulary file");
  return parse_vocabulary(text.str(), path);
}

std::string normalise_tactic(std::string_view tactic) {
  // Split into lines, strip trailing blanks of each line and drop blank lines at both ends.
  std::vector<std::string_view> lines;
  std::size_t pos = 0;
  while (pos <= tactic.size()) {
    std::size_t end = tactic.find('\n', pos);
    if (end == std::string_view::npos) end = tactic.size();
    std::string_view line = tactic.substr(pos, end - pos);
    while (!line.empty() && is_blank(line.back())) line.remove_suffix(1);
    lines.push_back(line);
    pos = end + 1;
  }
  std::size_t first = 0;
  std::size_t last = lines.size();
  while (first < last && lines[first].empty()) ++first;
  while (last > first && lines[last - 1].empty()) --last;
  // Remove the indentation common to the non-empty lines, so relative indentation stays.
  std::size_t indent = std::string_view::npos;
  for (std::size_t i = first; i < last; ++i) {
    if (lines[i].empty()) continue;
    std::size_t n = 0;
    while (n < lines[i].size() && is_blank(lines[i][n])) ++n;
    indent = std::min(indent, n);
  }
  std::string out;
  for (std::size_t i = first; i < last; ++i) {
    if (i != first) out += '\n';
    if (!lines[i].empty()) out += lines[i].substr(indent);
  }
  return out;
}

}  // namespace policy::builtin
