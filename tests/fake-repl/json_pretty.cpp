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

// The code points of `text` once escaped by lean_escape, quotes included.
std::size_t escaped_width(const std::string& text) {
  std::size_t width = 2;
  for (unsigned char c : text) {
    if ((c & 0xC0) == 0x80) continue;  // a continuation byte: same code point
    if (c == '"' || c == '\\' || c == '\n' || c == '\r') {
      width += 2;
    } else if (c < 0x20) {
      width += 6;
    } else {
      width += 1;
    }
  }
  return width;
}

// Appends `value` to m_out; `trail` is the width of the text that follows it up to the next
// line break (closing brackets and a comma), which Lean counts when deciding to flatten.
// Each value's one-line width is worked out once, from its children's, without writing the
// text; a value that fits is then written on one line straight into the output.
class Printer {
 public:
  std::string m_out;
  std::size_t m_column = 0;

  std::size_t flat_width(const nlohmann::json& value) {
    if (value.is_string()) return escaped_width(value.get_ref<const std::string&>());
    if (!value.is_structured()) return code_points(value.dump());
    auto found = m_width.find(&value);
    if (found != m_width.end()) return found->second;
    std::size_t width = 2;  // the brackets
    if (value.is_array()) {
      for (std::size_t i = 0; i < value.size(); ++i) width += (i ? 2 : 0) + flat_width(value[i]);
    } else {
      bool first = true;
      for (auto it = value.crbegin(); it != value.crend(); ++it, first = false) {
        width += (first ? 0 : 2) + escaped_width(it.key()) + 2 + flat_width(it.value());
      }
    }
    m_width.emplace(&value, width);
    return width;
  }

  void write_flat(const nlohmann::json& value) {
    if (value.is_string()) {
      append_escaped(value.get_ref<const std::string&>());
    } else if (value.is_array()) {
      m_out += '[';
      for (std::size_t i = 0; i < value.size(); ++i) {
        if (i) m_out += ", ";
        write_flat(value[i]);
      }
      m_out += ']';
    } else if (value.is_object()) {
      m_out += '{';
      bool first = true;
      for (auto it = value.crbegin(); it != value.crend(); ++it, first = false) {
        if (!first) m_out += ", ";
        append_escaped(it.key());
        m_out += ": ";
        write_flat(it.value());
      }
      m_out += '}';
    } else {
      m_out += value.dump();
    }
  }

  void emit(const char* text, std::size_t width) {
    m_out += text;
    m_column += width;
  }
  void newline(std::size_t indent) {
    m_out += '\n';
    m_out.append(indent, ' ');
    m_column = indent;
  }

  void render(const nlohmann::json& value, std::size_t indent, std::size_t trail) {
    std::size_t width = flat_width(value);
    if (!value.is_structured() || m_column + width + trail <= line_width) {
      write_flat(value);
      m_column += width;
      return;
    }
    std::size_t inner = indent + 1;
    if (value.is_array()) {
      emit("[", 1);
      for (std::size_t i = 0; i < value.size(); ++i) {
        bool last = i + 1 == value.size();
        if (i) newline(inner);
        render(value[i], inner, last ? trail + 1 : 1);
        emit(last ? "]" : ",", 1);
      }
      return;
    }
    emit("{", 1);
    for (auto it = value.crbegin(); it != value.crend(); ++it) {
      bool last = std::next(it) == value.crend();
      if (it != value.crbegin()) newline(inner);
      render_pair(it.key(), it.value(), inner, last ? trail + 1 : 1);
      emit(last ? "}" : ",", 1);
    }
  }

  void render_pair(const std::string& key, const nlohmann::json& value, std::size_t indent,
                   std::size_t trail) {
    std::size_t head_width = escaped_width(key) + 1;  // the key and its colon
    std::size_t width = flat_width(value);
    append_escaped(key);
    m_out += ':';
    m_column += head_width;
    if (m_column + 1 + width + trail <= line_width) {
      m_out += ' ';
      write_flat(value);
      m_column += 1 + width;
      return;
    }
    newline(indent);
    render(value, indent, trail);
  }

 private:
  void append_escaped(const std::string& text) { m_out += lean_escape(text); }

  std::unordered_map<const nlohmann::json*, std::size_t> m_width;
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
