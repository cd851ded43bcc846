#include "harness/merge_command.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <set>

#include "harness/engine.hpp"
#include "harness/exit_codes.hpp"
#include "store/migrations.hpp"
#include "store/store.hpp"

namespace harness {
namespace {

std::string listed(const std::vector<std::string>& items) {
  return fmt::format("{}", fmt::join(items, ", "));
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {}, sb {};
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

// Reads what a file holds without changing it; a file that is no store of this harness's
// schema version is refused, named.
store::StoreFacts inspect_input(const std::string& path) {
  store::StoreFacts facts;
  try {
    facts = store::Store::inspect(path);
  } catch (const store::StoreError& e) {
    throw UsageError(e.what());
  }
  int version = store::latest_schema_version();
  if (facts.schema_version != version) {
    throw UsageError(fmt::format(
        "{}: schema version {}, where this harness's stores are at {}: {}", path,
        facts.schema_version, version,
        facts.schema_version < version
            ? "open it once with this harness to upgrade it (e.g. harness prune --dry-run "
              "--keep-days 0 --db FILE), then merge"
            : "it was written by a newer harness; merge with that one"));
  }
  return facts;
}

// Refuses, before anything is written, runs of different Lean toolchains: the output's own and
// every input's, compared with the first toolchain seen.
void check_toolchains(const MergeSettings& s, const std::vector<store::StoreFacts>& inputs) {
  std::string first, first_file;
  auto take = [&](const std::string& file, const store::StoreFacts& facts) {
    if (facts.toolchains.size() > 1) {
      throw UsageError(fmt::format("{}: its runs are of several Lean toolchains ({}); "
                                   "--allow-different-toolchains merges them anyway",
                                   file, listed(facts.toolchains)));
    }
    if (facts.toolchains.empty()) return;
    if (first.empty()) {
      first = facts.toolchains[0];
      first_file = file;
    } else if (facts.toolchains[0] != first) {
      throw UsageError(fmt::format(
          "{}: its runs are of the Lean toolchain {}, where {}'s are of {}: one store would mix "
          "verdicts of different toolchains (--allow-different-toolchains merges them anyway)",
          file, facts.toolchains[0], first_file, first));
    }
  };
  struct stat info {};
  if (::stat(s.out.c_str(), &info) == 0) {
    store::StoreFacts out;
    try {
      out = store::Store::inspect(s.out);
    } catch (const store::StoreError& e) {
      throw UsageError(e.what());
    }
    take(s.out, out);
  }
  for (size_t i = 0; i < inputs.size(); ++i) take(s.inputs[i], inputs[i]);
}

int merge(const MergeSettings& s) {
  if (s.inputs.empty()) throw UsageError("give the stores to merge");
  if (s.out.empty()) throw UsageError("--out: give the store to merge into");
  std::vector<store::StoreFacts> facts;
  for (const auto& input : s.inputs) {
    if (same_file(input, s.out)) {
      throw UsageError(fmt::format("{}: it is the output (--out {})", input, s.out));
    }
    facts.push_back(inspect_input(input));
  }
  if (!s.allow_different_toolchains) check_toolchains(s, facts);
  store::Store out = store::Store::open(s.out);
  for (const auto& input : s.inputs) {
    store::MergeCounts counts = out.merge_from(input);
    std::vector<std::string> rows;
    for (const auto& [table, n] : counts.added) {
      if (n > 0 && table != "runs") rows.push_back(fmt::format("{} {}", table, n));
    }
    fmt::print("{} → {}: runs {} new, {} brought further; {}{}\n", input, s.out,
               counts.added["runs"], counts.runs_updated,
               rows.empty() ? "no other row new" : "rows " + listed(rows),
               counts.computations_skipped > 0
                   ? fmt::format(" ({} metrics computations over the whole file left out: "
                                 "run harness metrics on {})",
                                 counts.computations_skipped, s.out)
                   : "");
  }
  return kExitOk;
}

}  // namespace

int run_merge(const MergeSettings& settings) {
  return run_command("merge", [&] { return merge(settings); });
}

}  // namespace harness
