// `--shard I/N` (harness/shard.hpp): what it accepts, and parts that are stable, disjoint,
// complete and about even.
#include "harness/shard.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "harness/engine.hpp"
#include "tasks/task.hpp"

using harness::Shard;

TEST_CASE("shard: I/N with 0 <= I < N, and a clear refusal otherwise", "[shard]") {
  Shard s = Shard::parse("2/5");
  CHECK(s.index == 2);
  CHECK(s.count == 5);
  CHECK(s.text() == "2/5");
  CHECK(Shard::parse("0/1").all());
  for (const char* bad : {"5/5", "-1/3", "1", "a/3", "1/0", "1/", "/3", "1/3x", ""}) {
    INFO(bad);
    CHECK_THROWS_AS(Shard::parse(bad), harness::UsageError);
  }
  CHECK_THROWS_WITH(Shard::parse("4/4"), Catch::Contains("--shard 4/4: I must be below N"));
}

TEST_CASE("shard: every task in exactly one part, the same on every machine, about even",
          "[shard]") {
  const int n = 4;
  std::map<int, int> sizes;
  for (int i = 0; i < 4000; ++i) {
    std::string id = tasks::task_id("import Mathlib\n", "theorem t" + std::to_string(i) + " : True");
    int owners = 0;
    for (int part = 0; part < n; ++part) {
      if (Shard{part, n}.owns_task(id)) {
        ++owners;
        ++sizes[part];
      }
    }
    REQUIRE(owners == 1);
  }
  for (auto [part, size] : sizes) {
    INFO(part);
    CHECK(size > 850);
    CHECK(size < 1150);
  }
  // The part is a function of the id alone: its first 64 bits modulo N. This pins the scheme,
  // so that a change to it (which would move tasks between machines' nightly shards) shows.
  CHECK(Shard{0, 3}.owns_task("0000000000000003ffff"));
  CHECK(Shard{1, 3}.owns_task("0000000000000004ffff"));
  CHECK(Shard{2, 7}.owns_task("00000000000000100000"));  // 16 % 7 == 2
  // A real task id: the bits are its digest's, after the version.
  CHECK(Shard{2, 7}.owns_task("task-v1:0000000000000010ffffffffffffffffffffffffffffffffffffffffffffffff"));
  CHECK(Shard{5, 7}.owns_task("task-v1:0000000000000013ffffffffffffffffffffffffffffffffffffffffffffffff"));
  // Lines without a task go by line number.
  CHECK(Shard{0, 3}.owns_line(1));
  CHECK(Shard{1, 3}.owns_line(2));
  CHECK(Shard{0, 3}.owns_line(4));
}
