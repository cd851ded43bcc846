#pragma once
// Helpers for pool tests: a pool of the project's REPL double (tests/fake-repl), steered by
// command-line options and by `--! directive` comments in the proof text. The pool tests are
// built twice: without warm spares, and with POOL_SPARES defined (that many spares), so that
// every pool test also holds when replacements come from the spares.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "lean-bridge/worker_pool.hpp"
#include "tests/support/temp_dir.hpp"

namespace pool_test {

inline lean_bridge::PoolOptions fake_pool(int workers, std::vector<std::string> options = {}) {
  lean_bridge::PoolOptions p;
  p.workers = workers;
  p.worker.process.argv = {FAKE_REPL_PATH};
  for (auto& o : options) p.worker.process.argv.push_back(o);
  p.worker.proof_timeout = std::chrono::milliseconds(5000);
  p.worker.header_timeout = std::chrono::milliseconds(10000);
#ifdef POOL_SPARES
  p.spares.count = POOL_SPARES;
#endif
  return p;
}

// Processes the workers used: started by themselves or taken warm from the spares.
inline int processes_used(const lean_bridge::PoolStats& s) { return s.starts + s.spares_taken; }

inline lean_bridge::CheckRequest proof(uint64_t id, std::string name, std::string extra = "",
                                       std::string imports = "import Init",
                                       std::string rest = "") {
  lean_bridge::CheckRequest r;
  r.id = id;
  r.imports = std::move(imports);
  r.header_rest = std::move(rest);
  r.body = "theorem " + name + " : True := by\n  trivial\n" + extra;
  r.target = std::move(name);
  return r;
}

// Submits everything, closes, and returns the results indexed by request id.
inline std::vector<lean_bridge::CheckResult> check_all(lean_bridge::WorkerPool& pool,
                                                       std::vector<lean_bridge::CheckRequest> rs) {
  size_t n = rs.size();
  for (auto& r : rs) pool.submit(std::move(r));
  pool.close();
  std::vector<lean_bridge::CheckResult> out(n);
  while (auto r = pool.next_result()) {
    UNSCOPED_INFO("request " << r->id << ": " << lean_bridge::to_string(r->verdict) << ": " << r->reason);
    out.at(r->id) = std::move(*r);
  }
  return out;
}

inline std::vector<std::string> read_lines(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

inline size_t count_containing(const std::vector<std::string>& lines, const std::string& what) {
  size_t n = 0;
  for (const auto& l : lines) n += l.find(what) != std::string::npos;
  return n;
}

using test_support::TempDir;

}  // namespace pool_test
