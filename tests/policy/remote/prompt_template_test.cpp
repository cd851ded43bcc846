// Prompt templates: the built-ins, template files, placeholders and their errors.
#include "policy/remote/prompt_template.hpp"

#include <catch2/catch.hpp>

#include "policy/policy.hpp"
#include "policy/remote/extraction.hpp"
#include "tests/support/temp_dir.hpp"

using policy::PolicyError;
using policy::remote::Endpoint;
using policy::remote::PromptTemplate;
using policy::remote::TemplateValues;

namespace {
const TemplateValues kValues{"import Mathlib", "theorem t (n : Nat) : n + 0 = n := by\n", "t",
                             "n : Nat\n⊢ n + 0 = n"};
}

TEST_CASE("the deepseek template leaves a lean4 block open after header and statement") {
  std::string prompt = PromptTemplate::load("deepseek", Endpoint::completions).render(kValues);
  CHECK(prompt ==
        "Complete the following Lean 4 code:\n\n```lean4\nimport Mathlib\n"
        "theorem t (n : Nat) : n + 0 = n := by\n");
  CHECK(policy::remote::prompt_opens_code_block(prompt));
}

TEST_CASE("the deepseek template for chat closes its block and asks for one back") {
  std::string prompt = PromptTemplate::load("deepseek", Endpoint::chat).render(kValues);
  CHECK_THAT(prompt, Catch::Contains("```lean4\nimport Mathlib\ntheorem t (n : Nat) : n + 0 = n"));
  CHECK_THAT(prompt, Catch::Contains("in one ```lean4 code block"));
  CHECK_FALSE(policy::remote::prompt_opens_code_block(prompt));
}

TEST_CASE("the tactic template shows the goal, its completion form ends at the answer slot") {
  std::string completion = PromptTemplate::load("tactic", Endpoint::completions).render(kValues);
  CHECK_THAT(completion, Catch::Contains("n : Nat\n⊢ n + 0 = n"));
  CHECK_THAT(completion, Catch::EndsWith("Next tactic:"));
  std::string chat = PromptTemplate::load("tactic", Endpoint::chat).render(kValues);
  CHECK_THAT(chat, Catch::Contains("```lean4\nn : Nat\n⊢ n + 0 = n\n```"));
}

TEST_CASE("a template file fills every placeholder once and keeps other braces") {
  test_support::TempDir dir("remote-template");
  std::string path = dir.write("t.txt", "{name}: {{name}} {header}{statement}{goal} {x : Nat} {1}");
  TemplateValues values{"H", "S {goal}", "N", "G"};
  CHECK(PromptTemplate::load(path, Endpoint::completions).render(values) ==
        "N: {name} H\nS {goal}G {x : Nat} {1}");
  // The same file serves either endpoint.
  CHECK(PromptTemplate::load(path, Endpoint::chat).render(values) ==
        "N: {name} H\nS {goal}G {x : Nat} {1}");
}

TEST_CASE("a template file with an unknown placeholder names the file, line and placeholder") {
  test_support::TempDir dir("remote-template");
  std::string path = dir.write("bad.txt", "Prove:\n{statement}\n{proof_so_far}\n");
  CHECK_THROWS_AS(PromptTemplate::load(path, Endpoint::completions), PolicyError);
  CHECK_THROWS_WITH(PromptTemplate::load(path, Endpoint::completions),
                    Catch::Contains("template file " + path + ":3: unknown placeholder "
                                    "{proof_so_far}"));
}

TEST_CASE("a template that is neither built in nor a file is refused, naming the built-ins") {
  CHECK_THROWS_WITH(PromptTemplate::load("/no/such/template.txt", Endpoint::chat),
                    Catch::Contains("'/no/such/template.txt' is neither a built-in template "
                                    "(deepseek, tactic, revise, lemmas) nor a readable file"));
}
