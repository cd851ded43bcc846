#pragma once
// Builds the policy a `--policy` specification names:
//   builtin            the built-in learned policy (log-linear), builtin:mlp its MLP variant
//   openai:URL         a remote OpenAI-compatible server (URL: http://host:port/v1)
//   replay:FILE        proofs read from a JSONL dataset
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "policy/policy.hpp"
#include "policy/remote/remote_policy.hpp"

namespace policy {

struct PolicyConfig {
  std::string spec = "builtin";
  // Built-in policy.
  std::string vocabulary = "core";  // core | mathlib | FILE
  std::optional<double> learning_rate;
  double temperature = 1.0;  // also the remote sampling temperature
  // Remote policy: its options as they are, but the server's URL (from the spec) and the
  // temperature (above). The API key is the caller's to read (api_key_from_env()).
  RemoteOptions remote;
  // Replay policy: the header given to dataset lines that have none.
  std::optional<std::string> default_header;
};

// Throws PolicyError for an unknown kind, a missing file or model, or bad options.
std::unique_ptr<Policy> make_policy(const PolicyConfig& config);
// Problems met while building it that did not stop it (e.g. bad lines of a replay file).
std::vector<std::string> policy_warnings(const Policy& policy);

}  // namespace policy
