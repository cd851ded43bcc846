#include "lean-bridge/closing_check.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace lean_bridge;

TEST_CASE("the reference declaration renames the statement and proves it with sorry",
          "[closing]") {
  CHECK(reference_declaration("theorem amc12a_2015_p10 (x y : ℤ) (h₀ : 0 < y) : x = 26 := by\n",
                              "REF") == "theorem REF (x y : ℤ) (h₀ : 0 < y) : x = 26  := sorry");
  CHECK(reference_declaration(
            "def exercise_2_1_21 (G : Type*) [Group G] [Fintype G]\n  (hG : card G = 5) :\n  "
            "CommGroup G :=",
            "REF") ==
        "def REF (G : Type*) [Group G] [Fintype G]\n  (hG : card G = 5) :\n  CommGroup G  := sorry");
  // A `:=` inside the statement (a default value) is not the proof's.
  CHECK(reference_declaration("theorem t (n : Nat := 3) : n = n := by", "R") ==
        "theorem R (n : Nat := 3) : n = n  := sorry");
  CHECK(reference_declaration("noncomputable def f : Nat → Nat :=", "R") ==
        "noncomputable def R : Nat → Nat  := sorry");
  CHECK_FALSE(reference_declaration("example : 1 = 1 := by", "R"));
  CHECK_FALSE(reference_declaration("-- theorem t : True := by", "R"));
}

namespace {

Message info(int64_t line, std::string data, std::string severity = "info") {
  Message m;
  m.severity = std::move(severity);
  m.pos.state = OptionalPosition::State::value;
  m.pos.value = {line, 0};
  m.data = std::move(data);
  return m;
}

}  // namespace

TEST_CASE("closing answers are attributed by line", "[closing]") {
  auto request = closing_request("t", "REF", "abc123");
  CHECK(request.text ==
        "#print axioms t\nexample : (type_of% @REF) = (type_of% @t) := _root_.rfl\n#eval \"abc123\"");
  CommandAnswer answer;
  answer.env = 5;
  answer.messages = {info(1, "'t' depends on axioms: [propext]"), info(3, "\"abc123\"")};
  auto good = read_closing(answer, request, "t", "abc123");
  CHECK(good.nonce_problem.empty());
  CHECK(good.axioms.axioms == std::vector<std::string>{"propext"});
  CHECK(good.statement_problem.empty());

  answer.messages.insert(answer.messages.begin() + 1, info(2, "type mismatch", "error"));
  CHECK(read_closing(answer, request, "t", "abc123").statement_problem ==
        "not the task's statement: type mismatch");

  CHECK_FALSE(read_closing(answer, request, "t", "other").nonce_problem.empty());
  answer.messages.push_back(info(7, "stray"));
  CHECK(read_closing(answer, request, "t", "abc123").nonce_problem ==
        "messages on no line of the closing request");
}

TEST_CASE("after a failed check only the nonce is asked", "[closing]") {
  auto request = closing_request("", "REF", "n");
  CHECK(request.text == "#eval \"n\"");
  CHECK(request.nonce_line == 1);
  CHECK(request.axioms_line == 0);
}

TEST_CASE("nonces are fresh", "[closing]") {
  auto a = random_nonce();
  CHECK(a.size() == 32);
  CHECK(a != random_nonce());
  // 128 bits each, lower-case hex, never repeated, on any thread; every hex digit turns up in
  // every position (20,000 draws: a fixed or biased digit would show).
  std::set<std::string> seen;
  std::vector<std::set<char>> digits(32);
  auto draw = [](std::vector<std::string>& out) {
    for (int i = 0; i < 10000; ++i) out.push_back(random_nonce());
  };
  std::vector<std::string> mine, theirs;
  std::thread other(draw, std::ref(theirs));
  draw(mine);
  other.join();
  for (const auto* list : {&mine, &theirs}) {
    for (const std::string& nonce : *list) {
      REQUIRE(nonce.size() == 32);
      REQUIRE(nonce.find_first_not_of("0123456789abcdef") == std::string::npos);
      seen.insert(nonce);
      for (size_t i = 0; i < 32; ++i) digits[i].insert(nonce[i]);
    }
  }
  CHECK(seen.size() == 20000);
  for (const auto& at : digits) CHECK(at.size() == 16);
}
