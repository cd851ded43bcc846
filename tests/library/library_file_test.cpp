#include <catch2/catch.hpp>

#include "library/library_file.hpp"

using namespace library;

namespace {

LibraryFile sample() {
  Lemma l;
  l.header = "import Mathlib\n";
  l.statement = {{{"n", "Nat"}}, "Chain n"};
  l.key = canonical_key(l.header, l.statement);
  l.name = lemma_name(l.key);
  l.proof = "by\n  unfold Chain\n  omega";
  l.origin = "task";
  l.derived_from = {"task-v1:aa", "task-v1:bb"};
  LibraryFile f;
  f.lemmas.push_back({l, 120, 6, 64, 3.5});
  f.version = library_version({l});
  return f;
}

}  // namespace

TEST_CASE("a library file reads back what was written", "[library]") {
  LibraryFile f = sample();
  LibraryFile back = parse_library_file(library_file_text(f), "lib.json");
  REQUIRE(back.lemmas.size() == 1);
  CHECK(back.version == f.version);
  const Lemma& l = back.lemmas[0].lemma;
  CHECK(l.name == f.lemmas[0].lemma.name);
  CHECK(l.key == f.lemmas[0].lemma.key);
  CHECK(declaration_text(l) == declaration_text(f.lemmas[0].lemma));
  CHECK(l.derived_from == f.lemmas[0].lemma.derived_from);
  CHECK(back.lemmas[0].gain == 120);
  CHECK(back.lemmas[0].mutual_information == 3.5);
}

TEST_CASE("a bad library file names the field at fault", "[library]") {
  std::string text = library_file_text(sample());
  auto fails_with = [](const std::string& t, const std::string& what) {
    CHECK_THROWS_WITH(parse_library_file(t, "lib.json"), Catch::Contains(what));
  };
  fails_with("[]", "lib.json: (document): not a JSON object");
  std::string renamed = text;
  renamed.replace(renamed.find("\"statement\": \"theorem lib_"), 27, "\"statement\": \"theorem lyb_");
  fails_with(renamed, "lemmas[0].statement");
  std::string proof = text;
  proof.replace(proof.find("omega"), 5, "simp!");
  fails_with(proof, "version: is library-v1:");
  std::string format = text;
  format.replace(format.find("harness-library-v1"), 18, "harness-library-v9");
  fails_with(format, "format: expected");
  CHECK_THROWS_WITH(read_library_file("/nonexistent/lib.json"), Catch::Contains("cannot read"));
}
