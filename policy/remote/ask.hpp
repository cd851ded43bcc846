#pragma once
// One prompt, one answer: what `harness library grow --propose` asks a model for helper lemmas
// (README.md, "Helper lemmas"). The remote policy's client (transport.hpp, openai_wire.hpp) with
// RemoteOptions: endpoint, model (asked of GET <base>/models when empty), key, timeout, retries.
#include <cstdint>
#include <optional>
#include <string>

#include "policy/remote/remote_policy.hpp"

namespace policy::remote {

struct AskResult {
  // The model's answer. On the completions endpoint with a prompt that leaves a code block
  // open, the answer is that block's code (sent with stop "```", cut at a fence if the server
  // ignored it), given back closed: "```lean4\nCODE\n```\n".
  std::optional<std::string> text;
  // Without text: what went wrong, naming the URL ("POST http://h/v1/chat/completions: HTTP
  // 500 (3 attempts): ...", "... no answer within 2 s (1 attempts)", "...: $.choices is
  // missing", "no model given, and asking the server failed: ...").
  std::string error;
  std::string url;    // where the prompt was posted
  std::string model;  // the model asked
};

// n = 1, the options' temperature, top_p and max_tokens, the given seed, no log-probabilities.
// Throws PolicyError for options that cannot work (an unknown endpoint, a malformed URL, a
// timeout that is not positive); every failure of the server or its answer is `error`.
AskResult ask_once(const RemoteOptions& options, const std::string& prompt, uint64_t seed = 0);

}  // namespace policy::remote
