#include "harness/proof_traces.hpp"

#include <fmt/format.h>

#include <chrono>
#include <map>

#include "harness/interrupt.hpp"
#include "harness/traces_command.hpp"

namespace harness {

std::string TracedProof::key() const { return fmt::format("{}:{}", run_uuid, proof.line); }

bool TracedProof::traced() const {
  return not_checked.empty() && result && result->verdict == lean_bridge::Verdict::pass &&
         result->steps.has_value();
}

std::string TracedProof::problem() const {
  std::string who = fmt::format("{} (task {}{})", key(), proof.task_id,
                                proof.task_name.empty() ? "" : ", " + proof.task_name);
  if (!not_checked.empty()) return fmt::format("{}: not checked: {}", who, not_checked);
  if (!result) return fmt::format("{}: no answer", who);
  const auto& r = *result;
  if (r.verdict != lean_bridge::Verdict::pass) {
    return fmt::format("{}: no longer passes: {} ({}): {}", who, lean_bridge::to_string(r.verdict),
                       lean_bridge::to_string(r.decided_by), r.reason);
  }
  return fmt::format("{}: passes, but Lean's infotree could not be read: {}", who,
                     r.steps_error.empty() ? "no infotree" : r.steps_error);
}

std::vector<TracedProof> verified_proofs(const store::Store& db, const std::vector<int64_t>& runs) {
  std::vector<TracedProof> work;
  std::map<int64_t, std::string> uuids;
  auto add = [&](std::optional<int64_t> run_id) {
    for (auto& p : db.verified_proofs(run_id)) {
      auto found = uuids.find(p.run_id);
      if (found == uuids.end()) found = uuids.emplace(p.run_id, db.run(p.run_id)->uuid).first;
      work.push_back({std::move(p), found->second, std::nullopt, ""});
    }
  };
  if (runs.empty()) add(std::nullopt);
  for (int64_t id : runs) add(id);
  return work;
}

std::unique_ptr<Pipeline> tracing_pipeline(const Engine& engine,
                                           std::shared_ptr<const LibraryLayers> library) {
  PipelineOptions options{engine.identity, false, false, "", 0};
  options.library = std::move(library);
  return std::make_unique<Pipeline>(
      engine.guard, nullptr,
      [&engine] { return std::make_unique<lean_bridge::WorkerPool>(engine.pool); }, std::move(options));
}

TraceOutcome trace_proofs(Pipeline& pipeline, std::vector<TracedProof>& work) {
  for (size_t i = 0; i < work.size(); ++i) {
    TracedProof& t = work[i];
    auto prepared = pipeline.prepare(stored_candidate(t.proof), {});
    if (const auto& early = prepared.assembly.early) {
      t.not_checked = fmt::format("{} ({}): {}", lean_bridge::to_string(early->verdict),
                                  lean_bridge::to_string(early->decided_by), early->reason);
      continue;
    }
    lean_bridge::CheckRequest request = std::move(prepared.assembly.request);
    request.tactic_steps = true;
    pipeline.add_unrowed(std::move(request),
                         [&work, i](const lean_bridge::CheckResult& r) { work[i].result = r; });
  }
  while (pipeline.pending() > 0 && !pipeline.fatal_error()) {
    if (interrupt_requested()) {
      pipeline.stop();
      return TraceOutcome::interrupted;
    }
    pipeline.take_ready(std::chrono::milliseconds(100));
  }
  return pipeline.fatal_error() ? TraceOutcome::fatal : TraceOutcome::done;
}

}  // namespace harness
