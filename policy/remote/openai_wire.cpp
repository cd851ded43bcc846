#include "policy/remote/openai_wire.hpp"

#include <nlohmann/json.hpp>

namespace policy::remote {
namespace {

using nlohmann::json;

// "a number", "an object", ... for messages.
std::string kind_of(const json& value) {
  std::string name = value.type_name();
  bool vowel = !name.empty() && std::string_view("aeiou").find(name[0]) != std::string_view::npos;
  return (vowel ? "an " : "a ") + name;
}

std::string excerpt(std::string_view text, std::size_t limit = 120) {
  std::string out;
  for (char c : text.substr(0, limit)) {
    if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
    } else {
      out += c;
    }
  }
  if (text.size() > limit) out += "...";
  return out;
}

std::optional<double> sum_logprobs(const json& choice, Endpoint endpoint) {
  auto logprobs = choice.find("logprobs");
  if (logprobs == choice.end() || !logprobs->is_object()) return std::nullopt;
  double sum = 0;
  bool any = false;
  if (endpoint == Endpoint::completions) {
    auto tokens = logprobs->find("token_logprobs");
    if (tokens == logprobs->end() || !tokens->is_array()) return std::nullopt;
    for (const json& value : *tokens) {
      if (value.is_null()) continue;  // an echoed first token has none
      if (!value.is_number()) return std::nullopt;
      sum += value.get<double>();
      any = true;
    }
  } else {
    auto content = logprobs->find("content");
    if (content == logprobs->end() || !content->is_array()) return std::nullopt;
    for (const json& token : *content) {
      if (!token.is_object()) return std::nullopt;
      auto value = token.find("logprob");
      if (value == token.end() || !value->is_number()) return std::nullopt;
      sum += value->get<double>();
      any = true;
    }
  }
  if (!any) return std::nullopt;
  return sum;
}

// The text of one choice, or the problem with it.
Choice read_choice(const json& choice, const std::string& path, Endpoint endpoint) {
  Choice out;
  if (!choice.is_object()) {
    out.error = path + " is " + kind_of(choice) + ", expected an object";
    return out;
  }
  const json* text = nullptr;
  std::string text_path;
  if (endpoint == Endpoint::completions) {
    text_path = path + ".text";
    auto it = choice.find("text");
    if (it == choice.end()) {
      out.error = text_path + " is missing";
      return out;
    }
    text = &*it;
  } else {
    auto message = choice.find("message");
    if (message == choice.end()) {
      out.error = path + ".message is missing";
      return out;
    }
    if (!message->is_object()) {
      out.error = path + ".message is " + kind_of(*message) + ", expected an object";
      return out;
    }
    text_path = path + ".message.content";
    auto it = message->find("content");
    if (it == message->end()) {
      out.error = text_path + " is missing";
      return out;
    }
    text = &*it;
  }
  if (!text->is_string()) {
    out.error = text_path + " is " + kind_of(*text) + ", expected a string";
    return out;
  }
  out.text = text->get<std::string>();
  out.logprob = sum_logprobs(choice, endpoint);
  return out;
}

}  // namespace

std::string request_body(Endpoint endpoint, const std::string& prompt,
                         const SamplingParams& params) {
  json body = json::object();
  body["model"] = params.model;
  if (endpoint == Endpoint::completions) {
    body["prompt"] = prompt;
  } else {
    body["messages"] = json::array({json{{"role", "user"}, {"content", prompt}}});
  }
  body["n"] = params.n;
  body["temperature"] = params.temperature;
  body["top_p"] = params.top_p;
  body["max_tokens"] = params.max_tokens;
  body["seed"] = params.seed;
  if (!params.stop.empty()) body["stop"] = params.stop;
  if (params.logprobs) {
    if (endpoint == Endpoint::completions) {
      body["logprobs"] = 1;
    } else {
      body["logprobs"] = true;
    }
  }
  // Invalid UTF-8 in a task's text is replaced rather than refused.
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::vector<Choice> parse_choices(std::string_view body, Endpoint endpoint, int n,
                                  const std::string& url) {
  std::vector<Choice> out(static_cast<std::size_t>(std::max(n, 0)));
  auto fail_all = [&](const std::string& problem) {
    for (Choice& choice : out) choice.error = url + ": " + problem;
    return out;
  };
  json answer = json::parse(body, nullptr, false);
  if (answer.is_discarded()) {
    return fail_all("answer is not JSON (" +
                    (body.empty() ? std::string("empty body") : "'" + excerpt(body) + "'") + ")");
  }
  if (!answer.is_object()) return fail_all("$ is " + kind_of(answer) + ", expected an object");
  auto choices = answer.find("choices");
  if (choices == answer.end()) {
    auto error = answer.find("error");
    if (error != answer.end()) {
      return fail_all("$.choices is missing; the answer holds an error: " + excerpt(error->dump()));
    }
    return fail_all("$.choices is missing");
  }
  if (!choices->is_array()) {
    return fail_all("$.choices is " + kind_of(*choices) + ", expected an array");
  }
  // Placement by index when every choice has a distinct index in [0, n).
  std::vector<int> slot(choices->size(), -1);
  bool by_index = true;
  std::vector<bool> taken(out.size(), false);
  for (std::size_t i = 0; i < choices->size() && by_index; ++i) {
    const json& choice = (*choices)[i];
    auto index = choice.is_object() ? choice.find("index") : choice.end();
    if (!choice.is_object() || index == choice.end() || !index->is_number_integer()) {
      by_index = false;
      break;
    }
    long long value = index->get<long long>();
    if (value < 0 || value >= n || taken[static_cast<std::size_t>(value)]) {
      by_index = false;
      break;
    }
    taken[static_cast<std::size_t>(value)] = true;
    slot[i] = static_cast<int>(value);
  }
  if (!by_index) {
    for (std::size_t i = 0; i < slot.size(); ++i) {
      slot[i] = i < out.size() ? static_cast<int>(i) : -1;
    }
  }
  std::vector<bool> filled(out.size(), false);
  for (std::size_t i = 0; i < choices->size(); ++i) {
    if (slot[i] < 0) continue;  // more choices than asked: the extra ones are ignored
    Choice choice = read_choice((*choices)[i], "$.choices[" + std::to_string(i) + "]", endpoint);
    if (choice.error) choice.error = url + ": " + *choice.error;
    out[static_cast<std::size_t>(slot[i])] = std::move(choice);
    filled[static_cast<std::size_t>(slot[i])] = true;
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (!filled[i]) {
      out[i].error = url + ": $.choices has " + std::to_string(choices->size()) + " entries, " +
                     std::to_string(n) + " asked";
    }
  }
  return out;
}

std::vector<std::string> parse_model_ids(std::string_view body) {
  std::vector<std::string> ids;
  json answer = json::parse(body, nullptr, false);
  if (!answer.is_object()) return ids;
  auto data = answer.find("data");
  if (data == answer.end() || !data->is_array()) return ids;
  for (const json& model : *data) {
    if (!model.is_object()) continue;
    auto id = model.find("id");
    if (id != model.end() && id->is_string()) ids.push_back(id->get<std::string>());
  }
  return ids;
}

}  // namespace policy::remote
