// harness::BatchWriter: batches committed on the writer's own connection, in order, before
// their OUT lines; the reading connection's cache hits written with them; an error stops the
// writer, is thrown to the pushing thread, and OUT holds only the committed batches.
#include "harness/batch_writer.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "store/store.hpp"
#include "tests/store/fixtures.hpp"
#include "tests/support/temp_dir.hpp"

using harness::BatchWriter;

namespace {

BatchWriter::Batch batch_of(int64_t run_id, int64_t first, int64_t n) {
  BatchWriter::Batch b;
  for (int64_t line = first; line < first + n; ++line) {
    b.attempts.push_back(store_test::sample_attempt(run_id, line));
    b.out_lines.push_back("row " + std::to_string(line));
  }
  b.through = static_cast<uint64_t>(first + n);
  return b;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

TEST_CASE("a batch writer commits batches in order, then appends their OUT lines",
          "[batch-writer]") {
  test_support::TempDir dir;
  auto path = dir.file("h.db");
  auto db = store::Store::open(path);
  int64_t run_id = db.begin_run(store_test::sample_run_info());
  // A hit counted on the reading connection reaches the store through the writer's.
  auto seeded = store_test::sample_attempt(run_id, 100);
  seeded.cache_key = "verify-v1:hit";
  db.record({seeded});
  REQUIRE(db.lookup_cache("verify-v1:hit"));
  std::ostringstream out;
  {
    BatchWriter writer(path, out, "out.jsonl");
    CHECK(writer.committed() == 0);
    writer.push(batch_of(run_id, 1, 3));
    auto second = batch_of(run_id, 4, 2);
    second.hits = db.take_cache_hits();
    CHECK(second.hits.size() == 1);
    writer.push(std::move(second));
    writer.push(BatchWriter::Batch{{}, {"resumed row"}, {}, 7});  // OUT only
    writer.finish();
    CHECK(writer.committed() == 7);
    CHECK(db.attempts(run_id).size() == 6);  // the seeded one and five
  }
  CHECK(lines_of(out.str()) == std::vector<std::string>{"row 1", "row 2", "row 3", "row 4",
                                                        "row 5", "resumed row"});
  CHECK(db.take_cache_hits().empty());
  store_test::RawDb raw(path);
  CHECK(raw.query_int("SELECT hits FROM verification_cache WHERE key = 'verify-v1:hit'") == 1);
}

TEST_CASE("a batch writer's store error reaches the pusher, and OUT keeps only what was committed",
          "[batch-writer]") {
  test_support::TempDir dir;
  auto path = dir.file("h.db");
  auto db = store::Store::open(path);
  int64_t run_id = db.begin_run(store_test::sample_run_info());
  std::ostringstream out;
  BatchWriter writer(path, out, "out.jsonl");
  writer.push(batch_of(run_id, 1, 2));
  writer.finish();  // committed on its own (batches queued together share one transaction)
  auto bad = batch_of(run_id, 3, 2);
  bad.attempts[1].messages_json = R"({"not":"an array"})";  // the store refuses the batch
  writer.push(std::move(bad));
  CHECK_THROWS_AS(writer.finish(), store::StoreError);
  CHECK_THROWS_AS(writer.push(batch_of(run_id, 5, 1)), store::StoreError);
  CHECK_THROWS_AS(writer.rethrow_error(), store::StoreError);
  CHECK(writer.committed() == 3);
  CHECK(lines_of(out.str()) == std::vector<std::string>{"row 1", "row 2"});
  CHECK(db.attempts(run_id).size() == 2);
}
