// Every real REPL transcript in shared/lean-repl-transcripts is read through the bridge's
// FrameReader (fed in awkward chunk sizes) and parsed into the bridge's types without loss:
// to_json(parse(frame)) equals the frame as a JSON value.
#include <catch2/catch.hpp>

#include <filesystem>
#include <random>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "lean-bridge/frame_reader.hpp"
#include "lean-bridge/repl_answer.hpp"

namespace fs = std::filesystem;
using lean_bridge::FrameReader;
using nlohmann::json;

namespace {

const fs::path kTranscripts = fs::path(HARNESS_SHARED_DIR) / "lean-repl-transcripts";

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::vector<fs::path> raw_transcripts() {
  std::vector<fs::path> out;
  for (const auto& entry : fs::recursive_directory_iterator(kTranscripts)) {
    const std::string name = entry.path().filename().string();
    bool answers = name.size() > 13 && name.ends_with(".expected.out");
    // Kimina's files are the server's JSON wrapping REPL answers, read separately below.
    if (answers && entry.path().string().find("kimina-") == std::string::npos) {
      out.push_back(entry.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> frames_by_blank_lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find("\n\n", start);
    if (end == std::string::npos) end = text.size();
    std::string chunk = text.substr(start, end - start);
    if (chunk.find_first_not_of("\n ") != std::string::npos) out.push_back(chunk);
    start = end + 2;
  }
  return out;
}

void check_lossless(const std::string& frame, const fs::path& where) {
  auto parsed = lean_bridge::parse_answer(frame);
  INFO(where.string() << "\n" << frame.substr(0, 300));
  REQUIRE(parsed.error == "");
  REQUIRE(parsed.answer.has_value());
  CHECK(json::parse(lean_bridge::to_json(*parsed.answer)) == json::parse(frame));
}

}  // namespace

TEST_CASE("every transcript frames and parses without loss", "[transcripts]") {
  auto files = raw_transcripts();
  size_t core = 0, mathlib = 0, frames_seen = 0;
  for (const auto& path : files) {
    std::string text = slurp(path);
    if (text.empty() || text.back() != '\n') text += "\n";
    text += "\n";
    auto expected = frames_by_blank_lines(text);
    FrameReader reader;
    size_t chunk = 1 + (path.string().size() % 97);  // a different odd chunking per file
    for (size_t i = 0; i < text.size(); i += chunk) reader.feed(std::string_view(text).substr(i, chunk));
    std::vector<std::string> frames;
    while (auto f = reader.next_frame()) frames.push_back(*f);
    INFO(path.string());
    CHECK(reader.noise_lines() == 0);
    REQUIRE(frames.size() == expected.size());
    for (const auto& frame : frames) check_lossless(frame, path);
    frames_seen += frames.size();
    core += path.parent_path().filename() == "core";
    mathlib += path.parent_path().filename() == "mathlib";
  }
  CHECK(core >= 50);
  CHECK(mathlib >= 15);
  CHECK(frames_seen > 700);
}

TEST_CASE("kimina server answers wrap REPL answers that parse without loss", "[transcripts]") {
  size_t responses = 0;
  for (const auto& entry : fs::recursive_directory_iterator(kTranscripts)) {
    if (entry.path().string().find("kimina-") == std::string::npos) continue;
    if (!entry.path().string().ends_with(".expected.out")) continue;
    json wrapper = json::parse(slurp(entry.path()));
    for (const auto& result : wrapper.at("results")) {
      if (result.at("response").is_null()) continue;
      check_lossless(result.at("response").dump(), entry.path());
      ++responses;
    }
  }
  CHECK(responses >= 90);
}

TEST_CASE("transcript answers land in the right types", "[transcripts]") {
  std::string text = slurp(kTranscripts / "core" / "app_type_mismatch.expected.out");
  auto frames = frames_by_blank_lines(text);
  REQUIRE(frames.size() == 5);
  auto first = lean_bridge::parse_answer(frames[0]);
  auto& command = std::get<lean_bridge::CommandAnswer>(*first.answer);
  CHECK(command.env == 0);
  REQUIRE(command.messages.size() == 1);
  CHECK(command.messages[0].severity == "error");
  CHECK(command.messages[0].pos.value == lean_bridge::Position{1, 0});
  CHECK(command.messages[0].end_pos.value == lean_bridge::Position{1, 7});
  auto second = std::get<lean_bridge::CommandAnswer>(*lean_bridge::parse_answer(frames[1]).answer);
  REQUIRE(second.sorries.size() == 1);
  CHECK(second.sorries[0].proof_state == 0);
  CHECK(second.sorries[0].goal == "⊢ 1 = 0");
  auto tactic = std::get<lean_bridge::TacticAnswer>(*lean_bridge::parse_answer(frames[2]).answer);
  CHECK(tactic.proof_status == "Incomplete: open goals remain");
  CHECK(tactic.goals.size() == 2);
}

TEST_CASE("error answers and null end positions are typed", "[transcripts]") {
  auto unknown = lean_bridge::parse_answer(R"({"message": "Unknown environment."})");
  CHECK(std::get<lean_bridge::ReplError>(*unknown.answer).message == "Unknown environment.");
  auto null_end = lean_bridge::parse_answer(
      R"({"messages": [{"severity": "error", "pos": {"line": 3, "column": 0}, "endPos": null, "data": "unexpected end of input"}], "env": 2})");
  auto& m = std::get<lean_bridge::CommandAnswer>(*null_end.answer).messages.at(0);
  CHECK(m.end_pos.state == lean_bridge::OptionalPosition::State::null);
  CHECK(json::parse(lean_bridge::to_json(*null_end.answer))["messages"][0]["endPos"].is_null());
}

TEST_CASE("malformed answers are reported with a JSON path, never thrown", "[transcripts]") {
  CHECK(lean_bridge::parse_answer("{not json").error == "$: not valid JSON");
  CHECK(lean_bridge::parse_answer("[1, 2]").error == "$: expected an object, got array");
  CHECK(lean_bridge::parse_answer(R"({"env": "7"})").error == "$.env: expected an integer, got string");
  CHECK(lean_bridge::parse_answer(R"({"env": 1, "messages": [{"severity": "error", "data": 5}]})").error ==
        "$.messages[0].data: expected a string, got number");
  CHECK(lean_bridge::parse_answer(
            R"({"env": 1, "messages": [{"severity": "info", "pos": {"line": 1}, "data": ""}]})")
            .error == "$.messages[0].pos.column: expected an integer, got null");
}

namespace {

// Every answer frame of every transcript, the double's too (tests/fake-repl answers alike).
std::vector<std::string> all_answer_frames() {
  std::vector<std::string> out;
  for (const auto& path : raw_transcripts()) {
    std::string text = slurp(path);
    text += "\n\n";
    for (auto& frame : frames_by_blank_lines(text)) out.push_back(std::move(frame));
  }
  return out;
}

// The direct reader either leaves a text to the general one or reads it exactly as the
// general one does.
void check_readers_agree(const std::string& frame, size_t& plain) {
  auto fast = lean_bridge::detail::parse_plain_command(frame);
  if (!fast) return;
  ++plain;
  auto general = lean_bridge::detail::parse_answer_generally(frame);
  INFO(frame.substr(0, 400));
  REQUIRE(general.error == "");
  REQUIRE(general.answer.has_value());
  REQUIRE(std::holds_alternative<lean_bridge::CommandAnswer>(*general.answer));
  REQUIRE(lean_bridge::to_json(lean_bridge::Answer(*fast)) == lean_bridge::to_json(*general.answer));
}

}  // namespace

TEST_CASE("the direct reader of plain answers reads every transcript as the general reader does",
          "[transcripts]") {
  auto frames = all_answer_frames();
  size_t plain = 0;
  for (const auto& frame : frames) check_readers_agree(frame, plain);
  // Most answers are plain commands' (a check's are): the direct reader is the one used.
  CHECK(plain * 2 > frames.size());
  // And it is the one parse_answer uses for them.
  auto typical = lean_bridge::parse_answer(
      "{\"messages\":\n [{\"severity\": \"info\",\n   \"pos\": {\"line\": 1, \"column\": 0},\n"
      "   \"endPos\": null,\n   \"data\": \"'t' does not depend on any axioms\\n\\tok\"}],\n"
      " \"env\": 3}");
  REQUIRE(typical.answer.has_value());
  auto& command = std::get<lean_bridge::CommandAnswer>(*typical.answer);
  CHECK(command.env == 3);
  REQUIRE(command.messages.size() == 1);
  CHECK(command.messages[0].data == "'t' does not depend on any axioms\n\tok");
  CHECK(command.messages[0].end_pos.state == lean_bridge::OptionalPosition::State::null);
}

TEST_CASE("damaged answers are read alike by both readers, or left to the general one",
          "[transcripts]") {
  auto frames = all_answer_frames();
  std::mt19937 random(11);
  // What damage is made of: JSON's own punctuation, digits, escapes, key names, bytes that are
  // not UTF-8, control characters.
  const std::vector<std::string> pieces = {
      "{", "}", "[", "]", ",", ":", "\"", "\\", "\\u0041", "\\n", "0", "-", "1.5", "e3", "null",
      "true", " ", "\n", "\x01", "\x1f", "\t", "\xff", "\xc3\xa9", "\"env\": 1, ", "\"pos\": null, ",
      "\"messages\": [], ", "\"severity\": \"error\", ", "\"line\": 2, ", "\"goal\": \"g\", ",
      "\"proofState\": 7, ", "\"extra\": 0, ", "99999999999999999999", "01"};
  size_t plain = 0, tried = 0;
  for (size_t n = 0; n < frames.size(); n += 3) {
    const std::string& frame = frames[n];
    for (int round = 0; round < 20; ++round) {
      std::string damaged = frame;
      int edits = 1 + static_cast<int>(random() % 3);
      for (int e = 0; e < edits && !damaged.empty(); ++e) {
        size_t at = random() % damaged.size();
        switch (random() % 3) {
          case 0: damaged.erase(at, 1 + random() % 4); break;
          case 1: damaged.insert(at, pieces[random() % pieces.size()]); break;
          default: damaged.replace(at, 1, pieces[random() % pieces.size()]); break;
        }
      }
      ++tried;
      check_readers_agree(damaged, plain);
    }
  }
  CHECK(tried > 2000);
  CHECK(plain > 100);  // damage that keeps an answer plain and valid is read directly, and alike
}
