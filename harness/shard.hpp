#pragma once
// `--shard I/N`: a run takes the I-th of N deterministic parts of its work (0 ≤ I < N), so that
// N machines (a Slurm array, a Kubernetes Indexed Job) share one input. A task's part comes
// from its task id, a content hash of its header and statement: the same task lands in the
// same part on every machine and every night, whatever the order or the other lines of the
// input. A line that names no task (it could not be read) goes by its line number.
#include <cstdint>
#include <string>
#include <string_view>

namespace harness {

struct Shard {
  int index = 0;
  int count = 1;

  // "I/N"; throws UsageError naming the option and what is wrong.
  static Shard parse(std::string_view text);
  bool all() const { return count == 1; }
  bool owns_task(std::string_view task_id) const;
  bool owns_line(int64_t line) const;
  std::string text() const;  // "I/N"
};

}  // namespace harness
