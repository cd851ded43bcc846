#pragma once
// Runs named on the command line: `--run` (report, traces) and `--resume RUN|latest` (score,
// check, search: which run goes on, and whether it may).
#include <string>

#include "store/store.hpp"

namespace harness {

// A run named on the command line (`--run`): its uuid, its id in the store, or "latest" (the run
// begun last). Throws UsageError naming `option` and the store when there is none.
store::RunRow named_run(const store::Store& db, const std::string& name,
                        const std::string& option = "--run");

// The run `which` names in `db` (a uuid, or "latest": the most recent run of `kind` that did not
// complete), for `--resume` of a `kind` run (score, check, search). Throws UsageError when there
// is no such run, when it is a run of another kind, or when its process is still running here
// (two processes would write one run). A completed run named by its uuid is returned too: the
// caller says what resuming it means. `db_path` names the store in messages.
store::RunRow find_resumable_run(const store::Store& db, const std::string& which,
                                                const std::string& kind,
                                                const std::string& db_path);

}  // namespace harness
