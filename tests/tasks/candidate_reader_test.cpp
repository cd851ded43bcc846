#include "tasks/candidate_reader.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <random>

#include "tasks/input_error.hpp"
#include "tasks/task_index.hpp"
#include "temp_dir.hpp"

using tasks::Candidate;
using tasks::CandidateReader;
using tasks::InvalidLine;
using tasks::ProofForm;
using tasks::ReaderOptions;
using tasks_test::dataset;
using tasks_test::TempDir;

namespace {

std::vector<CandidateReader::Row> read_all(const std::string& path, ReaderOptions options = {}) {
  CandidateReader reader(path, std::move(options));
  std::vector<CandidateReader::Row> rows;
  while (auto row = reader.next()) rows.push_back(std::move(*row));
  return rows;
}

const Candidate& candidate(const CandidateReader::Row& row) {
  if (const auto* invalid = std::get_if<InvalidLine>(&row)) FAIL_CHECK(invalid->error);
  return std::get<Candidate>(row);
}

const InvalidLine& invalid(const CandidateReader::Row& row) {
  if (std::holds_alternative<Candidate>(row)) FAIL_CHECK("expected an invalid line");
  return std::get<InvalidLine>(row);
}

std::string json_line(const nlohmann::json& object) {
  return object.dump() + "\n";
}

}  // namespace

TEST_CASE("miniF2F and ProofNet lines have no proof: each is invalid, naming `proof`", "[reader]") {
  for (auto [file, count] : {std::pair{"minif2f.jsonl", 488}, std::pair{"proofnet.jsonl", 371}}) {
    auto rows = read_all(dataset(file));
    REQUIRE(rows.size() == static_cast<std::size_t>(count));
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const auto& line = invalid(rows[i]);
      CHECK(line.line == static_cast<std::int64_t>(i + 1));
      CHECK(line.field == "proof");
      CHECK(!line.name.empty());
      CHECK(line.error == dataset(file) + ":" + std::to_string(i + 1) +
                              ": proof: missing: expected one of proof, formal_proof (completing "
                              "formal_statement) or full_proof, code (a whole Lean file)");
    }
  }
}

TEST_CASE("the few-shot file reads as continuation candidates under the default header",
          "[reader]") {
  std::string header = "import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 400000\n";
  auto rows = read_all(dataset("minif2f_valid_few_shot.jsonl"), ReaderOptions{header});
  REQUIRE(rows.size() == 67);
  const Candidate& first = candidate(rows[0]);
  CHECK(first.line == 1);
  CHECK(first.name == "mathd_algebra_182");
  CHECK(first.form == ProofForm::continuation);
  CHECK(first.task.header == header);
  CHECK(first.task.split == "valid");
  CHECK(first.task.statement ==
        "theorem mathd_algebra_182 (y : ℂ) : 7 * (3 * y + 2) = 21 * y + 14 := by\n");
  CHECK(first.proof.rfind("  /- We apply the distributive property", 0) == 0);
  CHECK(first.task.id == tasks::task_id(header, first.task.statement));
  for (const auto& row : rows) CHECK(candidate(row).task.header == header);
  // Without --header the header is empty.
  CHECK(candidate(read_all(dataset("minif2f_valid_few_shot.jsonl"))[5]).task.header.empty());
}

TEST_CASE("one bad line of each kind: exact messages, neighbours unaffected", "[reader]") {
  TempDir dir;
  std::string statement = "theorem t : True := by\n";
  std::string lines;
  lines += json_line({{"name", "t1"}, {"formal_statement", statement}, {"proof", "  trivial"}});
  lines += "{\"name\": \"t2\", \"proof\": \n";
  lines += json_line({{"name", "t3"}, {"formal_statement", statement}});
  lines += json_line({{"name", "t4"}, {"formal_statement", 17}, {"proof", "x"}});
  lines += "{\"name\": \"t5\", \"proof\": \"\xC3\x28\", \"formal_statement\": \"S\"}\n";
  lines += std::string("{\"name\": \"t6\", \"proof\": \"a") + '\0' +
           "b\", \"formal_statement\": \"S\"}\n";
  lines += "{\"name\": \"t7\", \"proof\": \"a\\u0000b\", \"formal_statement\": \"S\"}\n";
  lines += json_line({{"name", "t8"}, {"proof", std::string(5000, 'x')}});
  lines += json_line({{"name", "t9"}, {"formal_statement", "S"}, {"proof", "a"}, {"code", "b"}});
  lines +=
      json_line({{"name", "t10"}, {"full_proof", "import Mathlib\ntheorem t10 : True := trivial"}});
  lines += "   \t\n";
  lines += "[1, 2]\n";
  lines += json_line({{"name", 5}, {"proof", "x"}});
  lines += json_line({{"name", "t14"}, {"proof", "x"}});
  lines += json_line({{"name", "t15"},
                      {"formal_statement", "S"},
                      {"proof", nullptr},
                      {"formal_proof", "p"},
                      {"split", nullptr}});
  lines += "{\"name\": \"t16\", \"formal_statement\": \"S\", \"proof\": \"x\", \"header\": [1]}\n";
  lines += "{\"name\": \"t17\", \"proof\": \"x\", \"formal_statement\": \"S\", \"proof\": \"y\"}\n";
  lines += "\xEF\xBB\xBF{\"name\": \"t18\", \"formal_statement\": \"S\", \"proof\": \"p\"}";
  auto path = dir.write("outputs.jsonl", lines);
  auto rows = read_all(path, ReaderOptions{"HDR", nullptr, 1024});
  REQUIRE(rows.size() == 17);
  auto error = [&](std::size_t i) { return invalid(rows[i]).error; };
  auto at = [&](int line) { return path + ":" + std::to_string(line) + ": "; };

  CHECK(candidate(rows[0]).proof == "  trivial");
  CHECK(candidate(rows[0]).task.header == "HDR");
  CHECK(error(1) == at(2) +
                        "(line): malformed JSON at byte offset 24: syntax error while parsing "
                        "value - unexpected end of input; expected '[', '{', or a literal");
  CHECK(invalid(rows[1]).name.empty());
  CHECK(error(2) == at(3) +
                        "proof: missing: expected one of proof, formal_proof (completing "
                        "formal_statement) or full_proof, code (a whole Lean file)");
  CHECK(invalid(rows[2]).name == "t3");
  CHECK(error(3) == at(4) + "formal_statement: expected a string, got number");
  CHECK(error(4) == at(5) + "proof: invalid UTF-8 at byte offset 25");
  CHECK(error(5) == at(6) + "proof: raw NUL byte at byte offset 26");
  CHECK(error(6) == at(7) + "proof: contains a NUL character (\\u0000)");
  CHECK(error(7) == at(8) + "(line): line of 5024 bytes exceeds the limit of 1024 bytes; skipped");
  CHECK(error(8) == at(9) +
                        "code: ambiguous: the line also has 'proof'; give exactly one of "
                        "proof, formal_proof, full_proof, code");
  const Candidate& whole = candidate(rows[9]);
  CHECK(whole.line == 10);
  CHECK(whole.form == ProofForm::whole_text);
  CHECK(whole.task.statement.empty());
  CHECK(error(10) == at(12) + "(line): expected a JSON object, got array");
  CHECK(error(11) == at(13) + "name: expected a string, got number");
  CHECK(error(12) == at(14) + "formal_statement: missing (a proof or formal_proof completes it)");
  CHECK(candidate(rows[13]).proof == "p");  // null fields count as absent
  CHECK(candidate(rows[13]).line == 15);
  CHECK(error(14) == at(16) + "header: expected a string, got array");
  CHECK(invalid(rows[14]).field == "header");
  CHECK(error(15) == at(17) + "proof: duplicate key (a reader could take either value)");
  CHECK(candidate(rows[16]).name == "t18");  // a byte-order mark is tolerated
}

TEST_CASE("a bad byte is charged to the field holding it, else to the line", "[reader]") {
  TempDir dir;
  std::string lines = "{\"name\": \"a\", \"formal_statement\": \"\xFF\", \"proof\": \"p\"}\n";
  lines += "{\"na\xFFme\": \"a\", \"proof\": \"p\"}\n";
  lines += "{\"name\": \"a\", \"extra\": {\"deep\": [\"\xFF\"]}, \"proof\": \"p\"}\n";
  lines += "\xFF{}\n";
  auto rows = read_all(dir.write("bytes.jsonl", lines));
  REQUIRE(rows.size() == 4);
  CHECK(invalid(rows[0]).field == "formal_statement");
  CHECK(invalid(rows[1]).field == "(line)");
  CHECK(invalid(rows[2]).field == "extra");
  CHECK(invalid(rows[3]).field == "(line)");
}

TEST_CASE("CRLF, a last line without newline, and a missing file", "[reader]") {
  TempDir dir;
  std::string line = R"({"name": "t", "formal_statement": "S", "proof": "p"})";
  auto rows = read_all(dir.write("crlf.jsonl", line + "\r\n\r\n" + line));
  REQUIRE(rows.size() == 2);
  CHECK(candidate(rows[0]).proof == "p");
  CHECK(candidate(rows[1]).line == 3);
  std::string missing = (dir.path() / "nope.jsonl").string();
  CHECK_THROWS_MATCHES(
      CandidateReader(missing), tasks::InputError,
      Catch::Matchers::Message("cannot open " + missing + ": No such file or directory"));
  CHECK_THROWS_AS(read_all(dir.path().string()), tasks::InputError);  // a directory
}

TEST_CASE("blank lines get no row and are counted, and line numbers stay physical", "[reader]") {
  TempDir dir;
  std::string line = R"({"name": "t", "formal_statement": "S", "proof": "p"})";
  CandidateReader reader(dir.write("blanks.jsonl", "\n" + line + "\n   \t\n\r\n" + line + "\n\n"));
  std::vector<int64_t> lines;
  while (auto row = reader.next()) lines.push_back(candidate(*row).line);
  CHECK(lines == std::vector<int64_t>{2, 5});
  CHECK(reader.blank_lines() == 4);
}

TEST_CASE("an over-long line is skipped without holding it, and the next line reads", "[reader]") {
  TempDir dir;
  std::string big = json_line({{"name", "big"}, {"proof", std::string(300000, 'p')}});
  std::string line = json_line({{"name", "t"}, {"formal_statement", "S"}, {"proof", "p"}});
  auto rows = read_all(dir.write("big.jsonl", big + line), ReaderOptions{{}, nullptr, 100000});
  REQUIRE(rows.size() == 2);
  CHECK(invalid(rows[0]).field == "(line)");
  CHECK(candidate(rows[1]).line == 2);
}

TEST_CASE("random bytes and mutated lines never throw", "[reader][fuzz]") {
  TempDir dir;
  std::mt19937 random(20240601);
  std::string valid = json_line({{"name", "t"},
                                 {"formal_statement", "theorem t : 1 = 1 := by\n"},
                                 {"proof", "  rfl -- \"ok\" ℝ"}});
  std::string text;
  int lines = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string line = i % 2 ? valid.substr(0, valid.size() - 1) : std::string(random() % 120, ' ');
    for (char& c : line) {
      if (i % 2 == 0 || random() % 16 == 0) c = static_cast<char>(random() % 256);
      if (c == '\n') c = '{';
    }
    lines += line.find_first_not_of(" \t\r") != std::string::npos;
    text += line + "\n";
  }
  auto path = dir.write("fuzz.jsonl", text);
  std::vector<CandidateReader::Row> rows;
  REQUIRE_NOTHROW(rows = read_all(path, ReaderOptions{{}, nullptr, 100}));
  CHECK(rows.size() == static_cast<std::size_t>(lines));
  for (const auto& row : rows) {
    if (const auto* bad = std::get_if<InvalidLine>(&row)) {
      CHECK(bad->error.rfind(path + ":" + std::to_string(bad->line) + ": " + bad->field + ": ",
                             0) == 0);
    }
  }
}

TEST_CASE("with a task index the task comes from it, by name or by task_id", "[reader][tasks]") {
  TempDir dir;
  auto index = tasks::TaskIndex::load(dataset("proofnet.jsonl"));
  auto five_one = index.by_name("exercise_5_1");
  REQUIRE(five_one.size() == 3);
  const std::string& id66 = five_one[1]->task.id;
  const std::string& id174 = five_one[2]->task.id;
  std::string lines;
  lines += json_line({{"name", "exercise_1_13a"},
                      {"proof", " sorry"},
                      {"header", "evil"},
                      {"formal_statement", "theorem exercise_1_13a : True :="}});
  lines += json_line({{"name", "exercise_5_1"}, {"proof", "x"}});
  lines += json_line({{"name", "exercise_5_1"}, {"task_id", id66}, {"proof", "x"}});
  lines += json_line({{"name", "nope"}, {"proof", "x"}});
  lines += json_line({{"task_id", id174}, {"proof", "x"}});
  lines += json_line({{"name", "exercise_1_13a"}, {"task_id", "task-v1:bogus"}, {"proof", "x"}});
  lines += json_line({{"name", "exercise_1_13a"}, {"task_id", id66}, {"proof", "x"}});
  lines += json_line({{"proof", "x"}});
  lines += json_line({{"name", "exercise_1_13a"}, {"full_proof", "import Mathlib\n"}});
  lines += json_line({{"name", "exercise_1_13a"}, {"task_id", 7}, {"proof", "x"}});
  auto path = dir.write("outputs.jsonl", lines);
  auto rows = read_all(path, ReaderOptions{{}, &index});
  REQUIRE(rows.size() == 10);
  auto at = [&](int line) { return path + ":" + std::to_string(line) + ": "; };
  std::string tasks_file = dataset("proofnet.jsonl");

  const Candidate& first = candidate(rows[0]);
  CHECK(first.task.id == index.by_name("exercise_1_13a")[0]->task.id);
  CHECK(first.task.header.rfind("import Mathlib\n", 0) == 0);
  CHECK(first.task.statement.rfind("theorem exercise_1_13a {f : ℂ → ℂ}", 0) == 0);
  CHECK(first.task.split == "valid");
  CHECK(invalid(rows[1]).error == at(2) + "name: ambiguous: 3 tasks named 'exercise_5_1' in " +
                                      tasks_file +
                                      " (lines 16, 66, 174); add a task_id field to pick one");
  CHECK(candidate(rows[2]).task.id == id66);
  CHECK(candidate(rows[2]).task.statement.find("|(f x - f y)| ≤ (x - y) ^ 2") != std::string::npos);
  CHECK(invalid(rows[3]).error == at(4) + "name: unknown task 'nope' (not in " + tasks_file + ")");
  CHECK(candidate(rows[4]).task.id == id174);
  CHECK(candidate(rows[4]).name == "exercise_5_1");
  CHECK(invalid(rows[5]).error ==
        at(6) + "task_id: unknown task id 'task-v1:bogus' (not in " + tasks_file + ")");
  CHECK(invalid(rows[6]).error == at(7) + "task_id: task '" + id66 +
                                      "' is named 'exercise_5_1' in " + tasks_file +
                                      ", not 'exercise_1_13a'");
  CHECK(invalid(rows[7]).error ==
        at(8) + "name: missing (needed to find the task in " + tasks_file + "; or give task_id)");
  CHECK(candidate(rows[8]).form == ProofForm::whole_text);
  CHECK(candidate(rows[8]).task.statement == first.task.statement);
  CHECK(invalid(rows[9]).error == at(10) + "task_id: expected a string, got number");
}

TEST_CASE("message_excerpt keeps quoted input on one short line", "[reader]") {
  CHECK(tasks::message_excerpt("a\nb\tc\x01") == "a\\nb\\tc\\x01");
  std::string long_name(150, 'x');
  CHECK(tasks::message_excerpt(long_name) == std::string(100, 'x') + "...");
  CHECK(tasks::message_excerpt(std::string(99, 'x') + "ℝ") == std::string(99, 'x') + "...");
}
