#pragma once
// One `harness search` run: epochs of sample → verify → reward → update → checkpoint over the
// training tasks (chosen by the curriculum), then a final evaluation of every task with K
// samples, which gives pass@k per split. Every attempt is a row of the store; each epoch ends in
// one transaction holding its learning-curve row, its per-task (n, c) and the policy checkpoint
// with the loop's state, so a killed run resumes from the last finished epoch exactly.
#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/pipeline.hpp"
#include "harness/engine.hpp"
#include "harness/library_grow.hpp"
#include "harness/search_settings.hpp"
#include "metrics/metrics.hpp"
#include "metrics/shaping.hpp"
#include "harness/step_search.hpp"
#include "policy/policy.hpp"
#include "policy/rl/curriculum.hpp"
#include "store/store.hpp"
#include "tasks/task.hpp"

namespace harness {

// Where a run starts: fresh, or after the last finished epoch of a killed one.
struct LoopState {
  int64_t next_epoch = 1;
  policy::rl::Curriculum curriculum;
  std::set<std::string> solved;  // tasks passed at least once in training
  // The version of the lemma library the next epoch searches with (--library, --grow-library;
  // library::library_version), "" for none.
  std::string library_version;
  // The bytes the library's rewrites took off the run's training proofs so far (description
  // length, docs/library.md, "The loop").
  int64_t library_saved_bytes = 0;
  std::string to_json() const;
  static LoopState from_json(const std::string& text, policy::rl::CurriculumOptions options);
};

class SearchRun {
 public:
  // `library`: what the run searches with from its next epoch on (empty: none); the engine's
  // and the policy's libraries are set from it here.
  SearchRun(const SearchSettings& settings, const Engine& engine, store::Store& store,
            int64_t run_id, policy::Policy& policy, std::vector<tasks::Task> tasks,
            LoopState state, StoredLibrary library = {});
  ~SearchRun();
  // Runs to the end; returns the exit code (and marks the run finished in the store).
  int run();
  std::string summary_json() const;
  // What --init-from fitted (search_command.cpp), kept in the summary as `init_from`.
  void set_init_from(nlohmann::json stats) { m_init_from = std::move(stats); }

 private:
  struct Attempt {
    size_t task = 0;  // index into m_tasks
    int sample = 0;
    Row row;
    policy::Completion completion;
    std::optional<int64_t> expansions;
    std::optional<double> advantage;
    std::optional<double> reward;  // what the learner gets: the verdict's reward, shaped
    int round = 0;                  // 0: a first try; r: the r-th revision of its chain
    std::optional<size_t> revises;  // the index (in its group) of the attempt it revises
  };
  struct EpochResult {
    std::vector<std::vector<Attempt>> groups;  // one per selected task, samples in order
    bool interrupted = false;
  };
  EpochResult sample_epoch(int64_t epoch, const std::string& phase,
                           const std::vector<size_t>& selection);
  std::vector<std::vector<Attempt>> sample_whole(int64_t epoch, const std::vector<size_t>& chunk);
  // Lean checks the attempts at `which` (group, index) that have a candidate; false when
  // interrupted.
  bool check_attempts(std::vector<std::vector<Attempt>>& groups,
                      const std::vector<std::pair<size_t, size_t>>& which);
  // Round `round` of revisions: every attempt of the previous round that Lean judged and did
  // not pass gets one revision, appended to its group; false when interrupted.
  bool revise_round(int64_t epoch, int round, std::vector<std::vector<Attempt>>& groups);
  std::optional<std::vector<std::vector<Attempt>>> sample_step(int64_t epoch,
                                                               const std::vector<size_t>& chunk);
  void record(int64_t epoch, const std::string& phase, int64_t first_group,
              std::vector<std::vector<Attempt>>& groups);
  void write_rollouts(const std::vector<store::SearchAttemptRow>& rows);
  int finish(store::RunStatus status, int code, const std::string& message = "");
  // Reward shaping (docs/search.md): the library is this run's verified training proofs, as of
  // the start of the epoch.
  std::optional<double> shaped_reward(const Attempt& attempt) const;
  void add_to_library(const std::string& task_id, const std::string& name, const std::string& proof);
  void refresh_library_metrics();
  policy::TaskView view(size_t task) const;
  // The engine and the policy search with m_lemmas from now on (Lean's workers restart on the
  // new layer).
  void use_library();
  // --grow-library: grows m_lemmas from the epoch's verified training proofs (the lines given)
  // and fills the epoch's library figures; false when interrupted or Lean failed (m_fatal).
  bool grow_library(int64_t epoch, const std::set<int64_t>& lines, store::EpochRecord& rec,
                    nlohmann::json& stats);
  // The largest budget of Lean checks per task a chain can spend: (R + 1) K.
  int64_t budget_limit() const {
    return static_cast<int64_t>(m_settings.revisions + 1) * m_settings.samples;
  }

  const SearchSettings& m_settings;
  Engine m_engine;  // a copy: its library changes as the run's grows
  store::Store& m_store;
  int64_t m_run_id;
  policy::Policy& m_policy;
  std::vector<tasks::Task> m_tasks;
  LoopState m_state;
  StoreCache m_cache{m_store};
  std::unique_ptr<Pipeline> m_pipeline;  // whole-proof mode: made at the first batch
  PipelineStats m_earlier_stats;         // of pipelines before a library change
  StoredLibrary m_lemmas;                // the lemma library searched with
  std::unique_ptr<StepSearcher> m_searcher;
  std::ofstream m_rollouts;
  int64_t m_next_line = 1;
  std::string m_policy_version;  // of the policy that samples the current epoch
  std::optional<std::string> m_fatal;
  nlohmann::json m_curve = nlohmann::json::array();
  nlohmann::json m_pass_at_k = nlohmann::json::object();
  nlohmann::json m_init_from;  // null without --init-from
  nlohmann::json m_budget = nlohmann::json::object();  // success within a budget of checks
  std::chrono::steady_clock::time_point m_start;
  metrics::Shaping m_shaping = metrics::Shaping::none;
  std::vector<metrics::ProofDoc> m_library;
  std::set<std::pair<std::string, std::string>> m_library_seen;  // (task id, proof)
  std::map<std::string, int64_t> m_min_c;                          // task id → shortest C(x)
  int64_t m_training_bytes = 0;  // C(proof) summed over the distinct verified training proofs
  std::optional<metrics::LibraryMetrics> m_library_metrics;
};

}  // namespace harness
