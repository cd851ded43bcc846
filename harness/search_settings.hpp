#pragma once
// The settings of `harness search`, with their defaults. Names, help and checks are the
// settings tables' (settings_tables.cpp: search_group, remote_policy_group), from which the
// command line and the README's tables are made. The Lean side is EngineSettings.
#include <cstdint>
#include <optional>
#include <string>

#include "harness/engine.hpp"
#include "harness/library_grow.hpp"
#include "policy/remote/remote_policy.hpp"

namespace harness {

struct SearchSettings : EngineSettings {
  std::string tasks;                      // task JSONL (name, split, header, formal_statement)
  std::optional<std::string> header;      // header for task lines that have none
  std::string policy = "builtin";         // builtin[:mlp] | openai:URL | replay:FILE
  int samples = 8;                        // K: samples (whole) or searches (step) per task
  std::string mode = "whole";             // whole | step
  int epochs = 0;                         // training epochs before the final evaluation
  std::string out;                        // rollouts JSONL ("" → none)
  uint64_t seed = 1;                      // every random draw of the run derives from it
  std::string curriculum = "adaptive";    // adaptive | uniform
  std::string train_split = "train";      // tasks of this split are trained on ("" → all)
  bool evaluate = true;                   // the final evaluation over every task
  std::string shaping = "none";           // reward shaping: none | length | novelty
  int revisions = 0;                      // R: rounds of revision a failed sample gets (whole)
  // Step mode (best-first search over proof states).
  int expansions = 32;                    // nodes expanded per search
  int width = 4;                          // tactics proposed per expansion
  double search_seconds = 60;             // wall-clock budget per search
  double tactic_timeout_s = 10;           // per tactic
  // Policies.
  double temperature = 1.0;               // built-in and remote
  // The remote policy's options land here as they are (the rows of remote_policy_group bind
  // to its fields, whose initializers are the defaults); the URL comes from --policy, the
  // temperature, the API key and the timeout from the fields below (search_command.cpp).
  policy::RemoteOptions remote;
  std::string api_key_env = "OPENAI_API_KEY";
  double request_timeout_s = policy::RemoteOptions{}.timeout_s;  // per HTTP request
  std::string vocabulary = "core";        // built-in policy: core | mathlib | FILE
  std::optional<double> learning_rate;    // built-in policy; default: the policy's own
  std::optional<std::string> init_from;   // traces JSONL the policy is fitted on before epoch 1
  // The lemma library (docs/library.md).
  std::optional<std::string> library;     // STORE|FILE to start from; none: the empty library
  std::string library_version = "latest"; // with a store: which version
  bool grow_library = false;              // grow it between training epochs
  GrowSettings grow;                      // how it grows
  ProposeSettings propose;                // --grow-library --propose: a remote model's lemmas
  // Run lifecycle.
  std::optional<std::string> resume;      // run uuid or "latest": continue a killed run
  std::optional<std::string> shard;       // "I/N": this run's part of the tasks (shard.hpp)
};

int run_search(const SearchSettings& settings);

}  // namespace harness
