#pragma once
// The remote policy: a client of any OpenAI-compatible server (vLLM, SGLang, llama.cpp's
// server, TGI). Whole proofs come from <base>/completions or <base>/chat/completions, step-mode
// tactics from the same endpoint with the tactic template. See README.md for the URLs, the
// templates, the extraction rules and the failure behaviour.
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/policy.hpp"
#include "policy/remote/prompt_template.hpp"
#include "policy/remote/transport.hpp"

namespace policy {

// `harness search` binds its remote-policy options to these fields: their initializers are
// those options' defaults too.
struct RemoteOptions {
  // http(s)://HOST:PORT[/PATH]; "/v1" when no path is given; trailing slashes are ignored.
  std::string base_url;  // e.g. http://127.0.0.1:8000/v1
  // The served model; empty = the first id of GET <base>/models (asked once, at construction).
  std::string model;
  std::string endpoint = "completions";  // or "chat"
  // A built-in template name ("deepseek") or the path of a template file (README.md).
  std::string prompt_template = "deepseek";
  double temperature = 1.0;
  double top_p = 0.95;
  int max_tokens = 2048;
  int concurrency = 8;  // HTTP requests in flight at once, per generate()/propose() call
  int retries = 3;      // further attempts on connection errors, timeouts, 408, 429 and 5xx
  int backoff_ms = 500;  // wait before retry k: backoff_ms * 2^(k-1)
  int timeout_s = 300;   // for one attempt: connect, send, and wait for the answer
  std::optional<std::string> api_key;  // "Authorization: Bearer KEY" when set
  std::string tactic_template = "tactic";  // step mode: built-in name or file
  // Revisions (`search --revisions`): built-in name ("revise") or file (README.md).
  std::string revision_template = "revise";
  // Beyond the basics:
  int timeout_ms = 0;        // when > 0, replaces timeout_s (sub-second timeouts)
  int samples_per_request = 16;  // n of one HTTP request; larger requests are split
  bool logprobs = true;      // ask for token log-probabilities (Completion::logprob)
  // The library (set_library): at most this many lemmas in a prompt's {library} (>= 0).
  int library_lemmas = 8;
};

namespace remote {

// How RemoteOptions reach the server, as the policy and ask_once (ask.hpp) both read them.
// The endpoint named "completions" or "chat"; else PolicyError("WHO: unknown endpoint ...").
Endpoint endpoint_named(const std::string& name, std::string_view who);
// Where prompts are posted, below the base URL: "completions" or "chat/completions".
std::string_view endpoint_path(Endpoint endpoint);
// Retries, backoff, the timeout of one attempt (timeout_ms when set, else timeout_s) and key.
RetrySettings retry_settings(const RemoteOptions& options);
// The first model id of GET <base>/models; empty, with `error` saying why ("no model given,
// and asking the server failed: ..." or "no model given, and URL lists none ..."), when none.
std::string first_served_model(HttpSession& session, const BaseUrl& base, std::string& error);

}  // namespace remote

// The value of an environment variable holding an API key; nullopt when unset or empty.
std::optional<std::string> api_key_from_env(const std::string& variable = "OPENAI_API_KEY");

class RemotePolicy : public Policy {
 public:
  // Checks the options, loads both templates and, with no model given, asks the server for
  // it. Throws PolicyError on a bad option, template or URL, or an unreachable server when the
  // model must be asked for.
  explicit RemotePolicy(RemoteOptions options);

  std::string kind() const override { return "openai"; }
  std::string version() const override { return "openai:" + m_options.model; }
  Capabilities capabilities() const override { return {.whole = true, .step = true, .learns = false, .fits = false, .revises = true, .uses_library = true}; }

  // Throws PolicyError("cannot reach URL: ...") when no HTTP request of the call got any
  // answer because none could connect; every other failure is a per-sample `error`. An answer
  // with no usable proof (no Lean code block...) is an `error` with `malformed` set.
  std::vector<std::vector<Completion>> generate(
      const std::vector<GenerationRequest>& requests) override;

  // One sample of the revision template per request ({attempt}: the previous attempt as Lean
  // code, {errors}: render_feedback), with the request's seed; extraction and failures as in
  // generate().
  std::vector<Completion> revise(const std::vector<RevisionRequest>& requests) override;

  // 2k samples of the tactic template for the first goal (stop at a newline on the
  // completions endpoint), deduplicated, most frequent first; logprob = log(count / samples)
  // unless the server returned token log-probabilities. Same PolicyError as generate().
  std::vector<TacticChoice> propose(const StepState& state, int k, uint64_t seed) override;

  // The lemmas a prompt offers (README.md, "Library"): the top library_lemmas lemmas by shared
  // information with the task's statement, I(s; l) = C(s) + C(l) - C(s l) with zstd level 19
  // (metrics::compressed_size), highest first (ties: library order), none derived from the task.
  void set_library(std::vector<LibraryLemma> lemmas) override;
  // Their statements for one task, as {library} lists them.
  std::vector<std::string> library_for(const TaskView& task) const;

  const RemoteOptions& options() const { return m_options; }
  // The URL whole proofs and tactics are requested from.
  std::string endpoint_url() const;

 private:
  struct Job;
  struct JobResult;
  std::vector<JobResult> run(const std::vector<Job>& jobs);

  RemoteOptions m_options;
  remote::Endpoint m_endpoint;
  remote::BaseUrl m_base;
  remote::RetrySettings m_retry;
  remote::PromptTemplate m_prompt;
  remote::PromptTemplate m_tactic;
  remote::PromptTemplate m_revise;
  std::vector<LibraryLemma> m_library;
  std::vector<int64_t> m_library_sizes;  // C(statement) of each lemma
  // {library} per (task id, statement), computed once: generate()/propose() run concurrently.
  mutable std::mutex m_library_mutex;
  mutable std::map<std::string, std::string> m_library_cache;
  std::string library_text(const TaskView* task) const;
};

}  // namespace policy
