#include "serve/snippet.hpp"

#include "common/text.hpp"
#include "tasks/target.hpp"

namespace serve {
namespace {

std::string last_component(const std::string& name) {
  auto dot = name.rfind('.');
  return dot == std::string::npos ? name : name.substr(dot + 1);
}

bool header_line(std::string_view line) {
  std::string_view t = common::trim(line);
  if (t.empty() || t.starts_with("--")) return true;
  if (t.starts_with("import ")) return true;
  if (t.starts_with("open ") || t.starts_with("set_option ")) {
    return !(t.ends_with(" in") || t == "in");
  }
  return false;
}

}  // namespace

std::string header_of(const std::string& code) {
  size_t at = 0;
  while (at < code.size()) {
    size_t end = code.find('\n', at);
    size_t next = end == std::string::npos ? code.size() : end + 1;
    if (!header_line(std::string_view(code).substr(at, next - at))) break;
    at = next;
  }
  return code.substr(0, at);
}

SnippetCandidate candidate_for(const std::string& code, const tasks::TaskIndex* tasks) {
  SnippetCandidate out;
  tasks::Candidate& c = out.candidate;
  c.line = 0;
  c.form = tasks::ProofForm::whole_text;
  c.proof = code;
  auto target = tasks::find_target(code, "", tasks::ProofForm::whole_text);
  if (tasks != nullptr && target.error.empty()) {
    auto named = tasks->by_name(last_component(target.name));
    if (named.size() == 1) {
      c.task = named.front()->task;
      c.name = c.task.name;
      out.known_task = true;
      return out;
    }
  }
  c.task = tasks::make_task(target.error.empty() ? last_component(target.name) : "", "",
                            header_of(code), "");
  c.name = c.task.name;
  c.header_source = tasks::TextSource::line;  // the client wrote it: the guard reads it
  return out;
}

}  // namespace serve
