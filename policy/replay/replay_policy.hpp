#pragma once
// Dataset replay as a policy: the proofs come from a JSONL file of model outputs, in the formats
// `harness score` reads (tasks/README.md), so a recorded model can stand in wherever a policy
// is expected. The file is read once, when the policy is made; the policy never learns.
// Matching rules and the handling of bad lines: policy/replay/README.md.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "policy/policy.hpp"
#include "tasks/line_source.hpp"

namespace policy {

struct ReplayOptions {
  // Header for lines without a `header` field, used to compute their task id from
  // `formal_statement` (what --header is to `harness score`).
  std::optional<std::string> default_header;
  // Longer lines are reported in problems() and skipped.
  std::size_t max_line_bytes = tasks::kDefaultMaxLineBytes;
};

class ReplayPolicy : public Policy {
 public:
  // Reads every line of `path`. A bad line (malformed JSON, a missing or ill-typed field, ...)
  // does not stop loading: it is recorded in problems() and skipped. Throws PolicyError naming
  // the file if it cannot be opened or read, or if `path` is "-" (standard input cannot be
  // hashed and read again).
  explicit ReplayPolicy(const std::string& path, ReplayOptions options = {});

  std::string kind() const override { return "replay"; }
  // "replay:" + the first 12 hex digits of the SHA-256 of the file's bytes.
  std::string version() const override { return m_version; }
  // Whole-proof generation only; nothing to learn.
  Capabilities capabilities() const override { return {.whole = true, .step = false, .learns = false, .fits = false, .revises = false}; }

  // For each request, up to `samples` proofs of its task, in file order: the first ones, so
  // every request for a task gets the same proofs, and fewer (possibly none) when the file has
  // fewer. The seed is not used: replay draws nothing. Each Completion has prompt "",
  // completion = proof = the line's proof text, whole_file for `full_proof`/`code` lines.
  std::vector<std::vector<Completion>> generate(
      const std::vector<GenerationRequest>& requests) override;

  // The proofs the file holds for `task`, in file order (the pool generate() takes from).
  std::size_t available(const TaskView& task) const;

  const std::string& path() const { return m_path; }
  // Proofs loaded (lines that were not skipped).
  std::size_t size() const { return m_entries.size(); }
  // One "FILE:LINE: FIELD: PROBLEM" per skipped line, in file order.
  const std::vector<std::string>& problems() const { return m_problems; }

 private:
  struct Entry {
    std::int64_t line = 0;
    std::string name;
    bool has_explicit_id = false;  // the line carried a `task_id` field
    std::string proof;
    bool whole_file = false;
  };

  std::vector<const Entry*> matches(const TaskView& task) const;

  std::string m_path;
  std::string m_version;
  std::vector<Entry> m_entries;
  std::vector<std::string> m_problems;
  // task id (the line's `task_id`, else the id of its header + formal_statement) -> entries
  std::unordered_map<std::string, std::vector<std::size_t>> m_by_id;
  // name -> entries without a `task_id` field, for names whose lines name one task at most
  std::unordered_map<std::string, std::vector<std::size_t>> m_by_name;
};

}  // namespace policy
