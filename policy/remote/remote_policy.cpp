#include "policy/remote/remote_policy.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <map>
#include <mutex>
#include <thread>

#include "metrics/compression.hpp"
#include "policy/remote/extraction.hpp"
#include "policy/remote/openai_wire.hpp"

namespace policy {

using remote::Endpoint;
using remote::HttpOutcome;

struct RemotePolicy::Job {
  std::string prompt;
  remote::SamplingParams params;
};

struct RemotePolicy::JobResult {
  std::vector<remote::Choice> choices;  // params.n of them, each with text or error
};

namespace {

constexpr uint64_t kSeedMask = (uint64_t{1} << 63) - 1;  // servers take a signed 64-bit seed

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// The seed of chunk `chunk` of a request: the request's own seed for the first chunk, a
// derived one for the others (equal seeds would make equal samples).
uint64_t chunk_seed(uint64_t seed, int chunk) {
  if (chunk == 0) return seed & kSeedMask;
  return splitmix64(seed ^ splitmix64(static_cast<uint64_t>(chunk))) & kSeedMask;
}

// A choice of the server as a sample: its text, and the proof extracted from it.
Completion to_completion(remote::Choice& choice, const std::string& prompt,
                         remote::AnswerForm form, const TaskView& task) {
  Completion completion;
  completion.prompt = prompt;
  completion.completion = std::move(choice.text);
  completion.logprob = choice.logprob;
  if (choice.error) {
    completion.error = std::move(choice.error);
  } else {
    remote::Extracted extracted =
        remote::extract_proof(completion.completion, form, task.header, task.statement);
    completion.proof = std::move(extracted.proof);
    completion.whole_file = extracted.whole_file;
    // The model answered, but without a usable proof: a wrong answer, not a failure.
    completion.malformed = extracted.error.has_value();
    completion.error = std::move(extracted.error);
  }
  return completion;
}

void check(bool ok, const std::string& problem) {
  if (!ok) throw PolicyError("openai policy: " + problem);
}

}  // namespace

std::optional<std::string> api_key_from_env(const std::string& variable) {
  const char* value = std::getenv(variable.c_str());
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

namespace remote {

Endpoint endpoint_named(const std::string& name, std::string_view who) {
  if (name == "completions") return Endpoint::completions;
  if (name == "chat") return Endpoint::chat;
  throw PolicyError(std::string(who) + ": unknown endpoint '" + name + "' (completions or chat)");
}

std::string_view endpoint_path(Endpoint endpoint) {
  return endpoint == Endpoint::chat ? "chat/completions" : "completions";
}

RetrySettings retry_settings(const RemoteOptions& options) {
  RetrySettings retry;
  retry.retries = options.retries;
  retry.backoff_ms = options.backoff_ms;
  retry.timeout_ms = options.timeout_ms > 0 ? options.timeout_ms : options.timeout_s * 1000;
  retry.api_key = options.api_key;
  return retry;
}

std::string first_served_model(HttpSession& session, const BaseUrl& base, std::string& error) {
  HttpOutcome models = session.get("models");
  if (models.kind != HttpOutcome::Kind::ok) {
    error = "no model given, and asking the server failed: " + models.message;
    return "";
  }
  std::vector<std::string> ids = parse_model_ids(models.body);
  if (ids.empty()) {
    error = "no model given, and " + base.url("models") + " lists none ($.data[0].id)";
    return "";
  }
  return ids.front();
}

}  // namespace remote

RemotePolicy::RemotePolicy(RemoteOptions options) : m_options(std::move(options)) {
  m_endpoint = remote::endpoint_named(m_options.endpoint, "openai policy");
  check(m_options.concurrency >= 1, "concurrency must be at least 1");
  check(m_options.retries >= 0, "retries must not be negative");
  check(m_options.backoff_ms >= 0, "backoff_ms must not be negative");
  check(m_options.timeout_s > 0 || m_options.timeout_ms > 0, "the timeout must be positive");
  check(m_options.max_tokens >= 1, "max_tokens must be at least 1");
  check(m_options.samples_per_request >= 1, "samples_per_request must be at least 1");
  check(m_options.library_lemmas >= 0, "library_lemmas must not be negative");
  check(m_options.temperature >= 0, "temperature must not be negative");
  check(m_options.top_p > 0 && m_options.top_p <= 1, "top_p must be in (0, 1]");
  m_base = remote::parse_base_url(m_options.base_url);
  m_retry = remote::retry_settings(m_options);
  m_prompt = remote::PromptTemplate::load(m_options.prompt_template, m_endpoint);
  m_tactic = remote::PromptTemplate::load(m_options.tactic_template, m_endpoint);
  m_revise = remote::PromptTemplate::load(m_options.revision_template, m_endpoint);

  if (m_options.model.empty()) {
    remote::HttpSession session(m_base, m_retry);
    std::string error;
    m_options.model = remote::first_served_model(session, m_base, error);
    if (m_options.model.empty()) throw PolicyError("openai policy: " + error);
  }
}

std::string RemotePolicy::endpoint_url() const {
  return m_base.url(remote::endpoint_path(m_endpoint));
}

std::vector<RemotePolicy::JobResult> RemotePolicy::run(const std::vector<Job>& jobs) {
  std::vector<JobResult> results(jobs.size());
  const std::string url = endpoint_url();
  std::atomic<std::size_t> next{0};
  std::atomic<bool> answered{false};  // some request of this call got an HTTP answer
  std::atomic<bool> abandon{false};   // the server looks down: start nothing new
  std::mutex mutex;
  std::optional<std::string> unreachable;  // the first "cannot reach" message

  auto fail = [](JobResult& result, int n, const std::string& message) {
    result.choices.assign(static_cast<std::size_t>(n), remote::Choice{});
    for (remote::Choice& choice : result.choices) choice.error = message;
  };
  auto work = [&] {
    std::optional<remote::HttpSession> session;
    for (std::size_t i = next++; i < jobs.size(); i = next++) {
      const Job& job = jobs[i];
      JobResult& result = results[i];
      try {
        if (abandon.load()) {
          std::lock_guard lock(mutex);
          fail(result, job.params.n, "not sent: " + unreachable.value_or("server down"));
          continue;
        }
        if (!session) session.emplace(m_base, m_retry);
        HttpOutcome outcome = session->post(endpoint_path(m_endpoint),
                                            remote::request_body(m_endpoint, job.prompt, job.params),
                                            &abandon);
        if (outcome.answered) answered = true;
        if (outcome.kind == HttpOutcome::Kind::ok) {
          result.choices = remote::parse_choices(outcome.body, m_endpoint, job.params.n, url);
          continue;
        }
        if (outcome.kind == HttpOutcome::Kind::unreachable) {
          std::lock_guard lock(mutex);
          if (!unreachable) unreachable = outcome.message;
          if (!answered.load()) abandon = true;
        }
        fail(result, job.params.n, outcome.message);
      } catch (const std::exception& error) {
        fail(result, job.params.n, url + ": " + error.what());
      }
    }
  };

  std::size_t workers = std::min<std::size_t>(static_cast<std::size_t>(m_options.concurrency),
                                              jobs.size());
  std::vector<std::thread> threads;
  threads.reserve(workers);
  try {
    for (std::size_t w = 0; w < workers; ++w) threads.emplace_back(work);
  } catch (...) {
    abandon = true;
    for (std::thread& thread : threads) thread.join();
    throw;
  }
  for (std::thread& thread : threads) thread.join();

  if (!answered.load() && unreachable) throw PolicyError(*unreachable);
  return results;
}

std::vector<std::vector<Completion>> RemotePolicy::generate(
    const std::vector<GenerationRequest>& requests) {
  std::vector<Job> jobs;
  std::vector<std::string> prompts;
  prompts.reserve(requests.size());
  const int chunk = m_options.samples_per_request;
  for (const GenerationRequest& request : requests) {
    remote::TemplateValues values{request.task.header, request.task.statement,
                                  request.task.name, "", "", ""};
    values.library = library_text(&request.task);
    prompts.push_back(m_prompt.render(values));
    bool continuation =
        m_endpoint == Endpoint::completions && remote::prompt_opens_code_block(prompts.back());
    for (int first = 0, c = 0; first < request.samples; first += chunk, ++c) {
      Job job;
      job.prompt = prompts.back();
      job.params.model = m_options.model;
      job.params.n = std::min(chunk, request.samples - first);
      job.params.temperature = m_options.temperature;
      job.params.top_p = m_options.top_p;
      job.params.max_tokens = m_options.max_tokens;
      job.params.seed = chunk_seed(request.seed, c);
      job.params.logprobs = m_options.logprobs;
      if (continuation) job.params.stop = {"```"};
      jobs.push_back(std::move(job));
    }
  }

  std::vector<JobResult> results = run(jobs);

  std::vector<std::vector<Completion>> out(requests.size());
  std::size_t job = 0;
  for (std::size_t r = 0; r < requests.size(); ++r) {
    const TaskView& task = requests[r].task;
    remote::AnswerForm form =
        m_endpoint == Endpoint::completions && remote::prompt_opens_code_block(prompts[r])
            ? remote::AnswerForm::continuation
            : remote::AnswerForm::answer;
    for (int first = 0; first < requests[r].samples; first += chunk, ++job) {
      for (remote::Choice& choice : results[job].choices) {
        out[r].push_back(to_completion(choice, prompts[r], form, task));
      }
    }
  }
  return out;
}

std::vector<Completion> RemotePolicy::revise(const std::vector<RevisionRequest>& requests) {
  std::vector<Job> jobs;
  std::vector<std::string> prompts;
  for (const RevisionRequest& request : requests) {
    const TaskView& task = request.task;
    remote::TemplateValues values{task.header, task.statement, task.name, "", "", ""};
    values.library = library_text(&task);
    std::string header = task.header;
    if (!header.empty() && header.back() != '\n') header += '\n';
    values.attempt = request.previous.whole_file
                         ? request.previous.proof
                         : header + task.statement + request.previous.proof;
    while (!values.attempt.empty() && values.attempt.back() == '\n') values.attempt.pop_back();
    int64_t statement_lines = std::count(task.statement.begin(), task.statement.end(), '\n');
    values.errors = remote::render_feedback(request.feedback, statement_lines);
    prompts.push_back(m_revise.render(values));
    Job job;
    job.prompt = prompts.back();
    job.params.model = m_options.model;
    job.params.n = 1;
    job.params.temperature = m_options.temperature;
    job.params.top_p = m_options.top_p;
    job.params.max_tokens = m_options.max_tokens;
    job.params.seed = request.seed & kSeedMask;
    job.params.logprobs = m_options.logprobs;
    if (m_endpoint == Endpoint::completions && remote::prompt_opens_code_block(prompts.back())) {
      job.params.stop = {"```"};
    }
    jobs.push_back(std::move(job));
  }
  std::vector<JobResult> results = run(jobs);
  std::vector<Completion> out;
  for (std::size_t r = 0; r < requests.size(); ++r) {
    remote::AnswerForm form =
        m_endpoint == Endpoint::completions && remote::prompt_opens_code_block(prompts[r])
            ? remote::AnswerForm::continuation
            : remote::AnswerForm::answer;
    if (results[r].choices.empty()) {
      Completion missing;
      missing.prompt = prompts[r];
      missing.error = "the server answered no choice";
      out.push_back(std::move(missing));
      continue;
    }
    out.push_back(to_completion(results[r].choices.front(), prompts[r], form, requests[r].task));
  }
  return out;
}

std::vector<TacticChoice> RemotePolicy::propose(const StepState& state, int k, uint64_t seed) {
  if (k <= 0 || state.goals.empty()) return {};
  remote::TemplateValues values;
  if (state.task != nullptr) {
    values.header = state.task->header;
    values.statement = state.task->statement;
    values.name = state.task->name;
  }
  values.goal = state.goals.front();
  values.library = library_text(state.task);
  const std::string prompt = m_tactic.render(values);

  const int samples = 2 * k;
  const int chunk = m_options.samples_per_request;
  std::vector<Job> jobs;
  for (int first = 0, c = 0; first < samples; first += chunk, ++c) {
    Job job;
    job.prompt = prompt;
    job.params.model = m_options.model;
    job.params.n = std::min(chunk, samples - first);
    job.params.temperature = m_options.temperature;
    job.params.top_p = m_options.top_p;
    job.params.seed = chunk_seed(seed, c);
    job.params.logprobs = m_options.logprobs;
    if (m_endpoint == Endpoint::completions) {
      job.params.max_tokens = std::min(m_options.max_tokens, 256);  // one line
      job.params.stop = {"\n"};
    } else {
      job.params.max_tokens = m_options.max_tokens;  // a chat model may reason first
    }
    jobs.push_back(std::move(job));
  }
  std::vector<JobResult> results = run(jobs);

  struct Tally {
    int count = 0;
    std::size_t first_seen = 0;
    std::optional<double> logprob;  // best token log-probability sum of its samples
  };
  std::map<std::string, Tally> tallies;
  int total = 0;
  std::size_t seen = 0;
  for (const JobResult& result : results) {
    for (const remote::Choice& choice : result.choices) {
      ++seen;
      if (choice.error) continue;
      std::optional<std::string> tactic = remote::extract_tactic(choice.text);
      if (!tactic) continue;
      ++total;
      auto [it, inserted] = tallies.try_emplace(*tactic);
      if (inserted) it->second.first_seen = seen;
      ++it->second.count;
      if (choice.logprob && (!it->second.logprob || *choice.logprob > *it->second.logprob)) {
        it->second.logprob = choice.logprob;
      }
    }
  }

  struct Ranked {
    std::string tactic;
    Tally tally;
  };
  std::vector<Ranked> ranked;
  for (auto& [tactic, tally] : tallies) ranked.push_back({tactic, tally});
  std::sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) {
    if (a.tally.count != b.tally.count) return a.tally.count > b.tally.count;
    double la = a.tally.logprob.value_or(-INFINITY);
    double lb = b.tally.logprob.value_or(-INFINITY);
    if (la != lb) return la > lb;
    return a.tally.first_seen < b.tally.first_seen;
  });
  std::vector<TacticChoice> out;
  for (const Ranked& entry : ranked) {
    if (static_cast<int>(out.size()) == k) break;
    double logprob = entry.tally.logprob.value_or(
        std::log(static_cast<double>(entry.tally.count) / static_cast<double>(total)));
    out.push_back({entry.tactic, logprob});
  }
  return out;
}

namespace {
constexpr int kLibraryLevel = 19;  // zstd level of the shared-information ranking
}

void RemotePolicy::set_library(std::vector<LibraryLemma> lemmas) {
  std::vector<int64_t> sizes;
  sizes.reserve(lemmas.size());
  for (const LibraryLemma& lemma : lemmas) sizes.push_back(metrics::compressed_size(lemma.statement, kLibraryLevel));
  std::lock_guard<std::mutex> lock(m_library_mutex);
  m_library = std::move(lemmas);
  m_library_sizes = std::move(sizes);
  m_library_cache.clear();
}

std::vector<std::string> RemotePolicy::library_for(const TaskView& task) const {
  // I(s; l) = C(s) + C(l) - C(s l): what the lemma's statement and the task's share.
  const int64_t cs = metrics::compressed_size(task.statement, kLibraryLevel);
  std::vector<std::pair<int64_t, std::size_t>> ranked;  // (-I, index): stable for ties
  for (std::size_t i = 0; i < m_library.size(); ++i) {
    const auto& derived = m_library[i].derived_from;
    if (std::find(derived.begin(), derived.end(), task.task_id) != derived.end()) continue;
    const int64_t joint = metrics::compressed_size(task.statement + "\n" + m_library[i].statement, kLibraryLevel);
    ranked.emplace_back(-(cs + m_library_sizes[i] - joint), i);
  }
  std::sort(ranked.begin(), ranked.end());
  std::vector<std::string> out;
  for (std::size_t r = 0; r < ranked.size() && r < static_cast<std::size_t>(m_options.library_lemmas); ++r) {
    out.push_back(m_library[ranked[r].second].statement);
  }
  return out;
}

std::string RemotePolicy::library_text(const TaskView* task) const {
  if (m_library.empty() || m_options.library_lemmas == 0) return {};
  TaskView none;
  const TaskView& t = task != nullptr ? *task : none;
  const std::string key = t.task_id + '\n' + t.statement;
  {
    std::lock_guard<std::mutex> lock(m_library_mutex);
    auto it = m_library_cache.find(key);
    if (it != m_library_cache.end()) return it->second;
  }
  std::string text = remote::render_library(library_for(t));
  std::lock_guard<std::mutex> lock(m_library_mutex);
  return m_library_cache.emplace(key, std::move(text)).first->second;
}

}  // namespace policy
