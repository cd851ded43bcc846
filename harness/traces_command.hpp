#pragma once
// `harness traces`: the tactic-level steps of every verified proof in the store, as Lean
// reports them (docs/traces.md). Each passing attempt is checked again through the pipeline's
// checker, asking Lean for the proof's infotree (lean-bridge/infotree.hpp); a proof that passes
// again gives one JSONL line per step, one that does not is reported and not traced.
#include <optional>
#include <string>
#include <vector>

#include "harness/engine.hpp"
#include "store/records.hpp"
#include "tasks/candidate.hpp"

namespace harness {

// Defaults are the initializers; names, help and checks: settings_tables.cpp, traces_group.
// The engine settings say how Lean checks (the verification cache is never read: the steps
// come from Lean's answer).
struct TracesSettings : EngineSettings {
  std::vector<std::string> runs;  // uuids, ids or `latest`; every run when empty
  std::string out;                // the JSONL file written
  // The lemma library the proofs were checked with (docs/library.md, "Use in score").
  std::optional<std::string> library;       // STORE|FILE; none: no library
  std::string library_version = "latest";  // with a store: which version
};

int run_traces(TracesSettings& settings);

// How a stored proof was checked, which the store does not record: a whole file when the proof
// has its own imports or declares something itself (a continuation is the text after the
// statement's `:=`), else a continuation of the task's statement. A wrong reading cannot make
// a trace: the re-check would not pass, and the proof is reported.
tasks::Candidate stored_candidate(const store::VerifiedProof& proof);

}  // namespace harness
