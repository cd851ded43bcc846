#include "common/json_text.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <string>

#include <nlohmann/json.hpp>

namespace {

std::string by_nlohmann(const std::string& text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string by_append(std::string_view text) {
  std::string out = "x";  // appended to what is there
  common::append_json_string(out, text);
  return out.substr(1);
}

}  // namespace

TEST_CASE("a JSON string is written as nlohmann's dump writes it", "[common]") {
  CHECK(by_append("") == "\"\"");
  CHECK(by_append("plain") == "\"plain\"");
  CHECK(by_append("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(by_append("\b\f\n\r\t") == "\"\\b\\f\\n\\r\\t\"");
  CHECK(by_append(std::string_view("\0\x01\x1f\x7f", 4)) == "\"\\u0000\\u0001\\u001f\x7f\"");
  CHECK(by_append("∀ x, x = x ⊢ «name»") == "\"∀ x, x = x ⊢ «name»\"");
  for (std::string text : {std::string("a\xff"), std::string("\xe2\x88"), std::string("\xc0\xaf z"),
                           std::string("ok \xed\xa0\x80 surrogate")}) {
    CAPTURE(text);
    CHECK(by_append(text) == by_nlohmann(text));
  }
}

TEST_CASE("random texts are written as nlohmann's dump writes them", "[common]") {
  std::mt19937 random(7);
  // Bytes drawn mostly from the ones escaping treats specially, and some multi-byte text.
  const std::string pieces[] = {"\"", "\\", "\n", "\t", "\x01", "\x1f", " ", "a", "é", "∀",
                                "\xf0\x9f\x98\x80", "\x7f", "\r", "\b", "\f", "\xff", "\x80"};
  for (int n = 0; n < 2000; ++n) {
    std::string text;
    int length = static_cast<int>(random() % 12);
    for (int i = 0; i < length; ++i) text += pieces[random() % std::size(pieces)];
    CAPTURE(text);
    REQUIRE(by_append(text) == by_nlohmann(text));
  }
}
