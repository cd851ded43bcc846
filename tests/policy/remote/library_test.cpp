// The remote policy's {library} placeholder (policy/remote/README.md, "Library"): the top lemmas
// by shared information with the task's statement reach the prompt, ranked, at most
// library_lemmas of them, and never a lemma derived from the task itself.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "metrics/compression.hpp"
#include "openai_double.hpp"
#include "policy/remote/prompt_template.hpp"
#include "policy/remote/remote_policy.hpp"

using nlohmann::json;
using namespace policy;

namespace {

const std::string kStatement =
    "theorem chain_pair (a b : Nat) : Chain a ∧ Chain b := by\n";
const LibraryLemma kChain{"lib_0123456789ab", "theorem lib_0123456789ab (n : Nat) : Chain n", {"task-v1:other"}};
const LibraryLemma kChainPair{"lib_00000000000d",
                              "theorem lib_00000000000d (a b : Nat) : Chain a ∧ Chain b → Chain (a + b)",
                              {}};
const LibraryLemma kUnrelated{"lib_00000000000e",
                              "theorem lib_00000000000e (xs : List String) : xs.reverse.reverse = xs", {}};
const LibraryLemma kOwn{"lib_00000000000f", "theorem lib_00000000000f (a b : Nat) : Chain a ∧ Chain b",
                        {"task-v1:pair"}};

RemoteOptions options_for(const std::string& url) {
  RemoteOptions o;
  o.base_url = url;
  o.model = "double-model";
  o.retries = 0;
  o.timeout_ms = 3000;
  return o;
}

int64_t shared(const std::string& s, const std::string& l) {
  return metrics::compressed_size(s, 19) + metrics::compressed_size(l, 19) -
         metrics::compressed_size(s + "\n" + l, 19);
}

}  // namespace

TEST_CASE("render_library: one statement per line after its lead-in, nothing without lemmas") {
  CHECK(remote::render_library({}).empty());
  CHECK(remote::render_library({"theorem a : True", "theorem b : True"}) ==
        "These lemmas are proved and may be used by name:\n\ntheorem a : True\ntheorem b : True\n\n");
  auto t = remote::PromptTemplate::parse("{library}-{statement}", "test");
  remote::TemplateValues v{"", "S", "n", "", "", ""};
  v.library = "L\n";
  CHECK(t.render(v) == "L\n-S");
}

TEST_CASE("remote library: lemmas reach the prompt ranked by shared information, never the task's own") {
  // The ranking the prompt must show, computed independently.
  REQUIRE(shared(kStatement, kChainPair.statement) > shared(kStatement, kChain.statement));
  REQUIRE(shared(kStatement, kChain.statement) > shared(kStatement, kUnrelated.statement));

  openai_double::Script script;
  script.fallback = {"  simp\n```"};
  openai_double::Server server(script);
  RemotePolicy remote(options_for(server.base_url()));
  CHECK(remote.capabilities().uses_library);
  TaskView task{"task-v1:pair", "chain_pair", "", kStatement};

  // Without a library the prompt is the plain one.
  remote.generate({GenerationRequest{task, 1, 1}});
  CHECK(json::parse(server.requests().back().body)["prompt"] ==
        "Complete the following Lean 4 code:\n\n```lean4\n" + kStatement);

  remote.set_library({kUnrelated, kChain, kOwn, kChainPair});
  CHECK(remote.library_for(task) ==
        std::vector<std::string>{kChainPair.statement, kChain.statement, kUnrelated.statement});
  remote.generate({GenerationRequest{task, 1, 2}});
  const std::string prompt = json::parse(server.requests().back().body)["prompt"];
  CHECK(prompt == "These lemmas are proved and may be used by name:\n\n" + kChainPair.statement + "\n" +
                      kChain.statement + "\n" + kUnrelated.statement + "\n\n" +
                      "Complete the following Lean 4 code:\n\n```lean4\n" + kStatement);
  CHECK(prompt.find(kOwn.name) == std::string::npos);

  // At most library_lemmas of them; step mode's tactic prompt has them too.
  RemoteOptions two = options_for(server.base_url());
  two.library_lemmas = 2;
  RemotePolicy top2(two);
  top2.set_library({kUnrelated, kChain, kOwn, kChainPair});
  StepState state;
  state.task = &task;
  state.goals = {"a b : Nat\n⊢ Chain a ∧ Chain b"};
  top2.propose(state, 1, 3);
  const std::string tactic_prompt = json::parse(server.requests().back().body)["prompt"];
  CHECK(tactic_prompt.rfind("These lemmas are proved and may be used by name:\n\n" + kChainPair.statement + "\n" +
                                kChain.statement + "\n\nGive the next Lean 4 tactic",
                            0) == 0);
  CHECK(tactic_prompt.find(kUnrelated.name) == std::string::npos);
}
