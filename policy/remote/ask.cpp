#include "policy/remote/ask.hpp"

#include "policy/remote/extraction.hpp"
#include "policy/remote/openai_wire.hpp"
#include "policy/remote/transport.hpp"

namespace policy::remote {

AskResult ask_once(const RemoteOptions& options, const std::string& prompt, uint64_t seed) {
  const Endpoint endpoint = endpoint_named(options.endpoint, "openai");
  if (options.timeout_s <= 0 && options.timeout_ms <= 0) throw PolicyError("openai: the timeout must be positive");
  BaseUrl base = parse_base_url(options.base_url);

  AskResult out;
  const std::string_view path = endpoint_path(endpoint);
  out.url = base.url(path);
  out.model = options.model;
  HttpSession session(base, retry_settings(options));
  if (out.model.empty()) {
    out.model = first_served_model(session, base, out.error);
    if (out.model.empty()) return out;
  }

  const bool continuation = endpoint == Endpoint::completions && prompt_opens_code_block(prompt);
  SamplingParams params;
  params.model = out.model;
  params.n = 1;
  params.temperature = options.temperature;
  params.top_p = options.top_p;
  params.max_tokens = options.max_tokens;
  params.seed = seed & ((uint64_t{1} << 63) - 1);
  params.logprobs = false;
  if (continuation) params.stop = {"```"};
  HttpOutcome answer = session.post(path, request_body(endpoint, prompt, params));
  if (answer.kind != HttpOutcome::Kind::ok) {
    out.error = answer.message;
    return out;
  }
  std::vector<Choice> choices = parse_choices(answer.body, endpoint, 1, out.url);
  if (choices.empty() || choices.front().error) {
    out.error = choices.empty() ? out.url + ": no choice in the answer" : *choices.front().error;
    return out;
  }
  std::string text = std::move(choices.front().text);
  if (continuation) {
    auto fence = text.find("```");
    if (fence != std::string::npos) text.resize(fence);
    while (!text.empty() && text.back() == '\n') text.pop_back();
    text = "```lean4\n" + text + "\n```\n";
  }
  out.text = std::move(text);
  return out;
}

}  // namespace policy::remote
