#pragma once
// Streams candidate proofs from an untrusted JSONL file (model outputs, datasets): one
// Candidate or one InvalidLine per non-blank line, never an exception for a line's content.
//
// A line is a JSON object with:
//   name              string; required with a task index (unless task_id picks the task)
//   split             string, optional
//   header            string, optional; else ReaderOptions::default_header; else ""
//   formal_statement  string; required for continuation proofs
// A header or formal_statement taken from the line is marked TextSource::line on the candidate
// (the guard reads it); one from ReaderOptions (default_header, tasks) stays TextSource::user.
//   exactly one proof field: proof | formal_proof   (continuation: completes formal_statement)
//                            full_proof | code      (whole text: an entire Lean file)
//   task_id           string, optional; only read with a task index
// A null field counts as absent; other fields are ignored. See invalid_line.hpp for the
// error-message convention and tasks/README.md for the full list of messages.
#include <cstddef>
#include <optional>
#include <string>
#include <variant>

#include "tasks/candidate.hpp"
#include "tasks/invalid_line.hpp"
#include "tasks/line_source.hpp"

namespace tasks {

class TaskIndex;
class JsonLine;
struct FieldProblem;

struct ReaderOptions {
  // Header for lines without a `header` field (from --header / --header-file).
  std::optional<std::string> default_header;
  // With a task index (--tasks), a line's task comes from the index, joined by task_id or by
  // name; the line's own `header` and `formal_statement` are then ignored, because the
  // benchmark, not the model, decides what is proved. Must outlive the reader.
  const TaskIndex* tasks = nullptr;
  // Longer lines are reported as invalid and skipped without being held in memory.
  std::size_t max_line_bytes = kDefaultMaxLineBytes;
};

class CandidateReader {
 public:
  using Row = std::variant<Candidate, InvalidLine>;

  // Throws InputError if `path` cannot be opened ("-" reads standard input). `path` is also
  // the FILE of every error message.
  explicit CandidateReader(const std::string& path, ReaderOptions options = {});

  // The next non-blank line, or nullopt at the end. Throws InputError only if reading the
  // file fails.
  std::optional<Row> next();

  const std::string& path() const { return m_path; }
  // Blank lines (whitespace only) skipped so far: they get no row, and a run counts them.
  std::int64_t blank_lines() const { return m_blank; }

 private:
  Row read(const RawLine& raw) const;
  Row read_json(std::int64_t line, const JsonLine& json) const;
  // The line's own task; `header`/`statement` say where its header and statement came from.
  std::variant<Task, FieldProblem> own_task(const JsonLine& json, const std::string& name,
                                            ProofForm form, TextSource& header,
                                            TextSource& statement) const;
  std::variant<Task, FieldProblem> indexed_task(const JsonLine& json,
                                                const std::optional<std::string>& name) const;
  InvalidLine invalid(std::int64_t line, std::string name, const FieldProblem& problem) const;

  std::string m_path;
  ReaderOptions m_options;
  LineSource m_source;
  std::int64_t m_blank = 0;
};

}  // namespace tasks
