#include "common/tagged_hash.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <thread>
#include <vector>

TEST_CASE("sha256_hex matches the FIPS 180-2 test vector", "[common]") {
  CHECK(common::sha256_hex("abc") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(common::sha256_hex("") ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("sha256_hex gives the same digests again, and on several threads at once", "[common]") {
  // Each thread reuses its digest context: a digest must not carry anything from the last.
  const std::string long_text(100000, 'q');
  const std::string expected_long = common::sha256_hex(long_text);
  auto work = [&](std::vector<std::string>& out) {
    for (int i = 0; i < 200; ++i) {
      out.push_back(common::sha256_hex("abc"));
      out.push_back(common::sha256_hex(i % 7 == 0 ? std::string_view(long_text) : "x"));
    }
  };
  std::vector<std::string> a, b;
  std::thread other(work, std::ref(b));
  work(a);
  other.join();
  CHECK(a == b);
  for (size_t i = 0; i < a.size(); i += 2) {
    CHECK(a[i] == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(a[i + 1] == ((i / 2) % 7 == 0 ? expected_long : common::sha256_hex("x")));
  }
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
