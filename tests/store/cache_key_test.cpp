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
          .form = "proof",
          .library = ""};
}

}  // namespace

TEST_CASE("the cache key is versioned and deterministic", "[store][cache_key]") {
  auto key = store::verification_cache_key(sample_fields());
  CHECK_THAT(key, Catch::Matchers::StartsWith("verify-v3:"));
  CHECK(key.size() == std::string("verify-v3:").size() + 64);
  CHECK(key == store::verification_cache_key(sample_fields()));
}

TEST_CASE("the cache key changes when any single field changes", "[store][cache_key]") {
  std::string_view store::CacheKeyFields::*fields[] = {
      &store::CacheKeyFields::toolchain,     &store::CacheKeyFields::repl,
      &store::CacheKeyFields::guard_version, &store::CacheKeyFields::sandbox,
      &store::CacheKeyFields::heartbeats,    &store::CacheKeyFields::header,
      &store::CacheKeyFields::statement,     &store::CacheKeyFields::proof,
      &store::CacheKeyFields::form,          &store::CacheKeyFields::library};
  std::set<std::string> keys{store::verification_cache_key(sample_fields())};
  for (auto field : fields) {
    auto changed = sample_fields();
    std::string value = std::string(changed.*field) + " ";
    changed.*field = value;
    keys.insert(store::verification_cache_key(changed));
  }
  CHECK(keys.size() == std::size(fields) + 1);
}

TEST_CASE("a check on a library layer never shares a key with one without it",
          "[store][cache_key]") {
  auto bare = sample_fields();
  auto layered = sample_fields();
  layered.library = "library-v1:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  auto other = layered;
  other.library = "library-v1:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
  CHECK(store::verification_cache_key(bare) != store::verification_cache_key(layered));
  CHECK(store::verification_cache_key(layered) != store::verification_cache_key(other));
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
