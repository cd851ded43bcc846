#include "policy/replay/replay_policy.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <set>
#include <variant>

#include "common/tagged_hash.hpp"
#include "tasks/candidate_reader.hpp"
#include "tasks/input_error.hpp"
#include "tasks/json_line.hpp"

namespace policy {
namespace {

constexpr std::size_t kVersionHexDigits = 12;

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

// The whole file, for its hash.
std::string read_bytes(const std::string& path) {
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) throw PolicyError(fmt::format("replay: cannot open {}: {}", path, std::strerror(errno)));
  std::string bytes;
  char buffer[1 << 16];
  while (std::size_t count = std::fread(buffer, 1, sizeof buffer, file.get())) {
    bytes.append(buffer, count);
  }
  if (std::ferror(file.get())) {
    throw PolicyError(fmt::format("replay: cannot read {}: {}", path, std::strerror(errno)));
  }
  return bytes;
}

// The `task_id` field of a line the candidate reader accepted (so the line is a JSON object):
// nullopt if absent, or the problem with it.
std::variant<std::optional<std::string>, tasks::FieldProblem> explicit_task_id(
    const tasks::RawLine& raw) {
  auto parsed = tasks::JsonLine::parse(raw.bytes);
  if (auto* problem = std::get_if<tasks::FieldProblem>(&parsed)) return std::move(*problem);
  return std::get<tasks::JsonLine>(parsed).string_field("task_id");
}

}  // namespace

ReplayPolicy::ReplayPolicy(const std::string& path, ReplayOptions options) : m_path(path) {
  if (path == "-") {
    throw PolicyError("replay: reads a file, not standard input ('-')");
  }
  m_version = "replay:" + common::sha256_hex(read_bytes(path)).substr(0, kVersionHexDigits);

  // Ids of the tasks each name is used for, to tell an unambiguous name.
  std::unordered_map<std::string, std::set<std::string>> ids_by_name;
  try {
    tasks::ReaderOptions reader_options;
    reader_options.default_header = options.default_header;
    reader_options.max_line_bytes = options.max_line_bytes;
    tasks::CandidateReader reader(path, reader_options);
    // The reader reads `task_id` only against a task index, so a second pass over the same
    // lines, in step with the first, picks it up.
    tasks::LineSource lines(path, options.max_line_bytes);
    std::optional<tasks::RawLine> raw;
    while (auto row = reader.next()) {
      if (auto* invalid = std::get_if<tasks::InvalidLine>(&*row)) {
        m_problems.push_back(invalid->error);
        continue;
      }
      auto& candidate = std::get<tasks::Candidate>(*row);
      while ((!raw || raw->number < candidate.line) && (raw = lines.next())) {
      }
      if (!raw || raw->number != candidate.line) {
        throw PolicyError(fmt::format("replay: {} changed while it was read", path));
      }
      auto id_field = explicit_task_id(*raw);
      if (auto* problem = std::get_if<tasks::FieldProblem>(&id_field)) {
        m_problems.push_back(
            tasks::format_line_error(path, candidate.line, problem->field, problem->problem));
        continue;
      }
      auto& explicit_id = std::get<std::optional<std::string>>(id_field);

      std::optional<std::string> id = explicit_id;
      if (!id && !candidate.task.statement.empty()) id = candidate.task.id;
      std::size_t index = m_entries.size();
      m_entries.push_back(Entry{candidate.line, candidate.name, explicit_id.has_value(),
                                std::move(candidate.proof),
                                candidate.form == tasks::ProofForm::whole_text});
      if (id) m_by_id[*id].push_back(index);
      if (!candidate.name.empty()) {
        if (id) ids_by_name[candidate.name].insert(*id);
        if (!explicit_id) m_by_name[candidate.name].push_back(index);
      }
    }
  } catch (const tasks::InputError& error) {
    throw PolicyError(fmt::format("replay: {}", error.what()));
  }
  for (const auto& [name, ids] : ids_by_name) {
    if (ids.size() > 1) m_by_name.erase(name);
  }
}

std::vector<const ReplayPolicy::Entry*> ReplayPolicy::matches(const TaskView& task) const {
  const std::vector<std::size_t>* found = nullptr;
  if (auto it = m_by_id.find(task.task_id); it != m_by_id.end()) {
    found = &it->second;
  } else if (auto named = m_by_name.find(task.name); !task.name.empty() && named != m_by_name.end()) {
    found = &named->second;
  }
  std::vector<const Entry*> entries;
  if (found != nullptr) {
    for (std::size_t index : *found) entries.push_back(&m_entries[index]);
  }
  return entries;
}

std::size_t ReplayPolicy::available(const TaskView& task) const { return matches(task).size(); }

std::vector<std::vector<Completion>> ReplayPolicy::generate(
    const std::vector<GenerationRequest>& requests) {
  std::vector<std::vector<Completion>> results;
  results.reserve(requests.size());
  for (const GenerationRequest& request : requests) {
    std::vector<Completion>& completions = results.emplace_back();
    if (request.samples <= 0) continue;
    auto wanted = static_cast<std::size_t>(request.samples);
    for (const Entry* entry : matches(request.task)) {
      if (completions.size() == wanted) break;
      Completion completion;
      completion.completion = entry->proof;
      completion.proof = entry->proof;
      completion.whole_file = entry->whole_file;
      completions.push_back(std::move(completion));
    }
  }
  return results;
}

}  // namespace policy
