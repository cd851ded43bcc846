// store::verification_cache_key.
#include "store/cache_key.hpp"

#include <catch2/catch.hpp>
#include <set>
#include <string>

namespace {

store::CacheKeyFields sample_fields() {
  return {.toolchain = "leanprover/lean4:v4.9.0",
          .repl = "repl@abc123",
          .guard_version = "guards-3",
          .sandbox = "bwrap;mem=4G",
          .heartbeats = "400000",
          .header = "import Mathlib",
          .statement = "theorem t : 1 + 1 = 2",
          .proof = "by norm_num",
          .form = "proof"};
}

}  // namespace

TEST_CASE("the cache key is versioned and deterministic", "[store][cache_key]") {
  auto key = store::verification_cache_key(sample_fields());
  CHECK_THAT(key, Catch::Matchers::StartsWith("verify-v2:"));
  CHECK(key.size() == std::string("verify-v2:").size() + 64);
  CHECK(key == store::verification_cache_key(sample_fields()));
}

TEST_CASE("the cache key changes when any single field changes", "[store][cache_key]") {
  std::string_view store::CacheKeyFields::*fields[] = {
      &store::CacheKeyFields::toolchain,     &store::CacheKeyFields::repl,
      &store::CacheKeyFields::guard_version, &store::CacheKeyFields::sandbox,
      &store::CacheKeyFields::heartbeats,    &store::CacheKeyFields::header,
      &store::CacheKeyFields::statement,     &store::CacheKeyFields::proof,
      &store::CacheKeyFields::form};
  std::set<std::string> keys{store::verification_cache_key(sample_fields())};
  for (auto field : fields) {
    auto changed = sample_fields();
    std::string value = std::string(changed.*field) + " ";
    changed.*field = value;
    keys.insert(store::verification_cache_key(changed));
  }
  CHECK(keys.size() == std::size(fields) + 1);
}

TEST_CASE("moving text between adjacent fields changes the key", "[store][cache_key]") {
  auto a = sample_fields();
  auto b = sample_fields();
  a.header = "import Mathlib\n";
  a.statement = "theorem t";
  b.header = "import Mathlib";
  b.statement = "\ntheorem t";
  CHECK(store::verification_cache_key(a) != store::verification_cache_key(b));
}
