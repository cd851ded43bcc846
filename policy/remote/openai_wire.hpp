#pragma once
// The OpenAI wire format as the remote policy uses it: request bodies for /completions and
// /chat/completions, and the reading of their answers. Every problem with an answer becomes a
// message naming the URL and the JSON path at fault; nothing here throws on server input.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/remote/prompt_template.hpp"

namespace policy::remote {

struct SamplingParams {
  std::string model;
  int n = 1;
  double temperature = 1.0;
  double top_p = 0.95;
  int max_tokens = 2048;
  std::vector<std::string> stop;  // omitted when empty
  uint64_t seed = 0;              // sent as is (callers keep it below 2^63)
  bool logprobs = true;           // ask for the sampled tokens' log-probabilities
};

// The JSON body: completions {model, prompt, n, temperature, top_p, max_tokens, seed,
// [stop], [logprobs: 1]}; chat {model, messages: [{role: user, content: prompt}], n,
// temperature, top_p, max_tokens, seed, [stop], [logprobs: true]}.
std::string request_body(Endpoint endpoint, const std::string& prompt,
                         const SamplingParams& params);

struct Choice {
  std::string text;
  std::optional<double> logprob;  // sum of the token log-probabilities, when returned
  std::optional<std::string> error;
};

// Exactly `n` choices from an answer body. Choices are placed by their `index` field when
// every choice has a distinct one in [0, n), else in the order given. A problem with the whole
// answer gives every choice the same error; a problem with one choice (wrong type, missing)
// only that one. Errors read "URL: answer is not JSON (...)", "URL: $.choices[2].text is a
// number, expected a string", "URL: $.choices has 2 entries, 4 asked".
std::vector<Choice> parse_choices(std::string_view body, Endpoint endpoint, int n,
                                  const std::string& url);

// The model ids of a GET /models answer ({"data": [{"id": ...}]}); empty when unreadable.
std::vector<std::string> parse_model_ids(std::string_view body);

}  // namespace policy::remote
