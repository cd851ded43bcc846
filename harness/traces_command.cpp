#include "harness/traces_command.hpp"

#include "harness/proof_traces.hpp"
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
#include "harness/library_checker.hpp"
#include "harness/library_grow.hpp"
#include "harness/pipeline.hpp"
#include "lean-bridge/worker_pool.hpp"
#include "store/store.hpp"
#include "tasks/target.hpp"
#include "tasks/trace_reader.hpp"

namespace harness {
namespace {

using ojson = nlohmann::ordered_json;

std::vector<int64_t> resolve_runs(const store::Store& db, const std::vector<std::string>& wanted) {
  std::vector<int64_t> ids;
  for (const auto& w : wanted) {
    std::optional<store::RunRow> run = named_run(db, w);
    if (std::find(ids.begin(), ids.end(), run->id) == ids.end()) ids.push_back(run->id);
  }
  return ids;
}

ojson position(const lean_bridge::Position& p) { return {{"line", p.line}, {"column", p.column}}; }

std::string step_line(const TracedProof& t, const lean_bridge::TraceStep& s) {
  ojson out = {{"format", tasks::kTraceFormat},
               {"proof_id", t.key()},
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

int traces(TracesSettings& s) {
  if (s.out.empty()) throw UsageError("--out FILE is required");
  std::optional<StoredLibrary> library = given_library(s.library, s.library_version);
  store::Store db = store::Store::open(
      s.db, store::OpenMode::existing,
      "harness traces reads the verified proofs of an existing store; create one with score");
  std::vector<TracedProof> work = verified_proofs(db, resolve_runs(db, s.runs));

  // Proofs that use a library's lemmas pass again only on its layers (docs/library.md, "Use in
  // score"); they are traced as grow traces them, with no lemma forbidden: they were judged.
  std::shared_ptr<const LibraryLayers> layers;
  if (library) {
    layers = layers_of(library->lemmas, /*derivations=*/false);
    announce_library("traces", *library);
  }
  std::ofstream out(s.out, std::ios::binary | std::ios::trunc);
  if (!out) throw UsageError(fmt::format("--out {}: cannot write the file", s.out));

  Engine engine = make_engine(s);
  std::unique_ptr<Pipeline> tracing = tracing_pipeline(engine, layers);
  Pipeline& pipeline = *tracing;
  install_interrupt_handlers();
  TraceOutcome outcome = trace_proofs(pipeline, work);
  pipeline.close();
  if (auto fatal = pipeline.fatal_error()) {
    out.close();
    std::filesystem::remove(s.out);
    fmt::print(stderr, "harness traces: Lean: {}\n", *fatal);
    return kExitLeanOrStore;
  }
  if (outcome == TraceOutcome::interrupted) {
    out.close();
    std::filesystem::remove(s.out);
    fmt::print(stderr, "harness traces: interrupted; {} not written\n", s.out);
    return kExitInterrupted;
  }

  int64_t traced = 0, steps = 0, haves = 0, untraced = 0;
  std::vector<std::string> problems;
  for (const TracedProof& t : work) {
    if (!t.traced()) {
      ++untraced;
      problems.push_back(t.problem());
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
