#include "policy/make_policy.hpp"

#include "policy/builtin/builtin_policy.hpp"
#include "policy/remote/remote_policy.hpp"
#include "policy/replay/replay_policy.hpp"

namespace policy {
namespace {

std::string after_colon(const std::string& spec) {
  auto colon = spec.find(':');
  return colon == std::string::npos ? std::string() : spec.substr(colon + 1);
}

}  // namespace

std::unique_ptr<Policy> make_policy(const PolicyConfig& config) {
  const std::string& spec = config.spec;
  std::string kind = spec.substr(0, spec.find(':'));
  std::string arg = after_colon(spec);
  if (kind == "builtin") {
    BuiltinOptions o;
    if (!arg.empty()) {
      if (arg != "loglinear" && arg != "mlp") {
        throw PolicyError("--policy " + spec + ": expected builtin, builtin:loglinear or builtin:mlp");
      }
      o.model = arg;
    }
    o.vocabulary = config.vocabulary;
    if (config.learning_rate) o.learning_rate = *config.learning_rate;
    o.temperature = config.temperature;
    return std::make_unique<BuiltinPolicy>(o);
  }
  if (kind == "openai") {
    if (arg.empty()) throw PolicyError("--policy openai:URL needs the server's URL");
    RemoteOptions o = config.remote;
    o.base_url = arg;
    o.temperature = config.temperature;
    return std::make_unique<RemotePolicy>(o);
  }
  if (kind == "replay") {
    if (arg.empty()) throw PolicyError("--policy replay:FILE needs the file");
    ReplayOptions o;
    o.default_header = config.default_header;
    return std::make_unique<ReplayPolicy>(arg, o);
  }
  throw PolicyError("--policy " + spec + ": expected builtin[:mlp], openai:URL or replay:FILE");
}

std::vector<std::string> policy_warnings(const Policy& policy) {
  if (const auto* replay = dynamic_cast<const ReplayPolicy*>(&policy)) return replay->problems();
  return {};
}

}  // namespace policy
