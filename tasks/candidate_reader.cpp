#include "tasks/candidate_reader.hpp"

#include <fmt/format.h>

#include <array>

#include "tasks/json_line.hpp"
#include "tasks/task_index.hpp"

namespace tasks {
namespace {

struct ProofField {
  std::string_view key;
  ProofForm form;
};

constexpr std::array<ProofField, 4> kProofFields = {{{"proof", ProofForm::continuation},
                                                     {"formal_proof", ProofForm::continuation},
                                                     {"full_proof", ProofForm::whole_text},
                                                     {"code", ProofForm::whole_text}}};

struct Proof {
  ProofForm form;
  std::string text;
};

// Stores the field's value (nullopt if absent) in `out`, or returns its problem.
std::optional<FieldProblem> take_string(const JsonLine& json, std::string_view key,
                                        std::optional<std::string>& out) {
  auto field = json.string_field(key);
  if (auto* problem = std::get_if<FieldProblem>(&field)) return std::move(*problem);
  out = std::get<std::optional<std::string>>(std::move(field));
  return std::nullopt;
}

std::variant<Proof, FieldProblem> read_proof(const JsonLine& json) {
  const ProofField* found = nullptr;
  for (const ProofField& field : kProofFields) {
    if (!json.has(field.key)) continue;
    if (found != nullptr) {
      return FieldProblem{std::string(field.key),
                          fmt::format("ambiguous: the line also has '{}'; give exactly one of "
                                      "proof, formal_proof, full_proof, code",
                                      found->key)};
    }
    found = &field;
  }
  if (found == nullptr) {
    return FieldProblem{"proof",
                        "missing: expected one of proof, formal_proof (completing "
                        "formal_statement) or full_proof, code (a whole Lean file)"};
  }
  std::optional<std::string> text;
  if (auto problem = take_string(json, found->key, text)) return std::move(*problem);
  return Proof{found->form, std::move(*text)};
}

std::string task_lines(const std::vector<const IndexedTask*>& found) {
  std::string lines;
  for (const IndexedTask* task : found) {
    lines += (lines.empty() ? "" : ", ") + std::to_string(task->line);
  }
  return lines;
}

std::variant<Task, FieldProblem> task_by_id(const TaskIndex& index, const std::string& id,
                                            const std::optional<std::string>& name) {
  if (name) {
    for (const IndexedTask* task : index.by_name(*name)) {
      if (task->task.id == id) return task->task;
    }
  }
  const IndexedTask* task = index.by_id(id);
  if (task == nullptr) {
    return FieldProblem{"task_id", fmt::format("unknown task id '{}' (not in {})",
                                               message_excerpt(id), index.path())};
  }
  if (name) {
    return FieldProblem{"task_id",
                        fmt::format("task '{}' is named '{}' in {}, not '{}'", id, task->task.name,
                                    index.path(), message_excerpt(*name))};
  }
  return task->task;
}

std::variant<Task, FieldProblem> task_by_name(const TaskIndex& index, const std::string& name) {
  auto found = index.by_name(name);
  if (found.empty()) {
    return FieldProblem{
        "name", fmt::format("unknown task '{}' (not in {})", message_excerpt(name), index.path())};
  }
  if (found.size() > 1) {
    return FieldProblem{"name", fmt::format("ambiguous: {} tasks named '{}' in {} (lines {}); "
                                            "add a task_id field to pick one",
                                            found.size(), name, index.path(), task_lines(found))};
  }
  return found.front()->task;
}

bool is_blank(std::string_view bytes) {
  return bytes.find_first_not_of(" \t\r") == std::string_view::npos;
}

}  // namespace

CandidateReader::CandidateReader(const std::string& path, ReaderOptions options)
    : m_path(path), m_options(std::move(options)), m_source(path, m_options.max_line_bytes) {}

std::optional<CandidateReader::Row> CandidateReader::next() {
  while (auto raw = m_source.next()) {
    if (!raw->too_long && is_blank(raw->bytes)) {
      ++m_blank;
      continue;
    }
    return read(*raw);
  }
  return std::nullopt;
}

CandidateReader::Row CandidateReader::read(const RawLine& raw) const {
  if (raw.too_long) {
    return invalid(raw.number, "",
                   {std::string(kLineField),
                    fmt::format("line of {} bytes exceeds the limit of {} bytes; skipped",
                                raw.length, m_options.max_line_bytes)});
  }
  auto parsed = JsonLine::parse(raw.bytes);
  if (auto* problem = std::get_if<FieldProblem>(&parsed)) return invalid(raw.number, "", *problem);
  return read_json(raw.number, std::get<JsonLine>(parsed));
}

CandidateReader::Row CandidateReader::read_json(std::int64_t line, const JsonLine& json) const {
  std::optional<std::string> name;
  if (auto problem = take_string(json, "name", name)) return invalid(line, "", *problem);
  auto proof = read_proof(json);
  if (auto* problem = std::get_if<FieldProblem>(&proof)) {
    return invalid(line, name.value_or(""), *problem);
  }
  auto& [form, text] = std::get<Proof>(proof);
  TextSource header_source = TextSource::user;
  TextSource statement_source = TextSource::user;
  auto task = m_options.tasks
                  ? indexed_task(json, name)
                  : own_task(json, name.value_or(""), form, header_source, statement_source);
  if (auto* problem = std::get_if<FieldProblem>(&task)) {
    return invalid(line, name.value_or(""), *problem);
  }
  Task& found = std::get<Task>(task);
  std::string label = name.value_or(found.name);
  return Candidate{line,          std::move(label), std::move(found), form, std::move(text),
                   header_source, statement_source};
}

std::variant<Task, FieldProblem> CandidateReader::own_task(const JsonLine& json,
                                                           const std::string& name, ProofForm form,
                                                           TextSource& header_source,
                                                           TextSource& statement_source) const {
  std::optional<std::string> split, header, statement;
  if (auto problem = take_string(json, "split", split)) return std::move(*problem);
  if (auto problem = take_string(json, "header", header)) return std::move(*problem);
  if (auto problem = take_string(json, "formal_statement", statement)) return std::move(*problem);
  if (!statement && form == ProofForm::continuation) {
    return FieldProblem{"formal_statement", "missing (a proof or formal_proof completes it)"};
  }
  // Whatever the line wrote is the line's, even when it equals the user's header: the guard
  // reads it (and accepts any header a dataset holds).
  if (header) header_source = TextSource::line;
  if (statement) statement_source = TextSource::line;
  if (!header) header = m_options.default_header;
  return make_task(name, split.value_or(""), header.value_or(""), statement.value_or(""));
}

// The line's own header and formal_statement are ignored here: with a task index the
// benchmark, not the model output, decides what must be proved.
std::variant<Task, FieldProblem> CandidateReader::indexed_task(
    const JsonLine& json, const std::optional<std::string>& name) const {
  const TaskIndex& index = *m_options.tasks;
  std::optional<std::string> id;
  if (auto problem = take_string(json, "task_id", id)) return std::move(*problem);
  if (id) return task_by_id(index, *id, name);
  if (!name) {
    return FieldProblem{"name", fmt::format("missing (needed to find the task in {}; or give "
                                            "task_id)",
                                            index.path())};
  }
  return task_by_name(index, *name);
}

InvalidLine CandidateReader::invalid(std::int64_t line, std::string name,
                                     const FieldProblem& problem) const {
  return InvalidLine{line, std::move(name), message_excerpt(problem.field),
                     format_line_error(m_path, line, problem.field, problem.problem)};
}

}  // namespace tasks
