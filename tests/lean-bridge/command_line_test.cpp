#include "lean-bridge/command_line.hpp"

#include <catch2/catch.hpp>

using lean_bridge::split_command_line;
using Argv = std::vector<std::string>;

TEST_CASE("commands split like a POSIX shell's simple command", "[command_line]") {
  CHECK(split_command_line("lake env repl").argv == Argv{"lake", "env", "repl"});
  CHECK(split_command_line("  a\t b  ").argv == Argv{"a", "b"});
  CHECK(split_command_line("run 'two words' \"and \\\"more\\\"\"").argv ==
        Argv{"run", "two words", "and \"more\""});
  CHECK(split_command_line("a\\ b c").argv == Argv{"a b", "c"});
  CHECK(split_command_line("x'y'\"z\"").argv == Argv{"xyz"});
  CHECK(split_command_line("'' b").argv == Argv{"", "b"});
  CHECK(split_command_line("echo '$HOME' \"\\$HOME\"").argv == Argv{"echo", "$HOME", "$HOME"});
}

TEST_CASE("no shell features: metacharacters are plain text", "[command_line]") {
  CHECK(split_command_line("a > b | c; $(d)").argv == Argv{"a", ">", "b", "|", "c;", "$(d)"});
}

TEST_CASE("unbalanced quotes and empty commands are errors", "[command_line]") {
  CHECK(split_command_line("a 'b").error == "unterminated single quote");
  CHECK(split_command_line("a \"b").error == "unterminated double quote");
  CHECK(split_command_line("a \\").error == "trailing backslash");
  CHECK(split_command_line("   ").error == "empty command");
}

TEST_CASE("quote_argument round-trips through the splitter", "[command_line]") {
  for (std::string arg : {"plain", "with space", "it's", "\"q\"", "$x", "", "a\\b", "ünï"}) {
    auto argv = split_command_line("cmd " + lean_bridge::quote_argument(arg)).argv;
    REQUIRE(argv.size() == 2);
    CHECK(argv[1] == arg);
  }
}
