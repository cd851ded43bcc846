// The step search's safety nets (harness/step_search.hpp), against the REPL double: a script
// that closes every goal in tactic mode counts only if the whole-theorem re-check (through the
// pipeline) passes, and a tactic the guard refuses never reaches Lean.
#include "harness/step_search.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <fstream>
#include <string>
#include <vector>

#include "harness/library_layers.hpp"
#include "harness/reward.hpp"
#include "tests/support/temp_dir.hpp"

using namespace harness;
using lean_bridge::DecidedBy;
using lean_bridge::Verdict;

namespace {

// Proposes the same tactics, in order, at every state.
class ScriptedPolicy final : public policy::Policy {
 public:
  explicit ScriptedPolicy(std::vector<std::string> tactics) : m_tactics(std::move(tactics)) {}
  std::string kind() const override { return "scripted"; }
  std::string version() const override { return "scripted-1"; }
  policy::Capabilities capabilities() const override { return {.whole = false, .step = true}; }
  std::vector<std::vector<policy::Completion>> generate(
      const std::vector<policy::GenerationRequest>&) override {
    throw policy::PolicyError("scripted: step mode only");
  }
  std::vector<policy::TacticChoice> propose(const policy::StepState&, int k, uint64_t) override {
    std::vector<policy::TacticChoice> out;
    for (const auto& t : m_tactics) {
      if (static_cast<int>(out.size()) == k) break;
      out.push_back({t, -1.0});
    }
    return out;
  }

 private:
  std::vector<std::string> m_tactics;
};

struct Setup {
  test_support::TempDir dir{"harness-step"};
  std::string log = dir.file("repl.log");
  Engine engine;
  Setup() {
    dir.write("lakefile.toml", "name = \"step\"\n");
    EngineSettings s;
    s.workers = 1;
    s.sandbox = "none";
    s.workspace = dir.path().string();
    s.repl = fmt::format("{} --log {}", FAKE_REPL_PATH, log);
    s.timeout_s = 10;
    engine = make_engine(s);
  }
  std::string requests() const {
    std::ifstream in(log);
    return std::string((std::istreambuf_iterator<char>(in)), {});
  }
};

StepOutcome search_one(Setup& setup, policy::Policy& policy, const std::string& statement) {
  auto task = tasks::make_task("t", "", "", statement);
  StepSearcher searcher(setup.engine, StepBudget{4, 2, 20, 5}, policy);
  auto outcomes = searcher.run({StepJob{task, {task.id, task.name, task.header, task.statement}, 0}});
  REQUIRE(outcomes);
  REQUIRE(outcomes->size() == 1);
  return std::move(outcomes->front());
}

}  // namespace

TEST_CASE("a script that closes every goal but fails the whole-theorem re-check gets no reward",
          "[pipeline][step]") {
  Setup setup;
  ScriptedPolicy policy({"trivial"});
  // The double answers `trivial` with "Completed" in tactic mode; as a whole theorem, the
  // directive makes its declaration depend on an axiom that trusts compiled code.
  auto out = search_one(setup, policy, "theorem t : True := by\n--! axioms Lean.ofReduceBool\n");
  INFO(out.row.reason);
  CHECK(out.script == "  trivial\n");
  CHECK(out.row.verdict == Verdict::rejected);
  CHECK(out.row.decided_by == DecidedBy::axioms);
  CHECK(reward_for(out.row.verdict) == 0.0);
  std::string sent = setup.requests();
  CHECK(sent.find("\"tactic\":\"trivial\"") != std::string::npos);  // tactic mode said done
  CHECK(sent.find("#print axioms") != std::string::npos);            // and it was re-checked
}

TEST_CASE("the same script passes when the re-check accepts it", "[pipeline][step]") {
  Setup setup;
  ScriptedPolicy policy({"trivial"});
  auto out = search_one(setup, policy, "theorem t : True := by\n");
  CHECK(out.row.verdict == Verdict::pass);
  CHECK(reward_for(out.row.verdict) == 1.0);
}

TEST_CASE("a tactic the guard refuses is never sent to Lean", "[pipeline][step]") {
  Setup setup;
  ScriptedPolicy policy({"native_decide", "trivial"});
  auto out = search_one(setup, policy, "theorem t : True := by\n");
  CHECK(out.row.verdict == Verdict::pass);
  CHECK(out.script == "  trivial\n");
  std::string sent = setup.requests();
  INFO(sent);
  CHECK(sent.find("trivial") != std::string::npos);
  CHECK(sent.find("native_decide") == std::string::npos);
}

TEST_CASE("the step search runs under the heartbeat budget: header line, capped tactics",
          "[pipeline][step]") {
  Setup setup;
  ScriptedPolicy policy({"set_option maxHeartbeats 99999999 in trivial"});
  search_one(setup, policy, "theorem t : True := by\n");
  std::string sent = setup.requests();
  INFO(sent);
  // The root's header environment holds the limit (the task header sets none: the budget)...
  CHECK(sent.find(R"({"cmd":"set_option maxHeartbeats 400000\n","env":0})") != std::string::npos);
  // ...and the tactic's own budget is capped at it, in place.
  CHECK(sent.find(R"("tactic":"set_option maxHeartbeats 400000   in trivial")") !=
        std::string::npos);
  CHECK(sent.find("99999999") == std::string::npos);
}

TEST_CASE("with a library the proof states and the re-check run on the header's layer, and a "
          "tactic naming a lemma derived from the task is never sent",
          "[pipeline][step][library]") {
  Setup setup;
  const std::string statement = "theorem t : True := by\n";
  auto own = tasks::make_task("t", "", "", statement);
  setup.engine.library = std::make_shared<const LibraryLayers>(std::vector<LibraryEntry>{
      {"lib_aaaaaaaaaaaa", "", "theorem lib_aaaaaaaaaaaa : True := trivial", {own.id}}});
  ScriptedPolicy policy({"exact lib_aaaaaaaaaaaa", "trivial"});
  auto out = search_one(setup, policy, statement);
  CHECK(out.row.verdict == Verdict::pass);
  CHECK(out.script == "  trivial\n");
  std::string sent = setup.requests();
  INFO(sent);
  // env 0: imports, 1: the header's heartbeat line, 2: the layer, once for both uses.
  CHECK(sent.find(R"({"cmd":"theorem lib_aaaaaaaaaaaa : True := trivial\n\n","env":1})") !=
        std::string::npos);
  CHECK(sent.find("theorem lib_aaaaaaaaaaaa") == sent.rfind("theorem lib_aaaaaaaaaaaa"));
  CHECK(sent.find(R"(sorry\n","env":2})") != std::string::npos);  // the root, on the layer
  CHECK(sent.find(R"(:= sorry","env":2})") != std::string::npos);  // the re-check's reference
  CHECK(sent.find("exact lib_aaaaaaaaaaaa") == std::string::npos);
}
