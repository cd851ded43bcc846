#include "lean-bridge/infotree.hpp"

#include <fmt/format.h>

#include <array>

#include <nlohmann/json.hpp>

namespace lean_bridge {
namespace {

using nlohmann::json;

struct ShapeError {
  std::string path;
  std::string problem;
};

// Byte offsets of the start of each line of the text (line 1 at index 0).
std::vector<size_t> line_starts(std::string_view text) {
  std::vector<size_t> starts{0};
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') starts.push_back(i + 1);
  }
  return starts;
}

// The byte offset of (line, column in code points) in text, or nothing when it is not in it.
// The column may be the line's end (an exclusive end position).
std::optional<size_t> byte_offset(std::string_view text, const std::vector<size_t>& starts,
                                  Position p) {
  if (p.line < 1 || p.line > static_cast<int64_t>(starts.size()) || p.column < 0) return {};
  size_t at = starts[static_cast<size_t>(p.line - 1)];
  for (int64_t c = 0; c < p.column; ++c) {
    if (at >= text.size() || text[at] == '\n') return {};
    ++at;  // past the lead byte, then its continuation bytes
    while (at < text.size() && (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80) ++at;
  }
  return at;
}

Position read_pos(const json& object, const char* key, const std::string& path) {
  std::string here = path + "." + key;
  auto it = object.find(key);
  if (it == object.end() || !it->is_object()) throw ShapeError{here, "expected a position"};
  auto line = it->find("line");
  auto column = it->find("column");
  if (line == it->end() || !line->is_number_integer() || column == it->end() ||
      !column->is_number_integer()) {
    throw ShapeError{here, "expected integer line and column"};
  }
  return {line->get<int64_t>(), column->get<int64_t>()};
}

std::vector<std::string> read_goals(const json& info, const char* key, const std::string& path) {
  std::string here = path + "." + key;
  auto it = info.find(key);
  if (it == info.end() || !it->is_array()) throw ShapeError{here, "expected a list of goals"};
  std::vector<std::string> goals;
  for (size_t i = 0; i < it->size(); ++i) {
    const json& g = (*it)[i];
    if (!g.is_string()) throw ShapeError{fmt::format("{}[{}]", here, i), "expected a string"};
    goals.push_back(g.get<std::string>());
  }
  return goals;
}

class Reader {
 public:
  Reader(std::string_view text, int64_t line_offset)
      : m_text(text), m_starts(line_starts(text)), m_offset(line_offset) {}

  void forest(const json& nodes, const std::string& path, int64_t parent, int64_t depth) {
    if (!nodes.is_array()) throw ShapeError{path, "expected a list of nodes"};
    for (size_t i = 0; i < nodes.size(); ++i) {
      node(nodes[i], fmt::format("{}[{}]", path, i), parent, depth);
    }
  }

  std::vector<TraceStep> take() { return std::move(m_steps); }

 private:
  void node(const json& value, const std::string& path, int64_t parent, int64_t depth) {
    if (!value.is_object()) throw ShapeError{path, "expected a node object"};
    // A hole ({"goalState": ...}) has neither kind nor children: nothing to read.
    if (!value.contains("kind") && !value.contains("children")) return;
    auto kind = value.find("kind");
    if (kind == value.end() || !kind->is_string()) throw ShapeError{path + ".kind", "expected a string"};
    auto children = value.find("children");
    if (children == value.end()) throw ShapeError{path + ".children", "missing"};
    int64_t child_parent = parent;
    int64_t child_depth = depth;
    if (kind->get<std::string>() == "TacticInfo") {
      auto info = value.find("node");
      if (info == value.end() || !info->is_object()) {
        throw ShapeError{path + ".node", "a TacticInfo without its information"};
      }
      if (auto step = tactic(*info, path + ".node", parent, depth)) {
        child_parent = step->index;
        child_depth = depth + 1;
        m_steps.push_back(std::move(*step));
      }
    }
    forest(*children, path + ".children", child_parent, child_depth);
  }

  std::optional<TraceStep> tactic(const json& info, const std::string& path, int64_t parent,
                                   int64_t depth) {
    auto name = info.find("name");
    if (name == info.end() || !(name->is_string() || name->is_null())) {
      throw ShapeError{path + ".name", "expected a name or null"};
    }
    auto stx = info.find("stx");
    if (stx == info.end() || !stx->is_object()) throw ShapeError{path + ".stx", "expected an object"};
    auto range = stx->find("range");
    if (range == stx->end() || !range->is_object()) {
      throw ShapeError{path + ".stx.range", "expected an object"};
    }
    auto synthetic = range->find("synthetic");
    if (synthetic == range->end() || !synthetic->is_boolean()) {
      throw ShapeError{path + ".stx.range.synthetic", "expected a boolean"};
    }
    // Read the goals of every TacticInfo, kept or not: a node without them is a shape the
    // bridge does not know.
    auto before = read_goals(info, "goalsBefore", path);
    auto after = read_goals(info, "goalsAfter", path);
    std::string kind = name->is_string() ? name->get<std::string>() : "";
    if (synthetic->get<bool>() || !is_substantive(kind)) return std::nullopt;
    Position start = read_pos(*range, "start", path + ".stx.range");
    Position finish = read_pos(*range, "finish", path + ".stx.range");
    auto from = byte_offset(m_text, m_starts, start);
    auto to = byte_offset(m_text, m_starts, finish);
    if (!from || !to || *to < *from) {
      throw ShapeError{path + ".stx.range",
                       fmt::format("{}:{}-{}:{} is not a range of the checked text", start.line,
                                   start.column, finish.line, finish.column)};
    }
    TraceStep step;
    step.index = static_cast<int64_t>(m_steps.size());
    step.parent = parent;
    step.depth = depth;
    step.tactic = std::string(m_text.substr(*from, *to - *from));
    step.kind = kind;
    if (auto pp = stx->find("pp"); pp != stx->end() && pp->is_string()) step.pp = pp->get<std::string>();
    step.goals_before = std::move(before);
    step.goals_after = std::move(after);
    step.pos = {start.line + m_offset, start.column};
    step.end_pos = {finish.line + m_offset, finish.column};
    step.is_have = is_have_kind(kind);
    return step;
  }

  std::string_view m_text;
  std::vector<size_t> m_starts;
  int64_t m_offset;
  std::vector<TraceStep> m_steps;
};

}  // namespace

bool is_substantive(std::string_view name) {
  // REPL/Lean/InfoTree.lean, TacticInfo.isSubstantive: `null`, ``cdot``, ``cdotTk``,
  // byTactic, tacticSeq, tacticSeq1Indented, «tactic_<;>_», paren; and no name at all.
  static constexpr std::array<std::string_view, 11> kStructural{
      "null",
      "Lean.cdot",
      "Lean.cdotTk",
      "cdot",
      "cdotTk",
      "Lean.Parser.Term.byTactic",
      "Lean.Parser.Tactic.tacticSeq",
      "Lean.Parser.Tactic.tacticSeq1Indented",
      "Lean.Parser.Tactic.«tactic_<;>_»",
      "Lean.Parser.Tactic.tactic_<;>_",
      "Lean.Parser.Tactic.paren",
  };
  if (name.empty()) return false;
  for (auto s : kStructural) {
    if (name == s) return false;
  }
  return true;
}

bool is_have_kind(std::string_view name) {
  auto dot = name.rfind('.');
  std::string_view last = dot == std::string_view::npos ? name : name.substr(dot + 1);
  return last.starts_with("tacticHave");
}

TraceSteps read_infotree(std::string_view infotree_json, std::string_view text,
                          int64_t line_offset) {
  json value = json::parse(infotree_json.begin(), infotree_json.end(), nullptr, false);
  if (value.is_discarded()) return {std::nullopt, "infotree: not valid JSON"};
  try {
    Reader reader(text, line_offset);
    reader.forest(value, "infotree", -1, 0);
    return {reader.take(), {}};
  } catch (const ShapeError& e) {
    return {std::nullopt, e.path + ": " + e.problem};
  }
}

TraceSteps tactic_steps(const CommandAnswer& answer, std::string_view text, int64_t line_offset) {
  if (answer.extra_json.empty()) return {std::vector<TraceStep>{}, {}};
  json extra = json::parse(answer.extra_json, nullptr, false);
  if (!extra.is_object()) return {std::nullopt, "answer: unreadable extra keys"};
  auto tree = extra.find("infotree");
  if (tree == extra.end()) return {std::vector<TraceStep>{}, {}};
  return read_infotree(tree->dump(), text, line_offset);
}

}  // namespace lean_bridge
