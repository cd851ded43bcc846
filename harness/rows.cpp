#include "harness/rows.hpp"

#include "common/json_text.hpp"
#include "harness/reward.hpp"
#include "store/cache_key.hpp"

namespace harness {

using lean_bridge::DecidedBy;
using lean_bridge::Verdict;

Row candidate_row(const tasks::Candidate& candidate) {
  Row row;
  row.line = candidate.line;
  row.name = candidate.name;
  row.task = task_record(candidate.task);
  row.proof = candidate.proof;
  return row;
}

void set_verdict(Row& row, Verdict verdict, DecidedBy by, std::string reason) {
  row.verdict = verdict;
  row.decided_by = by;
  row.reason = std::move(reason);
}

store::AttemptRecord attempt_record(int64_t run_id, Row&& row) {
  store::AttemptRecord r;
  r.run_id = run_id;
  r.line = row.line;
  r.name = std::move(row.name);
  r.task = std::move(row.task);
  r.verdict = std::string(lean_bridge::to_string(row.verdict));
  r.decided_by = std::string(lean_bridge::to_string(row.decided_by));
  r.reason = row.reason.empty() ? std::move(row.error) : std::move(row.reason);
  r.reward = reward_for(row.verdict);
  r.elapsed_ms = row.elapsed_ms;
  r.cached = row.cached;
  r.axioms_json = std::move(row.axioms_json);
  r.messages_json = std::move(row.messages_json);
  r.proof = std::move(row.proof);
  r.cache_key = std::move(row.cache_key);
  r.used_constants_json = std::move(row.used_constants_json);
  return r;
}

store::AttemptRecord attempt_record(int64_t run_id, const Row& row) {
  return attempt_record(run_id, Row(row));
}

store::TaskRecord task_record(const tasks::Task& task) {
  store::TaskRecord t{task.id, task.name, task.header, task.statement, std::nullopt};
  if (!task.split.empty()) t.split = task.split;
  return t;
}

void apply_cached(Row& row, const store::CachedVerdict& hit) {
  row.verdict = lean_bridge::parse_verdict(hit.verdict).value_or(Verdict::error);
  row.decided_by = lean_bridge::parse_decided_by(hit.decided_by).value_or(DecidedBy::lean);
  row.reason = hit.reason;
  row.elapsed_ms = hit.elapsed_ms;
  row.axioms_json = hit.axioms_json;
  row.messages_json = hit.messages_json;
  row.used_constants_json = hit.used_constants_json;
  row.cached = true;
}

void apply_recorded(Row& row, const store::AttemptRow& recorded) {
  row.verdict = lean_bridge::parse_verdict(recorded.verdict).value_or(Verdict::error);
  row.decided_by = lean_bridge::parse_decided_by(recorded.decided_by).value_or(DecidedBy::worker);
  if (row.verdict == Verdict::invalid) {
    row.error = recorded.reason;  // attempt_record keeps an invalid line's error as its reason
    row.reason.clear();
  } else {
    row.reason = recorded.reason;
  }
  row.elapsed_ms = recorded.elapsed_ms;
  row.cached = recorded.cached;
  row.axioms_json = recorded.axioms_json;
  row.messages_json = recorded.messages_json;
  row.cache_key = recorded.cache_key;
  row.used_constants_json = recorded.used_constants_json;
}

void apply_result(Row& row, const lean_bridge::CheckResult& result) {
  row.verdict = result.verdict;
  row.decided_by = result.decided_by;
  row.reason = result.reason;
  row.elapsed_ms = result.elapsed_ms;
  row.messages_json = lean_bridge::messages_to_json(result.messages);
  if (result.axioms) row.axioms_json = common::json_string_array(*result.axioms);
  if (result.used_constants) row.used_constants_json = common::json_string_array(*result.used_constants);
}

std::string verification_key(const CheckIdentity& identity, const tasks::Candidate& c,
                             std::string_view library) {
  store::CacheKeyFields fields;
  fields.toolchain = identity.toolchain;
  fields.repl = identity.repl;
  fields.guard_version = identity.guard_version;
  fields.sandbox = identity.sandbox;
  const std::string heartbeats = std::to_string(identity.heartbeats);
  fields.heartbeats = heartbeats;
  fields.header = c.task.header;
  fields.statement = c.task.statement;
  fields.proof = c.proof;
  fields.form = c.form == tasks::ProofForm::continuation ? "continuation" : "whole_text";
  fields.library = library;
  return store::verification_cache_key(fields);
}

}  // namespace harness
