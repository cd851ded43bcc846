#include "json_pretty.hpp"

#include <cstddef>
#include <unordered_map>

namespace fake_repl {
namespace {

constexpr std::size_t line_width = 80;

std::size_t code_points(const std::string& text) {
  std::size_t count = 0;
  for (unsigned char c : text) count += (c & 0xC0) != 0x80;
  return count;
}

std::string render_scalar(const nlohmann::json& value) {
  if (value.is_string()) return lean_escape(value.get<std::string>());
  return value.dump();
}

// Appends `value` to m_out; `trail` is the width of the text that follows it up to the next
// line break (closing brackets and a comma), which Lean counts when deciding to flatten.
// Each value's one-line form (and its width) is made once, from its children's, and kept for
// the whole answer: the printer asks for it at every level.
class Printer {
 public:
  std::string m_out;
  std::size_t m_column = 0;

  struct Flat {
    std::string text;
    std::size_t width = 0;  // in code points
  };

  const Flat& flat(const nlohmann::json& value) {
    auto found = m_flat.find(&value);
    if (found != m_flat.end()) return found->second;
    Flat made;
    if (value.is_array()) {
      made.text = "[";
      for (std::size_t i = 0; i < value.size(); ++i) {
        if (i) made.text += ", ";
        made.text += flat(value[i]).text;
      }
      made.text += "]";
    } else if (value.is_object()) {
      made.text = "{";
      bool first = true;
      for (auto it = value.crbegin(); it != value.crend(); ++it, first = false) {
        if (!first) made.text += ", ";
        made.text += lean_escape(it.key());
        made.text += ": ";
        made.text += flat(it.value()).text;
      }
      made.text += "}";
    } else {
      made.text = render_scalar(value);
    }
    made.width = code_points(made.text);
    return m_flat.emplace(&value, std::move(made)).first->second;
  }

  void emit(const std::string& text, std::size_t width) {
    m_out += text;
    m_column += width;
  }
  void emit(const std::string& text) { emit(text, code_points(text)); }
  void newline(std::size_t indent) {
    m_out += '\n';
    m_out.append(indent, ' ');
    m_column = indent;
  }

  void render(const nlohmann::json& value, std::size_t indent, std::size_t trail) {
    const Flat& one_line = flat(value);
    if (!value.is_structured() || m_column + one_line.width + trail <= line_width) {
      emit(one_line.text, one_line.width);
      return;
    }
    std::size_t inner = indent + 1;
    if (value.is_array()) {
      emit("[");
      for (std::size_t i = 0; i < value.size(); ++i) {
        bool last = i + 1 == value.size();
        if (i) newline(inner);
        render(value[i], inner, last ? trail + 1 : 1);
        emit(last ? "]" : ",");
      }
      return;
    }
    emit("{");
    for (auto it = value.crbegin(); it != value.crend(); ++it) {
      bool last = std::next(it) == value.crend();
      if (it != value.crbegin()) newline(inner);
      render_pair(it.key(), it.value(), inner, last ? trail + 1 : 1);
      emit(last ? "}" : ",");
    }
  }

  void render_pair(const std::string& key, const nlohmann::json& value, std::size_t indent,
                   std::size_t trail) {
    std::string head = lean_escape(key) + ":";
    std::size_t head_width = code_points(head);
    const Flat& one_line = flat(value);
    if (m_column + head_width + 1 + one_line.width + trail <= line_width) {
      emit(head, head_width);
      emit(" ", 1);
      emit(one_line.text, one_line.width);
      return;
    }
    emit(head, head_width);
    newline(indent);
    render(value, indent, trail);
  }

 private:
  std::unordered_map<const nlohmann::json*, Flat> m_flat;
};

}  // namespace

std::string lean_escape(const std::string& text) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string lean_pretty(const nlohmann::json& value) {
  Printer printer;
  printer.render(value, 0, 0);
  return printer.m_out;
}

}  // namespace fake_repl
