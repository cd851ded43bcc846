#pragma once
// The settings tables of every command, one per group: each option's names, help, check and
// environment variable, bound to its field (settings.hpp). The command line, `--help` and the
// README's settings tables are made from them.
#include <vector>

#include "harness/check_command.hpp"
#include "harness/doctor.hpp"
#include "harness/report.hpp"
#include "harness/engine.hpp"
#include "harness/merge_command.hpp"
#include "harness/metrics_command.hpp"
#include "harness/prune_command.hpp"
#include "harness/score_settings.hpp"
#include "harness/search_settings.hpp"
#include "harness/serve_settings.hpp"
#include "harness/settings.hpp"
#include "harness/library_command.hpp"
#include "harness/traces_command.hpp"

namespace harness::settings {

// How Lean checks proofs: shared by `score` and `search`.
const Group<EngineSettings>& engine_group();
const Group<ScoreSettings>& score_group();
// `search`'s own, but the remote policy's.
const Group<SearchSettings>& search_group();
// The OpenAI-compatible policy (`search --policy openai:URL`).
const Group<SearchSettings>& remote_policy_group();
const Group<MetricsSettings>& metrics_group();
const Group<DoctorSettings>& doctor_group();
const Group<ServeSettings>& serve_group();
const Group<PruneSettings>& prune_group();
const Group<MergeSettings>& merge_group();
const Group<CheckSettings>& check_group();
const Group<ReportSettings>& report_group();
const Group<TracesSettings>& traces_group();
const Group<LibrarySettings>& library_group();

// What a search run records of its settings (the rows with a key of the search, remote-policy
// and engine groups) as one JSON object, and `search --resume`'s read-back of it: a key the
// record lacks takes its default (settings.hpp: restore). Throws SettingError for a recorded
// value of the wrong type.
nlohmann::json search_record(const SearchSettings& settings);
void restore_search(SearchSettings& settings, const nlohmann::json& recorded);

// What a score or check run records of its options for `--resume` (every option but --db,
// --resume and --no-progress; settings.hpp: record_options), and the read-back into the
// resuming command's settings: an option it was given keeps its value. A search run records
// the engine options its search_record lacks (--repl, --workspace, --sandbox, limits) the same
// way. Throws SettingError for a recorded value of the wrong type.
nlohmann::json score_options(const ScoreSettings& settings);
void restore_score_options(ScoreSettings& settings, const nlohmann::json& recorded);
nlohmann::json check_options(const CheckSettings& settings);
void restore_check_options(CheckSettings& settings, const nlohmann::json& recorded);
nlohmann::json engine_options(const EngineSettings& settings);
void restore_engine_options(EngineSettings& settings, const nlohmann::json& recorded);

// Every group, in the README's order.
std::vector<GroupRows> all_groups();

}  // namespace harness::settings
