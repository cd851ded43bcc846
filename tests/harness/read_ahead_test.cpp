// ReadAhead (harness/read_ahead.hpp): score's input read and prepared on a thread of its own,
// handed to the run in input order, with the reader's blank-line count and its errors where
// they happened; standard input stays on the taker's thread; dropping it mid-input returns.
#include "harness/read_ahead.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "tests/support/temp_dir.hpp"

using harness::Pipeline;
using harness::ReadAhead;

namespace {

std::string proof_line(int i) {
  return fmt::format(R"({{"name": "t{0}", "formal_statement": "theorem t{0} : True := by\n", "proof": "  trivial\n"}})",
                     i);
}

// The line number a prepared item stands for, carried in its row.
ReadAhead::Prepare tag_candidates(std::atomic<int>& calls, std::thread::id& on) {
  return [&calls, &on](const tasks::CandidateReader::Row& entry) -> std::optional<Pipeline::Prepared> {
    ++calls;
    on = std::this_thread::get_id();
    auto* candidate = std::get_if<tasks::Candidate>(&entry);
    if (candidate == nullptr || candidate->line % 2 == 0) return std::nullopt;  // some lines not
    Pipeline::Prepared p;
    p.row.line = candidate->line;
    p.key = fmt::format("prepared {}", candidate->line);
    return p;
  };
}

}  // namespace

TEST_CASE("read-ahead gives every line in order, prepared on its own thread, with the blank "
          "lines counted", "[read-ahead]") {
  test_support::TempDir dir;
  auto path = dir.path() / "in.jsonl";
  {
    std::ofstream out(path);
    for (int i = 1; i <= 2000; ++i) {
      out << (i == 700 ? std::string("{not json") : proof_line(i)) << '\n';
      if (i % 500 == 0) out << "   \n";  // a blank line: no row
    }
  }
  REQUIRE(ReadAhead::can_read_ahead(path.string()));
  tasks::CandidateReader reader(path.string());
  std::atomic<int> calls{0};
  std::thread::id prepared_on;
  ReadAhead ahead(reader, tag_candidates(calls, prepared_on), true);
  int64_t items = 0;
  while (auto item = ahead.next()) {
    ++items;
    int64_t line = std::visit([](const auto& e) { return e.line; }, item->entry);
    int64_t blanks_before = (items - 1) / 500;
    CHECK(line == items + blanks_before);  // file lines: the blank ones are numbered too
    if (items == 700) {  // the 700th line written
      CHECK(std::holds_alternative<tasks::InvalidLine>(item->entry));
      CHECK_FALSE(item->prepared);
    } else if (line % 2 == 1) {
      REQUIRE(item->prepared);
      CHECK(item->prepared->key == fmt::format("prepared {}", line));
    } else {
      CHECK_FALSE(item->prepared);
    }
    CHECK(ahead.blank_lines() == blanks_before);
  }
  CHECK(items == 2000);
  CHECK(calls == 2000);
  CHECK(prepared_on != std::this_thread::get_id());
  CHECK(ahead.blank_lines() == 4);  // the end's count: the last blank line included
}

TEST_CASE("read-ahead dropped in the middle of a large input stops its thread", "[read-ahead]") {
  test_support::TempDir dir;
  auto path = dir.path() / "in.jsonl";
  {
    std::ofstream out(path);
    for (int i = 1; i <= 20000; ++i) out << proof_line(i) << '\n';
  }
  tasks::CandidateReader reader(path.string());
  std::atomic<int> calls{0};
  std::thread::id prepared_on;
  {
    ReadAhead ahead(reader, tag_candidates(calls, prepared_on), true);
    for (int i = 0; i < 10; ++i) REQUIRE(ahead.next());
    // Give the thread time to fill what it may hold, then drop it while it waits for room.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  // It read a bounded amount ahead, not the whole input.
  CHECK(calls < 20000);
  CHECK(calls >= 10);
}

TEST_CASE("standard input and pipes are read on the taker's thread, nothing prepared",
          "[read-ahead]") {
  test_support::TempDir dir;
  CHECK_FALSE(ReadAhead::can_read_ahead("-"));
  auto fifo = dir.path() / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK_FALSE(ReadAhead::can_read_ahead(fifo.string()));
  CHECK_FALSE(ReadAhead::can_read_ahead((dir.path() / "missing.jsonl").string()));

  auto path = dir.path() / "in.jsonl";
  {
    std::ofstream out(path);
    out << proof_line(1) << '\n' << "\n" << proof_line(2) << '\n';
  }
  tasks::CandidateReader reader(path.string());
  std::atomic<int> calls{0};
  std::thread::id prepared_on;
  ReadAhead ahead(reader, tag_candidates(calls, prepared_on), false);
  auto first = ahead.next();
  REQUIRE(first);
  CHECK_FALSE(first->prepared);
  auto second = ahead.next();
  REQUIRE(second);
  CHECK(ahead.blank_lines() == 1);
  CHECK_FALSE(ahead.next());
  CHECK(calls == 0);
}
