#pragma once
// The settings of `harness serve` (docs/serve.md), with their defaults. Names, help and checks
// are the settings table's (settings_tables.cpp: serve_group).
#include <optional>
#include <string>

#include "harness/engine.hpp"

namespace harness {

struct ServeSettings : EngineSettings {
  std::string host = "127.0.0.1";          // never another interface unless told
  int port = 8000;                         // 0: any free port (printed)
  std::optional<std::string> tasks;        // trusted tasks that code is judged against by name
  int max_batch = 1024;                    // snippets a request may hold (413 beyond)
  int max_body_mb = 64;                    // request body size (413 beyond)
  int max_queued = 8192;                   // snippets waiting or in checking (429 beyond)
  int http_threads = 2;                    // I/O threads
  std::string api_key_env;                 // environment variable holding the bearer key
  int retain_days = 0;                     // serve attempts kept this many days; 0: all
  // A lemma library the snippets may use (docs/library.md, "Use in score").
  std::optional<std::string> library;       // STORE|FILE; none: no library
  std::string library_version = "latest";  // with a store: which version
};

int run_serve(const ServeSettings& settings);

}  // namespace harness
