#include "json_pretty.hpp"

#include <cstddef>

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

std::string render_flat(const nlohmann::json& value) {
  if (value.is_array()) {
    std::string out = "[";
    for (std::size_t i = 0; i < value.size(); ++i) out += (i ? ", " : "") + render_flat(value[i]);
    return out + "]";
  }
  if (value.is_object()) {
    std::string out = "{";
    bool first = true;
    for (auto it = value.crbegin(); it != value.crend(); ++it, first = false)
      out += (first ? "" : ", ") + lean_escape(it.key()) + ": " + render_flat(it.value());
    return out + "}";
  }
  return render_scalar(value);
}

// Appends `value` to m_out; `trail` is the width of the text that follows it up to the next
// line break (closing brackets and a comma), which Lean counts when deciding to flatten.
class Printer {
 public:
  std::string m_out;
  std::size_t m_column = 0;

  void emit(const std::string& text) {
    m_out += text;
    m_column += code_points(text);
  }
  void newline(std::size_t indent) {
    m_out += '\n';
    m_out.append(indent, ' ');
    m_column = indent;
  }

  void render(const nlohmann::json& value, std::size_t indent, std::size_t trail) {
    std::string flat = render_flat(value);
    if (!value.is_structured() || m_column + code_points(flat) + trail <= line_width) {
      emit(flat);
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
    std::size_t flat_width = code_points(head) + 1 + code_points(render_flat(value));
    if (m_column + flat_width + trail <= line_width) {
      emit(head + " " + render_flat(value));
      return;
    }
    emit(head);
    newline(indent);
    render(value, indent, trail);
  }
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
