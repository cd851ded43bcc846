#pragma once
// The schema as ordered migrations, and the code that applies them.
#include <string>
#include <string_view>
#include <vector>

namespace store {

class Database;

struct Migration {
  int number = 0;           // 1, 2, 3, ...: the user_version the database has after it
  std::string description;  // the text after "-- migration N:"
  std::string sql;          // everything up to the next marker
};

// Splits a schema file into migrations at marker lines "-- migration N: DESCRIPTION".
// Numbers must run 1, 2, 3, ... in order, and only comments and blank lines may precede
// the first marker. Throws StoreError naming `source` and the line of a malformed marker.
std::vector<Migration> parse_migrations(std::string_view text, std::string_view source);

// The migrations of the embedded store/schema.sql, parsed once.
const std::vector<Migration>& schema_migrations();

// The user_version of a database that has every migration of store/schema.sql.
int latest_schema_version();

// Brings `db` up to the last of `migrations`: applies every migration numbered above the
// database's user_version, each in its own transaction that also sets user_version. Safe to
// re-run and to race with another process doing the same. Throws StoreError, leaving the
// database at its last complete version, if a migration fails or if the database is newer
// than `migrations` (such a database is not touched).
void migrate(Database& db, const std::vector<Migration>& migrations);

}  // namespace store
