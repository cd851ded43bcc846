// Tests of policy/builtin/features.cpp: the goal form of statements, the goal analysis and the
// hashed features.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "policy/builtin/features.hpp"

using namespace policy::builtin;

namespace {

// The statements of the core task set, by name.
std::map<std::string, std::string> core_statements() {
  std::ifstream in(std::string(HARNESS_SOURCE_DIR) + "/tasks/core/core_tasks.jsonl");
  REQUIRE(in);
  std::map<std::string, std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    out[j.at("name").get<std::string>()] = j.at("formal_statement").get<std::string>();
  }
  return out;
}

bool has(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

TEST_CASE("goal_of_statement turns core task statements into Lean's goal form") {
  const auto statements = core_statements();
  CHECK(goal_of_statement(statements.at("core_nat_add_comm")) == "a b : Nat\n\u22A2 a + b = b + a");
  CHECK(goal_of_statement(statements.at("core_nat_two_add_three")) == "\u22A2 2 + 3 = 5");
  CHECK(goal_of_statement(statements.at("core_nat_le_trans")) ==
        "a b c : Nat\nh\u2081 : a \u2264 b\nh\u2082 : b \u2264 c\n\u22A2 a \u2264 c");
  CHECK(goal_of_statement(statements.at("core_list_length_append")) ==
        "\u03B1 : Type\nas bs : List \u03B1\n\u22A2 (as ++ bs).length = as.length + bs.length");
  CHECK(goal_of_statement(statements.at("core_list_map_map")) ==
        "\u03B1 \u03B2 \u03B3 : Type\nf : \u03B1 \u2192 \u03B2\ng : \u03B2 \u2192 \u03B3\nl : List \u03B1\n"
        "\u22A2 (l.map f).map g = l.map (g \u2218 f)");
  CHECK(goal_of_statement(statements.at("core_logic_forall_exists_gt")) ==
        "\u22A2 \u2200 n : Nat, \u2203 m : Nat, n < m");
  CHECK(goal_of_statement(statements.at("core_int_natCast_add")) ==
        "m n : Nat\n\u22A2 ((m + n : Nat) : Int) = (m : Int) + (n : Int)");
  CHECK(goal_of_statement(statements.at("core_logic_not_exists")) ==
        "P : Nat \u2192 Prop\n\u22A2 (\u00AC\u2203 n, P n) \u2194 \u2200 n, \u00ACP n");
}

TEST_CASE("goal_of_statement reads every kind of binder") {
  CHECK(goal_of_statement("theorem t (a b : Nat) (h : a \u2264 b) : a < b + 1 := by\n") ==
        "a b : Nat\nh : a \u2264 b\n\u22A2 a < b + 1");
  CHECK(goal_of_statement("theorem t {\u03B1 : Type} [DecidableEq \u03B1] (x : \u03B1) : x = x := by\n") ==
        "\u03B1 : Type\ninst\u271D : DecidableEq \u03B1\nx : \u03B1\n\u22A2 x = x");
  CHECK(goal_of_statement("theorem t {\u03B1 : Type} [inst : Inhabited \u03B1] \u2983x : \u03B1\u2984 : x = x := by") ==
        "\u03B1 : Type\ninst : Inhabited \u03B1\nx : \u03B1\n\u22A2 x = x");
  // Consecutive hypotheses of one type share a line, as Lean prints them.
  CHECK(goal_of_statement("theorem t (a : Nat) (b : Nat) (c : Int) : a + b = b + a := by\n") ==
        "a b : Nat\nc : Int\n\u22A2 a + b = b + a");
  // Line breaks and comments inside the statement, attributes and modifiers before it.
  CHECK(goal_of_statement("@[simp] private theorem t\n    (a : Nat) -- the number\n    : a +\n  0 = a := by\n") ==
        "a : Nat\n\u22A2 a + 0 = a");
  CHECK(goal_of_statement("lemma t.{u} {\u03B1 : Sort u} (a : \u03B1) : a = a := by\n") ==
        "\u03B1 : Sort u\na : \u03B1\n\u22A2 a = a");
  CHECK(goal_of_statement("example (p : Prop) (hp : p) : p := by") == "p : Prop\nhp : p\n\u22A2 p");
  // A default value is not part of the type.
  CHECK(goal_of_statement("theorem t (n : Nat := 3) : n = n := by\n") == "n : Nat\n\u22A2 n = n");
  // Not a statement: unchanged.
  CHECK(goal_of_statement("x : Nat\n\u22A2 x = x") == "x : Nat\n\u22A2 x = x");
}

TEST_CASE("goal_text reads statements as goals and leaves goals alone") {
  CHECK(goal_text("theorem t (x : Nat) : x = x := by\n") == "x : Nat\n\u22A2 x = x");
  CHECK(goal_text("@[simp] theorem t : True := by\n") == "\u22A2 True");
  CHECK(goal_text("x : Nat\n\u22A2 x = x") == "x : Nat\n\u22A2 x = x");
  CHECK(goal_text("case succ\nn : Nat\n\u22A2 n + 1 = n + 1") == "case succ\nn : Nat\n\u22A2 n + 1 = n + 1");
}

TEST_CASE("renaming variables and hypotheses does not change the features") {
  const std::string a = "a b : Nat\nh\u2081 : a \u2264 b\n\u22A2 \u2200 k, a + k \u2264 b + k";
  const std::string b = "x y' : Nat\nhxy : x \u2264 y'\n\u22A2 \u2200 n, x + n \u2264 y' + n";
  CHECK(feature_names(analyse_goal(a), "intro h") == feature_names(analyse_goal(b), "intro h"));
  CHECK(features(a, "", 16).index == features(b, "", 16).index);
  // The whole-proof form of the same theorem with other names gives the same features too.
  CHECK(features(goal_of_statement("theorem t1 (p q : Prop) (hp : p) (hq : q) : p \u2227 q := by\n"), "", 16).index ==
        features(goal_of_statement("theorem t2 (A B : Prop) (h1 : A) (h2 : B) : A \u2227 B := by\n"), "", 16).index);
  // Inaccessible names (`a✝`) are names too.
  CHECK(features("a\u271D : Nat\n\u22A2 a\u271D = a\u271D", "", 16).index == features("z : Nat\n\u22A2 z = z", "", 16).index);
  // No feature mentions a variable's name.
  for (const auto& name : feature_names(analyse_goal(b), "")) {
    INFO(name);
    CHECK(name.find("hxy") == std::string::npos);
    CHECK(name.find("y'") == std::string::npos);
  }
}

TEST_CASE("features tell goal shapes apart") {
  const auto comm = features("a b : Nat\n\u22A2 a + b = b + a", "", 16).index;
  const auto same = features("a b : Nat\n\u22A2 a + b = a + b", "", 16).index;
  const auto assoc = features("a b c : Nat\n\u22A2 a + b + c = a + (b + c)", "", 16).index;
  const auto ints = features("a b : Int\n\u22A2 a + b = b + a", "", 16).index;
  CHECK(comm != same);
  CHECK(comm != assoc);
  CHECK(comm != ints);
  // The previous tactic is a feature.
  CHECK(features("a b : Nat\n\u22A2 a + b = b + a", "simp", 16).index != comm);
}

TEST_CASE("the analysis reads the target's head, roles and hypothesis interactions") {
  auto f = analyse_goal("x : Nat\n\u22A2 x = x").features;
  CHECK(has(f, "head:="));
  CHECK(has(f, "lhs=rhs"));
  CHECK(has(f, "hk:v:Nat"));
  CHECK(has(f, "t:$v:Nat"));
  CHECK_FALSE(has(f, "ground"));

  f = analyse_goal("\u22A2 12 * 12 = 144").features;
  CHECK(has(f, "ground"));
  CHECK(has(f, "t:NUM"));
  CHECK(has(f, "t:*"));

  const auto conj = analyse_goal("p q : Prop\nhp : p\nhq : q\n\u22A2 p \u2227 q");
  CHECK(conj.head == "\u2227");
  CHECK(has(conj.features, "x:t-part-is-h"));
  CHECK(has(conj.features, "hk:prop"));
  CHECK(has(conj.features, "hk:hyp"));
  CHECK(has(conj.features, "nhyps:2"));

  CHECK(has(analyse_goal("p : Prop\nh : p\n\u22A2 p").features, "x:h=t"));
  CHECK(has(analyse_goal("p q : Prop\nh : p\nhn : \u00ACp\n\u22A2 q").features, "x:h-contradicts-h"));
  CHECK(has(analyse_goal("p q : Prop\nh : p \u2227 q\n\u22A2 q").features, "x:h-and-has-t"));
  CHECK(has(analyse_goal("p q : Prop\nh : p \u2192 q\n\u22A2 q").features, "x:h-implies-t"));
  CHECK(has(analyse_goal("p : Prop\nh : False\n\u22A2 p").features, "x:h-false"));
  CHECK(analyse_goal("P : Nat \u2192 Prop\n\u22A2 \u2200 n, P n").head == "\u2200");
  CHECK(analyse_goal("p q : Prop\n\u22A2 p \u2228 q \u2194 q \u2228 p").head == "\u2194");
  CHECK(analyse_goal("n : Nat\n\u22A2 \u00ACn < n").head == "\u00AC");
}

TEST_CASE("the number of goals comes from blank-line separated goals or from the state") {
  const std::string one = "n : Nat\n\u22A2 n = n";
  const std::string two = join_goals({one, "m : Nat\n\u22A2 m + 0 = m"});
  CHECK(two == one + "\n\n" + "m : Nat\n\u22A2 m + 0 = m");
  CHECK(has(analyse_goal(one).features, "ngoals:1"));
  CHECK(has(analyse_goal(two).features, "ngoals:2"));
  // The first goal is the one read: its features, apart from the count, are those of `one`.
  auto first = analyse_goal(two).features;
  auto alone = analyse_goal(one, 2).features;
  CHECK(first == alone);
}

TEST_CASE("hashed features are sorted, unique, in range and of unit norm") {
  for (int bits : {8, 12, 16}) {
    const SparseVector v = features("a b : Nat\nh : a \u2264 b\n\u22A2 a < b + 1", "omega", bits);
    REQUIRE(v.size() > 10);
    double norm = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
      CHECK(v.index[i] < (1u << bits));
      if (i > 0) CHECK(v.index[i] > v.index[i - 1]);
      norm += static_cast<double>(v.value[i]) * v.value[i];
    }
    CHECK(norm == Approx(1.0));
  }
  CHECK(feature_index("bias", 16) == feature_index("bias", 16));
  CHECK(feature_index("bias", 16) != feature_index("bias ", 16));
}

TEST_CASE("every core task statement gives a goal with a target and some features") {
  for (const auto& [name, statement] : core_statements()) {
    INFO(name);
    const std::string goal = goal_of_statement(statement);
    const auto turnstile = goal.find("\u22A2 ");
    REQUIRE(turnstile != std::string::npos);
    CHECK(goal.size() > turnstile + 4);                 // a non-empty target
    CHECK(goal.find(":= by") == std::string::npos);     // the proof start is dropped
    CHECK(goal.find(name) == std::string::npos);        // and so is the name
    CHECK(analyse_goal(goal).features.size() >= 10);
  }
}
