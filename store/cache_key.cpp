#include "store/cache_key.hpp"

#include "common/tagged_hash.hpp"

namespace store {

std::string verification_cache_key(const CacheKeyFields& fields) {
  return common::TaggedHash("verify-v3")
      .add("toolchain", fields.toolchain)
      .add("repl", fields.repl)
      .add("guard_version", fields.guard_version)
      .add("sandbox", fields.sandbox)
      .add("heartbeats", fields.heartbeats)
      .add("header", fields.header)
      .add("statement", fields.statement)
      .add("proof", fields.proof)
      .add("form", fields.form)
      .add("library", fields.library)
      .hex();
}

bool is_cacheable(std::string_view verdict) {
  return verdict != "timeout" && verdict != "error" && verdict != "invalid";
}

}  // namespace store
