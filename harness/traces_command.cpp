#include "harness/traces_command.hpp"

#include "harness/resume.hpp"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "common/lean_header.hpp"
#include "harness/exit_codes.hpp"
#include "harness/interrupt.hpp"
#include "harness/pipeline.hpp"
#include "lean-bridge/worker_pool.hpp"
#include "store/store.hpp"
#include "tasks/target.hpp"
#include "tasks/trace_reader.hpp"

namespace harness {
namespace {

using ojson = nlohmann::ordered_json;

struct Traced {
  store::VerifiedProof proof;
  std::string run_uuid;
  std::optional<lean_bridge::CheckResult> result;
  std::string not_checked;  // the pipeline decided without Lean: why
};

std::vector<int64_t> resolve_runs(const store::Store& db, const std::vector<std::string>& wanted) {
  std::vector<int64_t> ids;
  for (const auto& w : wanted) {
    std::optional<store::RunRow> run = named_run(db, w);
    if (std::find(ids.begin(), ids.end(), run->id) == ids.end()) ids.push_back(run->id);
  }
  return ids;
}

ojson position(const lean_bridge::Position& p) { return {{"line", p.line}, {"column", p.column}}; }

std::string step_line(const Traced& t, const lean_bridge::TraceStep& s) {
  ojson out = {{"format", tasks::kTraceFormat},
               {"proof_id", fmt::format("{}:{}", t.run_uuid, t.proof.line)},
               {"run", t.run_uuid},
               {"line", t.proof.line},
               {"task_id", t.proof.task_id},
               {"task_name", t.proof.task_name},
               {"step", s.index},
               {"tactic", s.tactic},
               {"kind", s.kind},
               {"goals_before", s.goals_before},
               {"goals_after", s.goals_after},
               {"pos", position(s.pos)},
               {"end_pos", position(s.end_pos)},
               {"depth", s.depth},
               {"parent", s.parent},
               {"is_have", s.is_have}};
  return out.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

std::string describe(const Traced& t) {
  std::string who = fmt::format("{}:{} (task {}{})", t.run_uuid, t.proof.line, t.proof.task_id,
                                t.proof.task_name.empty() ? "" : ", " + t.proof.task_name);
  if (!t.not_checked.empty()) return fmt::format("{}: not checked: {}", who, t.not_checked);
  const auto& r = *t.result;
  if (r.verdict != lean_bridge::Verdict::pass) {
    return fmt::format("{}: no longer passes: {} ({}): {}", who, lean_bridge::to_string(r.verdict),
                       lean_bridge::to_string(r.decided_by), r.reason);
  }
  return fmt::format("{}: passes, but Lean's infotree could not be read: {}", who,
                     r.steps_error.empty() ? "no infotree" : r.steps_error);
}

int traces(TracesSettings& s) {
  if (s.out.empty()) throw UsageError("--out FILE is required");
  store::Store db = store::Store::open(
      s.db, store::OpenMode::existing,
      "harness traces reads the verified proofs of an existing store; create one with score");
  std::vector<Traced> work;
  auto add_proofs = [&](std::optional<int64_t> run_id) {
    std::map<int64_t, std::string> uuids;
    for (auto& p : db.verified_proofs(run_id)) {
      auto found = uuids.find(p.run_id);
      if (found == uuids.end()) found = uuids.emplace(p.run_id, db.run(p.run_id)->uuid).first;
      work.push_back({std::move(p), found->second, std::nullopt, ""});
    }
  };
  auto run_ids = resolve_runs(db, s.runs);
  if (run_ids.empty()) add_proofs(std::nullopt);
  for (int64_t id : run_ids) add_proofs(id);

  std::ofstream out(s.out, std::ios::binary | std::ios::trunc);
  if (!out) throw UsageError(fmt::format("--out {}: cannot write the file", s.out));

  Engine engine = make_engine(s);
  Pipeline pipeline(engine.guard, nullptr,
                    [&engine] { return std::make_unique<lean_bridge::WorkerPool>(engine.pool); },
                    PipelineOptions{engine.identity, false, false, "", 0});
  install_interrupt_handlers();
  for (size_t i = 0; i < work.size(); ++i) {
    Traced& t = work[i];
    auto prepared = pipeline.prepare(stored_candidate(t.proof), {});
    if (prepared.assembly.early) {
      t.not_checked = fmt::format("{} ({}): {}", lean_bridge::to_string(prepared.assembly.early->verdict),
                                  lean_bridge::to_string(prepared.assembly.early->decided_by),
                                  prepared.assembly.early->reason);
      continue;
    }
    lean_bridge::CheckRequest request = std::move(prepared.assembly.request);
    request.tactic_steps = true;
    pipeline.add_unrowed(std::move(request), [&work, i](const lean_bridge::CheckResult& r) {
      work[i].result = r;
    });
  }
  pipeline.close();
  bool interrupted = false;
  while (pipeline.pending() > 0 && !pipeline.fatal_error()) {
    if (interrupt_requested()) {
      interrupted = true;
      pipeline.stop();
      break;
    }
    pipeline.take_ready(std::chrono::milliseconds(100));
  }
  if (auto fatal = pipeline.fatal_error()) {
    out.close();
    std::filesystem::remove(s.out);
    fmt::print(stderr, "harness traces: Lean: {}\n", *fatal);
    return kExitLeanOrStore;
  }
  if (interrupted) {
    out.close();
    std::filesystem::remove(s.out);
    fmt::print(stderr, "harness traces: interrupted; {} not written\n", s.out);
    return kExitInterrupted;
  }

  int64_t traced = 0, steps = 0, haves = 0, untraced = 0;
  std::vector<std::string> problems;
  for (const Traced& t : work) {
    bool ok = t.not_checked.empty() && t.result && t.result->verdict == lean_bridge::Verdict::pass &&
              t.result->steps;
    if (!ok) {
      ++untraced;
      problems.push_back(describe(t));
      continue;
    }
    ++traced;
    for (const auto& step : *t.result->steps) {
      out << step_line(t, step) << '\n';
      ++steps;
      haves += step.is_have ? 1 : 0;
    }
  }
  out.close();
  if (!out) throw std::runtime_error(fmt::format("--out {}: write failed", s.out));
  for (const auto& p : problems) fmt::print(stderr, "harness traces: {}\n", p);
  fmt::print(stderr,
             "harness traces: {} verified proofs, {} traced ({} steps, {} `have` steps), {} not "
             "traced; wrote {}\n",
             work.size(), traced, steps, haves, untraced, s.out);
  return untraced > 0 ? kExitProblems : kExitOk;
}

}  // namespace

tasks::Candidate stored_candidate(const store::VerifiedProof& proof) {
  tasks::Candidate c;
  c.line = proof.line;
  c.name = proof.task_name;
  c.task.name = proof.task_name;
  c.task.header = proof.header;
  c.task.statement = proof.statement;
  c.task.id = proof.task_id;
  c.proof = proof.proof;
  bool own_imports = !common::split_header(proof.proof).imports.empty();
  bool declares = tasks::find_target(proof.proof, "", tasks::ProofForm::continuation).error.empty();
  c.form = own_imports || declares ? tasks::ProofForm::whole_text : tasks::ProofForm::continuation;
  return c;
}

int run_traces(TracesSettings& settings) {
  return run_command("traces", [&] { return traces(settings); });
}

}  // namespace harness
