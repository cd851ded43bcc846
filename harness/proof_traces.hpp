#pragma once
// The verified proofs of a store checked again with Lean's infotree asked for: the steps
// `harness traces` writes and `harness library grow` lifts lemmas from (docs/traces.md).
#include <optional>
#include <string>
#include <vector>

#include <memory>

#include "harness/engine.hpp"
#include "harness/pipeline.hpp"
#include "lean-bridge/check.hpp"
#include "store/records.hpp"
#include "store/store.hpp"

namespace harness {

struct TracedProof {
  store::VerifiedProof proof;
  std::string run_uuid;
  std::optional<lean_bridge::CheckResult> result;  // Lean's answer
  std::string not_checked;  // the pipeline decided without Lean: why

  // "RUN-UUID:LINE"
  std::string key() const;
  // Lean passed it again and its steps could be read.
  bool traced() const;
  // Why it is not traced (not checked, no longer passes, unreadable tree).
  std::string problem() const;
};

// The verified proofs of the runs given (run ids; every run when empty), in the store's order.
std::vector<TracedProof> verified_proofs(const store::Store& db, const std::vector<int64_t>& runs);

// The pipeline proofs are traced through: the engine's Lean and guard, never the cache (the
// steps must come from Lean), `library` as the layer of every check (null: none). `engine`
// must outlive it.
std::unique_ptr<Pipeline> tracing_pipeline(const Engine& engine,
                                           std::shared_ptr<const LibraryLayers> library = nullptr);

enum class TraceOutcome { done, interrupted, fatal };

// Checks every proof again through `pipeline` (its cache unused: the steps come from Lean),
// asking for the infotree, and fills each one's result. `fatal`: the pipeline's fatal error.
TraceOutcome trace_proofs(Pipeline& pipeline, std::vector<TracedProof>& work);

}  // namespace harness
