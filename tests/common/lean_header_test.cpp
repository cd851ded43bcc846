#include "common/lean_header.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

using common::split_header;

namespace {

std::vector<nlohmann::json> dataset(const std::string& file) {
  std::ifstream in(std::string(HARNESS_SHARED_DIR) + "/datasets/" + file);
  std::vector<nlohmann::json> rows;
  for (std::string line; std::getline(in, line);) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

// The text from 1-based line `line` on.
std::string from_line(const std::string& text, int line) {
  std::size_t pos = 0;
  for (int i = 1; i < line && pos != std::string::npos; ++i) {
    pos = text.find('\n', pos);
    if (pos != std::string::npos) ++pos;
  }
  return pos == std::string::npos ? "" : text.substr(pos);
}

}  // namespace

TEST_CASE("miniF2F's header: imports and the rest", "[header]") {
  auto rows = dataset("minif2f.jsonl");
  REQUIRE(rows.size() == 488);
  std::string header = rows[0]["header"];
  auto parts = split_header(header);
  CHECK(parts.imports == "import Mathlib\nimport Aesop");
  CHECK(parts.rest == "set_option maxHeartbeats 0\n\nopen BigOperators Real Nat Topology Rat\n\n");
  CHECK(parts.rest_first_line == 4);
  auto brief = split_header(
      "import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 400000\n\n"
      "open BigOperators Real Nat Topology Rat\n\n");
  CHECK(brief.imports == parts.imports);
  CHECK(brief.rest.rfind("set_option maxHeartbeats 400000\n", 0) == 0);
}

TEST_CASE("ProofNet's headers all import Mathlib, and rest maps back to its lines", "[header]") {
  std::set<std::string> headers;
  for (const auto& row : dataset("proofnet.jsonl"))
    headers.insert(row["header"].get<std::string>());
  REQUIRE(headers.size() > 10);
  for (const auto& header : headers) {
    auto parts = split_header(header);
    INFO(header);
    CHECK(parts.imports == "import Mathlib");
    CHECK(parts.rest == from_line(header, parts.rest_first_line));
    CHECK(parts.rest_first_line == 3);
    CHECK(parts.rest.rfind("open ", 0) == 0);
  }
}

TEST_CASE("equal imports give equal strings whatever the spacing and comments", "[header]") {
  auto a = split_header("import Mathlib\nimport Aesop\n\ntheorem t : True := trivial\n");
  auto b = split_header(
      "-- a file\n/- block\n import Fake -/\nimport   Mathlib -- main\n\n"
      "/-- doc -/\nimport Aesop\n\n\ntheorem t : True := trivial\n");
  CHECK(a.imports == b.imports);
  CHECK(a.rest == b.rest);
  CHECK(a.rest_first_line == 4);
  CHECK(b.rest_first_line == 10);
  CHECK(split_header("import A B\nimport C.D\ndef x := 1").imports == "import A B\nimport C.D");
  CHECK(split_header("public import A\nx").imports == "public import A");
}

TEST_CASE("a whole-file proof: its body is the rest", "[header]") {
  std::string file =
      "import Mathlib\nimport Aesop\nset_option maxHeartbeats 400000\n\n"
      "/-- The answer. -/\ntheorem mathd_algebra_182 (y : ℂ) : 7 * (3 * y + 2) = 21 * y + 14 := "
      "by\n"
      "  ring\n";
  auto parts = split_header(file);
  CHECK(parts.imports == "import Mathlib\nimport Aesop");
  CHECK(parts.rest == from_line(file, 3));
  CHECK(parts.rest_first_line == 3);
}

TEST_CASE("edge cases: no imports, only imports, import sharing a line", "[header]") {
  auto none = split_header("-- c\n\ntheorem t : True := trivial");
  CHECK(none.imports.empty());
  CHECK(none.rest == "theorem t : True := trivial");
  CHECK(none.rest_first_line == 3);

  auto only = split_header("import Mathlib\n-- trailing\n");
  CHECK(only.imports == "import Mathlib");
  CHECK(only.rest.empty());
  CHECK(only.rest_first_line == 3);

  auto shared = split_header("import Mathlib theorem t : True := trivial");
  CHECK(shared.imports == "import Mathlib");
  CHECK(shared.rest == "theorem t : True := trivial");
  CHECK(shared.rest_first_line == 1);

  auto late = split_header("open Nat\nimport Mathlib\n");
  CHECK(late.imports.empty());
  CHECK(late.rest == "open Nat\nimport Mathlib\n");

  CHECK(split_header("").rest.empty());
  CHECK(split_header("import /- unterminated").imports == "import");
}
