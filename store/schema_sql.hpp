#pragma once
// The text of store/schema.sql, embedded at build time (see store/CMakeLists.txt).
#include <string_view>

namespace store {

std::string_view schema_sql();

}  // namespace store
