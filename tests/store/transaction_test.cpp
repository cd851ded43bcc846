// store::Transaction: commit, rollback on destruction, and where-it-began reporting.
#include "store/transaction.hpp"

#include <catch2/catch.hpp>

#include "fixtures.hpp"
#include "store/database.hpp"
#include "store/store_error.hpp"

using Catch::Matchers::Contains;
using store_test::TempDir;

namespace {

struct Fixture {
  TempDir dir;
  store::Database db = store::Database::open(dir.file("t.db"));
  Fixture() { db.exec("CREATE TABLE t (x INTEGER)", "create"); }
  int64_t rows() { return db.query_int("SELECT count(*) FROM t", "count"); }
};

}  // namespace

TEST_CASE("a committed transaction keeps its writes", "[store][transaction]") {
  Fixture f;
  {
    store::Transaction transaction(f.db, "insert");
    f.db.exec("INSERT INTO t VALUES (1)", "insert");
    transaction.commit();
    CHECK_THROWS_WITH(transaction.commit(), Contains("already finished"));
  }
  CHECK(f.rows() == 1);
  CHECK_FALSE(f.db.in_transaction());
}

TEST_CASE("an uncommitted transaction rolls back on destruction", "[store][transaction]") {
  Fixture f;
  try {
    store::Transaction transaction(f.db, "insert");
    f.db.exec("INSERT INTO t VALUES (1)", "insert");
    throw std::runtime_error("interrupted");
  } catch (const std::runtime_error&) {
  }
  CHECK(f.rows() == 0);
  CHECK_FALSE(f.db.in_transaction());
}

TEST_CASE("a second transaction names where the open one began", "[store][transaction]") {
  Fixture f;
  int begun_at = __LINE__ + 1;
  store::Transaction outer(f.db, "outer work");
  CHECK(outer.origin() ==
        "outer work (begun at transaction_test.cpp:" + std::to_string(begun_at) + ")");
  CHECK_THROWS_WITH(store::Transaction(f.db, "inner work"),
                    Contains("inner work (begun at transaction_test.cpp:") &&
                        Contains("the transaction outer work (begun at transaction_test.cpp:"));
  CHECK(f.db.in_transaction());
}
