#include "common/tagged_hash.hpp"

#include <catch2/catch.hpp>

TEST_CASE("sha256_hex matches the FIPS 180-2 test vector", "[common]") {
  CHECK(common::sha256_hex("abc") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(common::sha256_hex("").size() == 64);
}

TEST_CASE("TaggedHash separates fields so concatenations cannot collide", "[common]") {
  auto ab_c = common::TaggedHash("k-v1").add("x", "ab").add("y", "c").hex();
  auto a_bc = common::TaggedHash("k-v1").add("x", "a").add("y", "bc").hex();
  CHECK(ab_c != a_bc);
  CHECK(ab_c.rfind("k-v1:", 0) == 0);
}

TEST_CASE("TaggedHash depends on version, tags and values, and is deterministic", "[common]") {
  auto base = common::TaggedHash("k-v1").add("x", "1").hex();
  CHECK(base == common::TaggedHash("k-v1").add("x", "1").hex());
  CHECK(base != common::TaggedHash("k-v2").add("x", "1").hex());
  CHECK(base != common::TaggedHash("k-v1").add("z", "1").hex());
  CHECK(base != common::TaggedHash("k-v1").add("x", "2").hex());
}
