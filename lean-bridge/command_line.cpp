#include "lean-bridge/command_line.hpp"

namespace lean_bridge {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n'; }

// Reads a double-quoted section starting after the opening quote; returns the index after
// the closing quote, or npos when it is missing.
size_t read_double_quoted(std::string_view text, size_t i, std::string& word) {
  while (i < text.size()) {
    char c = text[i];
    if (c == '"') return i + 1;
    if (c == '\\' && i + 1 < text.size()) {
      char next = text[i + 1];
      if (next == '"' || next == '\\' || next == '$' || next == '`') {
        word.push_back(next);
        i += 2;
        continue;
      }
      if (next == '\n') {
        i += 2;
        continue;
      }
    }
    word.push_back(c);
    ++i;
  }
  return std::string_view::npos;
}

}  // namespace

SplitCommand split_command_line(std::string_view text) {
  SplitCommand out;
  std::string word;
  bool in_word = false;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (is_blank(c)) {
      if (in_word) out.argv.push_back(std::move(word));
      word.clear();
      in_word = false;
      ++i;
    } else if (c == '\'') {
      size_t close = text.find('\'', i + 1);
      if (close == std::string_view::npos) return {{}, "unterminated single quote"};
      word.append(text.substr(i + 1, close - i - 1));
      in_word = true;
      i = close + 1;
    } else if (c == '"') {
      i = read_double_quoted(text, i + 1, word);
      if (i == std::string_view::npos) return {{}, "unterminated double quote"};
      in_word = true;
    } else if (c == '\\') {
      if (i + 1 >= text.size()) return {{}, "trailing backslash"};
      if (text[i + 1] != '\n') word.push_back(text[i + 1]);
      in_word = in_word || text[i + 1] != '\n';
      i += 2;
    } else {
      word.push_back(c);
      in_word = true;
      ++i;
    }
  }
  if (in_word) out.argv.push_back(std::move(word));
  if (out.argv.empty()) out.error = "empty command";
  return out;
}

std::string quote_argument(std::string_view arg) {
  bool plain = !arg.empty();
  for (char c : arg) {
    bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '-' || c == '.' || c == '/' || c == '=' || c == ':' || c == ',';
    plain = plain && safe;
  }
  if (plain) return std::string(arg);
  std::string out = "'";
  for (char c : arg) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  out += "'";
  return out;
}

}  // namespace lean_bridge
