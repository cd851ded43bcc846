// store::Store, what `harness report` reads besides the other files' readers: the attempts of
// a run without their texts, with their task's recorded name and split. Read-only.
#include <fmt/format.h>

#include "store/store_impl.hpp"

namespace store {
namespace {

// The proof, messages and axioms are left out: a report needs none of them, and a store's
// proofs can be most of its bytes.
constexpr std::string_view kSelectAttemptSummariesSql = R"sql(
SELECT a.run_id, a.line, a.name, a.task_id, t.name, t.split, a.verdict, a.decided_by, a.reward,
       a.elapsed_ms, a.cached
FROM attempts AS a LEFT JOIN tasks AS t ON t.task_id = a.task_id
WHERE a.run_id = ?1 ORDER BY a.line)sql";

AttemptSummary read_attempt_summary(const Statement& row) {
  return AttemptSummary{.run_id = row.integer(0),
                        .line = row.integer(1),
                        .name = row.text(2),
                        .task_id = row.optional_text(3),
                        .task_name = row.optional_text(4),
                        .split = row.optional_text(5),
                        .verdict = row.text(6),
                        .decided_by = row.text(7),
                        .reward = row.optional_real(8),
                        .elapsed_ms = row.integer(9),
                        .cached = row.integer(10) != 0};
}

}  // namespace

std::vector<AttemptSummary> Store::attempt_summaries(int64_t run_id) const {
  Statement select(m_impl->db, kSelectAttemptSummariesSql);
  select.bind_int(1, run_id);
  return select.collect(fmt::format("read attempt summaries of run {}", run_id),
                        read_attempt_summary);
}

}  // namespace store
