#include "harness/canaries.hpp"

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace harness {

const std::vector<Canary>& builtin_canaries() {
  static const std::vector<Canary> kCanaries = {
      {"harness_canary_add", "theorem harness_canary_add : 2 + 2 = 5 := by\n", "  decide"},
      {"harness_canary_succ", "theorem harness_canary_succ (n : Nat) : n + 1 = n := by\n",
       "  omega"},
      {"harness_canary_mul", "theorem harness_canary_mul (n : Nat) : n * 0 = n := by\n",
       "  simp"},
      {"harness_canary_sub", "theorem harness_canary_sub (a b : Nat) : a - b + b = a := by\n",
       "  omega"},
      {"harness_canary_rev",
       "theorem harness_canary_rev (l : List Nat) : l.reverse = l := by\n", "  simp"},
      {"harness_canary_lt", "theorem harness_canary_lt : ∀ n : Nat, n < n := by\n",
       "  intro n\n  exact Nat.lt_irrefl n"},
      {"harness_canary_bool", "theorem harness_canary_bool (b : Bool) : b = true := by\n",
       "  cases b <;> rfl"},
      {"harness_canary_and",
       "theorem harness_canary_and (p q : Prop) (hp : p) : p ∧ q := by\n",
       "  exact ⟨hp, hp⟩"},
  };
  return kCanaries;
}

std::vector<Canary> load_canaries(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(fmt::format("{}: cannot read the canary file", path));
  std::vector<Canary> out;
  int line_number = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto value = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    for (const char* field : {"name", "formal_statement", "proof"}) {
      if (!value.is_object() || !value.contains(field) || !value[field].is_string()) {
        throw std::runtime_error(
            fmt::format("{}:{}: {}: expected a string", path, line_number, field));
      }
    }
    out.push_back({value["name"], value["formal_statement"], value["proof"]});
  }
  if (out.empty()) throw std::runtime_error(fmt::format("{}: no canaries in the file", path));
  return out;
}

std::vector<Canary> pick_canaries(const std::vector<Canary>& pool, int count) {
  std::vector<Canary> out;
  for (int i = 0; i < count && !pool.empty(); ++i) {
    Canary c = pool[static_cast<size_t>(i) % pool.size()];
    if (i >= static_cast<int>(pool.size())) {
      std::string renamed = fmt::format("{}_{}", c.name, i / pool.size());
      auto at = c.statement.find(c.name);
      if (at != std::string::npos) c.statement.replace(at, c.name.size(), renamed);
      c.name = renamed;
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace harness
