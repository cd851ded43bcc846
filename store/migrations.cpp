#include "store/migrations.hpp"

#include <fmt/format.h>

#include <charconv>
#include <optional>

#include "common/text.hpp"
#include "store/database.hpp"
#include "store/schema_sql.hpp"
#include "store/store_error.hpp"
#include "store/transaction.hpp"

namespace store {
namespace {

constexpr std::string_view kMarker = "-- migration ";

struct Marker {
  int number;
  std::string description;
};

// The marker on `line`, or nullopt if the line is not "-- migration DIGITS: ...".
std::optional<Marker> parse_marker(std::string_view line) {
  if (!line.starts_with(kMarker)) return std::nullopt;
  line.remove_prefix(kMarker.size());
  int number = 0;
  auto [rest, ec] = std::from_chars(line.data(), line.data() + line.size(), number);
  if (ec != std::errc() || rest == line.data() || rest == line.data() + line.size() ||
      *rest != ':') {
    return std::nullopt;
  }
  line.remove_prefix(static_cast<size_t>(rest - line.data()) + 1);
  return Marker{number, std::string(common::trim(line))};
}

bool is_comment_or_blank(std::string_view line) {
  line = common::trim(line);
  return line.empty() || line.starts_with("--");
}

int user_version(Database& db) {
  return static_cast<int>(db.query_int("PRAGMA user_version", "read schema version"));
}

void refuse_newer(Database& db, int found, int known) {
  if (found <= known) return;
  throw StoreError(fmt::format(
      "{}: schema version {} is newer than this harness understands ({}); upgrade the harness",
      db.path(), found, known));
}

void apply(Database& db, const Migration& migration, int known) {
  std::string operation = fmt::format("migration {} ({})", migration.number, migration.description);
  Transaction transaction(db, operation);
  int current = user_version(db);  // another process may have migrated meanwhile
  refuse_newer(db, current, known);
  if (current >= migration.number) return;
  db.exec(migration.sql, operation);
  db.exec(fmt::format("PRAGMA user_version = {}", migration.number), operation);
  transaction.commit();
}

}  // namespace

std::vector<Migration> parse_migrations(std::string_view text, std::string_view source) {
  std::vector<Migration> migrations;
  int line_number = 0;
  while (!text.empty()) {
    auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    ++line_number;
    if (auto marker = parse_marker(line)) {
      int expected = static_cast<int>(migrations.size()) + 1;
      if (marker->number != expected) {
        throw StoreError(fmt::format("{}:{}: migration {} found where migration {} belongs", source,
                                     line_number, marker->number, expected));
      }
      migrations.push_back({marker->number, std::move(marker->description), {}});
    } else if (!migrations.empty()) {
      migrations.back().sql.append(line).append("\n");
    } else if (!is_comment_or_blank(line)) {
      throw StoreError(fmt::format("{}:{}: SQL before the first \"{}N: ...\" line", source,
                                   line_number, kMarker));
    }
  }
  return migrations;
}

const std::vector<Migration>& schema_migrations() {
  static const std::vector<Migration> kMigrations =
      parse_migrations(schema_sql(), "store/schema.sql");
  return kMigrations;
}

int latest_schema_version() {
  return static_cast<int>(schema_migrations().size());
}

void migrate(Database& db, const std::vector<Migration>& migrations) {
  int known = static_cast<int>(migrations.size());
  int current = user_version(db);
  refuse_newer(db, current, known);
  for (const auto& migration : migrations) {
    if (migration.number > current) apply(db, migration, known);
  }
}

}  // namespace store
