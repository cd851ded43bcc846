#include "policy/builtin/builtin_policy.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

#include "common/tagged_hash.hpp"
#include "policy/builtin/bytes.hpp"
#include "policy/builtin/model.hpp"
#include "policy/builtin/rng.hpp"

namespace policy {

using builtin::ByteReader;
using builtin::ByteWriter;
using builtin::GoalAnalysis;
using builtin::SparseVector;

namespace {

constexpr std::string_view kMagic = "LHBPCKPT";          // 8 bytes
constexpr std::string_view kFeatureScheme = "features-v1";  // features.cpp's names and hashing
constexpr std::size_t kChecksumSize = 64;                // hex SHA-256 of the bytes before it
constexpr int kStop = 0;                                 // action 0; tactic i is action 1 + i

[[noreturn]] void bad_option(const std::string& message) {
  throw PolicyError("builtin policy: " + message);
}

void validate(const BuiltinOptions& o) {
  if (o.model != "loglinear" && o.model != "mlp") {
    bad_option("model must be 'loglinear' or 'mlp' (got '" + o.model + "')");
  }
  if (o.feature_bits < 8 || o.feature_bits > 20) {
    bad_option("feature_bits must be in 8..20 (got " + std::to_string(o.feature_bits) + ")");
  }
  if (o.hidden < 1 || o.hidden > 1024) {
    bad_option("hidden must be in 1..1024 (got " + std::to_string(o.hidden) + ")");
  }
  if (!(o.learning_rate > 0) || !std::isfinite(o.learning_rate)) {
    bad_option("learning_rate must be a positive number");
  }
  if (!(o.temperature > 0) || !std::isfinite(o.temperature)) {
    bad_option("temperature must be a positive number");
  }
  if (o.max_proof_tactics < 1) bad_option("max_proof_tactics must be at least 1");
  if (!(o.replay_weight >= 0) || !std::isfinite(o.replay_weight)) {
    bad_option("replay_weight must be a number >= 0");
  }
  if (o.replay_capacity < 0) bad_option("replay_capacity must be >= 0");
  if (o.replay_batch < 0) bad_option("replay_batch must be >= 0");
  if (!(o.l2 >= 0) || !std::isfinite(o.l2)) bad_option("l2 must be a number >= 0");
}

// The continuation form of a proof: each tactic on its own line(s), indented by two spaces.
void append_tactic(std::string& proof, const std::string& tactic) {
  std::size_t pos = 0;
  while (pos <= tactic.size()) {
    std::size_t end = tactic.find('\n', pos);
    if (end == std::string::npos) end = tactic.size();
    proof += "  ";
    proof.append(tactic, pos, end - pos);
    proof += '\n';
    pos = end + 1;
  }
}

std::string replay_key(const std::vector<Decision>& decisions) {
  ByteWriter w;
  for (const Decision& d : decisions) {
    w.str(d.goal);
    w.str(d.previous_tactic);
    w.str(d.tactic);
  }
  return w.take();
}

// Samples an index of `logp` (log-probabilities that sum to 1) with one uniform draw.
std::size_t sample(const std::vector<double>& logp, builtin::SplitMix64& rng) {
  const double u = rng.uniform();
  double cumulative = 0;
  std::size_t last = 0;
  for (std::size_t i = 0; i < logp.size(); ++i) {
    if (logp[i] == -std::numeric_limits<double>::infinity()) continue;
    cumulative += std::exp(logp[i]);
    last = i;
    if (u < cumulative) return i;
  }
  return last;  // rounding left the total just under u
}

// The running figures of one sampled proof: its log-probability, and the entropy of the
// distributions it was drawn from.
struct DrawStats {
  double logprob = 0;
  double entropy = 0;
  int distributions = 0;
};

// The text of each action for one goal: a library entry offered there is its tactic with the
// arguments filled in, any other action is its vocabulary entry.
struct ActionTexts {
  const builtin::Vocabulary& vocabulary;
  const std::map<int, std::string>& offered;
  const std::string& operator[](int i) const {
    auto it = offered.find(i);
    return it != offered.end() ? it->second : vocabulary[i];
  }
};

// Index of the first `op` at bracket depth 0 in `text`, npos if none.
std::size_t find_top(std::string_view text, std::string_view op) {
  int depth = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '(' || c == '[' || c == '{') ++depth;
    if (c == ')' || c == ']' || c == '}') --depth;
    if (text.compare(i, 3, "\u27E8") == 0) ++depth;  // ⟨
    if (text.compare(i, 3, "\u27E9") == 0) --depth;  // ⟩
    if (depth == 0 && text.compare(i, op.size(), op) == 0) return i;
  }
  return std::string_view::npos;
}

// The goals a whole proof has reached, as far as the policy follows them without Lean
// (README.md, "Library lemmas"): `constructor` / `apply And.intro` split a top-level `A ∧ B`
// into `A` and `B`, `intro NAME` moves the premise of a top-level `P → Q` into the
// hypotheses, a tactic starting with `exact ` closes the first goal. After any other tactic
// the goals are unknown (nullopt) and no library action is offered.
struct FollowedGoals {
  std::optional<std::vector<builtin::GoalParts>> goals;

  // With a library the proof stops exactly when the followed goals are all closed: STOP is
  // never drawn while one is known to be left, and nothing else once none is.
  void stop_rule(std::vector<double>& logits) const {
    if (!goals) return;
    constexpr double kNever = -std::numeric_limits<double>::infinity();
    if (goals->empty()) {
      for (std::size_t a = 1; a < logits.size(); ++a) logits[a] = kNever;
    } else {
      logits[kStop] = kNever;
    }
  }
  const builtin::GoalParts* first() const {
    return goals && !goals->empty() ? &goals->front() : nullptr;
  }
  void after(std::string_view tactic) {
    if (!first()) {
      goals.reset();
      return;
    }
    std::string t;
    for (char c : tactic) t += (c == '\n' || c == '\t') ? ' ' : c;
    while (!t.empty() && t.back() == ' ') t.pop_back();
    while (!t.empty() && t.front() == ' ') t.erase(t.begin());
    builtin::GoalParts goal = goals->front();
    if (t == "constructor" || t == "apply And.intro") {
      const std::size_t at = find_top(goal.target, " \u2227 ");  // ∧
      if (at == std::string::npos) {
        goals.reset();
        return;
      }
      builtin::GoalParts left = goal, right = goal;
      left.target = goal.target.substr(0, at);
      right.target = goal.target.substr(at + 5);
      goals->erase(goals->begin());
      goals->insert(goals->begin(), {std::move(left), std::move(right)});
    } else if (t.rfind("exact ", 0) == 0) {
      goals->erase(goals->begin());
    } else if (t.rfind("intro ", 0) == 0 && t.find(' ', 6) == std::string::npos) {
      const std::size_t at = find_top(goal.target, " \u2192 ");  // →
      if (at == std::string::npos) {
        goals.reset();
        return;
      }
      goals->front().hypotheses.emplace_back(t.substr(6), goal.target.substr(0, at));
      goals->front().target = goal.target.substr(at + 5);
    } else {
      goals.reset();
    }
  }
};

// Draws the next action of a whole proof from `logp`: STOP (its decision recorded; false) or a
// tactic (its decision recorded and its line appended to the proof; true).
template <class Vocabulary>
bool draw_tactic(const std::vector<double>& logp, builtin::SplitMix64& rng,
                 const Vocabulary& vocabulary, const std::string& statement, std::string& previous,
                 Completion& c, DrawStats& stats) {
  double h = 0;
  for (double lp : logp) {
    if (lp != -std::numeric_limits<double>::infinity()) h -= std::exp(lp) * lp;
  }
  stats.entropy += h;
  ++stats.distributions;
  const std::size_t a = sample(logp, rng);
  stats.logprob += logp[a];
  if (static_cast<int>(a) == kStop) {
    c.decisions.push_back({statement, previous, ""});
    return false;
  }
  const std::string& tactic = vocabulary[static_cast<int>(a) - 1];
  c.decisions.push_back({statement, previous, tactic});
  append_tactic(c.proof, tactic);
  previous = tactic;
  return true;
}

}  // namespace

std::string BuiltinPolicy::format_name(std::string_view model) {
  return "builtin-" + std::string(model);
}

BuiltinPolicy::BuiltinPolicy(BuiltinOptions options) : m_options(std::move(options)) {
  validate(m_options);
  m_vocabulary = builtin::Vocabulary(builtin::load_vocabulary(m_options.vocabulary));
  m_model = builtin::make_model(m_options.model, m_options.feature_bits, m_options.hidden,
                                1 + m_vocabulary.size(), m_options.init_seed);
  refresh_version();
}

BuiltinPolicy::~BuiltinPolicy() = default;

void BuiltinPolicy::refresh_version() {
  m_version = format_name(m_options.model) + "-v1:" + common::sha256_hex(checkpoint()).substr(0, 12);
}

SparseVector BuiltinPolicy::features_of(const GoalAnalysis& goal, std::string_view previous_tactic) const {
  // A library action is known by its abstract form: `exact lib_x a` and `exact lib_x b` are
  // one previous tactic.
  if (auto abstract = builtin::abstract_of_tactic(previous_tactic)) {
    return builtin::hash_features(builtin::feature_names(goal, *abstract), m_options.feature_bits);
  }
  return builtin::hash_features(builtin::feature_names(goal, previous_tactic), m_options.feature_bits);
}

std::optional<int> BuiltinPolicy::action_of(std::string_view tactic) const {
  const std::string normal = builtin::normalise_tactic(tactic);
  if (auto abstract = builtin::abstract_of_tactic(normal)) return m_vocabulary.find(*abstract);
  return m_vocabulary.find(normal);
}

void BuiltinPolicy::index_library() {
  m_library_entries.clear();
  for (int i = 0; i < m_vocabulary.size(); ++i) {
    if (builtin::lemma_of_abstract(m_vocabulary[i])) m_library_entries.push_back(i);
  }
  m_lemma_actions.assign(m_parsed.size(), {});
  for (std::size_t l = 0; l < m_parsed.size(); ++l) {
    for (builtin::LemmaForm form : {builtin::LemmaForm::exact, builtin::LemmaForm::apply,
                                    builtin::LemmaForm::rw, builtin::LemmaForm::simp}) {
      if (auto index = m_vocabulary.find(builtin::abstract_action(form, m_parsed[l].name))) {
        m_lemma_actions[l].emplace_back(*index, form);
      }
    }
  }
}

void BuiltinPolicy::set_library(std::vector<LibraryLemma> lemmas) {
  std::vector<builtin::ParsedLemma> parsed;
  std::set<std::string> names;
  for (const LibraryLemma& lemma : lemmas) {
    if (!builtin::is_library_name(lemma.name)) {
      throw PolicyError("builtin policy: library lemma name '" + lemma.name + "' is not lib_<12 lowercase hex>");
    }
    if (!names.insert(lemma.name).second) {
      throw PolicyError("builtin policy: library lemma " + lemma.name + " is given twice");
    }
    auto p = builtin::parse_lemma(lemma.statement);
    if (!p || p->name != lemma.name) {
      throw PolicyError("builtin policy: library lemma " + lemma.name +
                        ": cannot read its statement as 'theorem " + lemma.name + " BINDERS : TYPE': " +
                        lemma.statement);
    }
    parsed.push_back(std::move(*p));
  }
  // The vocabulary grows by the lemmas' abstract actions (weights start at zero).
  for (const builtin::ParsedLemma& p : parsed) {
    for (const std::string& action : builtin::abstract_actions(p)) {
      if (m_vocabulary.add(action)) m_model->add_action();
    }
  }
  m_library = std::move(lemmas);
  m_parsed = std::move(parsed);
  index_library();
  refresh_version();
}

std::map<int, std::string> BuiltinPolicy::offers_for(const builtin::GoalParts& goal,
                                                     std::string_view task_id) const {
  std::map<int, std::string> out;
  if (m_parsed.empty()) return out;
  const builtin::PreparedGoal prepared = builtin::prepare_goal(goal);
  for (std::size_t l = 0; l < m_parsed.size(); ++l) {
    if (m_lemma_actions[l].empty()) continue;
    const auto& derived = m_library[l].derived_from;
    if (!task_id.empty() && std::find(derived.begin(), derived.end(), task_id) != derived.end()) continue;
    for (const builtin::LemmaOffer& offer : builtin::lemma_offers(m_parsed[l], prepared)) {
      for (const auto& [index, form] : m_lemma_actions[l]) {
        if (form == offer.form) out.emplace(index, offer.tactic);
      }
    }
  }
  return out;
}

std::map<int, std::string> BuiltinPolicy::library_offers(std::string_view goal, std::string_view task_id) const {
  return offers_for(builtin::goal_parts(builtin::goal_text(goal)), task_id);
}

void BuiltinPolicy::mask_library(std::vector<double>& logits, const std::map<int, std::string>& offered) const {
  for (int i : m_library_entries) {
    if (offered.count(i) == 0) logits[static_cast<std::size_t>(1 + i)] = -std::numeric_limits<double>::infinity();
  }
}

std::vector<double> BuiltinPolicy::action_logprobs(std::string_view goal,
                                                   std::string_view previous_tactic) const {
  const GoalAnalysis analysis = builtin::analyse_goal(builtin::goal_text(goal));
  std::vector<double> logits, logp;
  m_model->logits(features_of(analysis, previous_tactic), logits);
  builtin::log_softmax(logits, logp);
  return logp;
}

std::vector<std::vector<Completion>> BuiltinPolicy::generate(const std::vector<GenerationRequest>& requests) {
  std::vector<std::vector<Completion>> out;
  out.reserve(requests.size());
  const double inv_t = 1.0 / m_options.temperature;
  for (const GenerationRequest& request : requests) {
    std::vector<Completion>& completions = out.emplace_back();
    const std::string goal = builtin::goal_of_statement(request.task.statement);
    const GoalAnalysis analysis = builtin::analyse_goal(goal, 1);
    // The logits depend only on the previous tactic here: compute them once per tactic.
    std::map<std::string, std::vector<double>> logits_after;
    auto logits_for = [&](const std::string& previous) -> const std::vector<double>& {
      auto it = logits_after.find(previous);
      if (it == logits_after.end()) {
        std::vector<double> z;
        m_model->logits(features_of(analysis, previous), z);
        it = logits_after.emplace(previous, std::move(z)).first;
      }
      return it->second;
    };
    const builtin::GoalParts start = builtin::goal_parts(goal);
    for (int i = 0; i < request.samples; ++i) {
      builtin::SplitMix64 rng(builtin::derive_seed(request.seed, static_cast<uint64_t>(i)));
      Completion c;
      c.prompt = goal;
      std::string previous;
      DrawStats stats;
      std::vector<double> scaled, logp;
      FollowedGoals followed{std::vector<builtin::GoalParts>{start}};
      std::map<int, std::string> offered;
      for (int t = 0; t < m_options.max_proof_tactics; ++t) {
        const std::vector<double>& z = logits_for(previous);
        scaled.resize(z.size());
        for (std::size_t a = 0; a < z.size(); ++a) scaled[a] = z[a] * inv_t;
        offered.clear();
        if (!m_library_entries.empty()) {
          if (const builtin::GoalParts* g = followed.first()) offered = offers_for(*g, request.task.task_id);
          mask_library(scaled, offered);
        }
        if (!m_parsed.empty()) followed.stop_rule(scaled);
        if (t == 0) {
          // STOP is not allowed first: the softmax runs over the tactics only.
          std::vector<double> tactics(scaled.begin() + 1, scaled.end());
          builtin::log_softmax(tactics, logp);
          logp.insert(logp.begin(), -std::numeric_limits<double>::infinity());
        } else {
          builtin::log_softmax(scaled, logp);
        }
        if (!draw_tactic(logp, rng, ActionTexts{m_vocabulary, offered}, request.task.statement, previous, c, stats)) break;
        followed.after(previous);
      }
      c.completion = c.proof;
      c.logprob = stats.logprob;
      c.entropy = stats.entropy / stats.distributions;
      completions.push_back(std::move(c));
    }
  }
  return out;
}

std::vector<Completion> BuiltinPolicy::revise(const std::vector<RevisionRequest>& requests) {
  std::vector<Completion> out;
  out.reserve(requests.size());
  const double inv_t = 1.0 / m_options.temperature;
  constexpr double kNever = -std::numeric_limits<double>::infinity();
  for (const RevisionRequest& request : requests) {
    const std::string goal = builtin::goal_of_statement(request.task.statement);
    const GoalAnalysis analysis = builtin::analyse_goal(goal, 1);
    // The previous proof's tactics and the proof lines each occupies (append_tactic writes a
    // tactic's lines one after another, from line 1).
    std::vector<const Decision*> tactics;
    std::vector<int64_t> first_line, last_line;
    int64_t line = 1;
    for (const Decision& d : request.previous.decisions) {
      if (d.tactic.empty()) break;
      tactics.push_back(&d);
      first_line.push_back(line);
      line += static_cast<int64_t>(std::count(d.tactic.begin(), d.tactic.end(), '\n'));
      last_line.push_back(line);
      ++line;
    }
    std::optional<int64_t> error_line;
    bool no_goals = false;  // Lean's first error says no goal was left for the tactic there
    for (const FeedbackMessage& m : request.feedback.messages) {
      if (m.severity != "error" || !m.line || *m.line < 1) continue;
      if (!error_line || *m.line < *error_line) {
        error_line = m.line;
        no_goals = m.text.find("no goals") != std::string::npos;
      }
    }
    std::size_t keep = tactics.size();
    if (error_line) {
      keep = 0;
      while (keep < tactics.size() && last_line[keep] < *error_line) ++keep;
    }
    std::string refused;  // the tactic Lean refused at the first new position
    if (keep < tactics.size()) refused = tactics[keep]->tactic;
    const std::size_t cap = static_cast<std::size_t>(m_options.max_proof_tactics) - 1;
    if (keep > cap) {
      keep = cap;
      refused.clear();
    }

    Completion c;
    std::string previous;
    FollowedGoals followed{std::vector<builtin::GoalParts>{builtin::goal_parts(goal)}};
    for (std::size_t i = 0; i < keep; ++i) {
      c.decisions.push_back(*tactics[i]);
      append_tactic(c.proof, tactics[i]->tactic);
      previous = tactics[i]->tactic;
      followed.after(previous);
    }
    c.prompt = goal + "\n\nprevious proof:\n" + request.previous.proof + "\nkept: " +
               std::to_string(keep) + " tactic(s)" +
               (error_line ? ", Lean's first error at proof line " + std::to_string(*error_line)
                           : std::string(", no error inside the proof")) +
               "\n";
    builtin::SplitMix64 rng(request.seed);
    DrawStats stats;
    std::vector<double> z, scaled, logp;
    std::map<int, std::string> offered;
    for (std::size_t t = keep; t < static_cast<std::size_t>(m_options.max_proof_tactics); ++t) {
      m_model->logits(features_of(analysis, previous), z);
      scaled.resize(z.size());
      for (std::size_t a = 0; a < z.size(); ++a) scaled[a] = z[a] * inv_t;
      offered.clear();
      if (!m_library_entries.empty()) {
        if (const builtin::GoalParts* g = followed.first()) offered = offers_for(*g, request.task.task_id);
        mask_library(scaled, offered);
      }
      if (!m_parsed.empty()) followed.stop_rule(scaled);
      if (t == keep) {
        // Something new must come here: not the tactic Lean refused, and not STOP unless Lean
        // said no goal was left there (then the kept prefix alone is the proof to try).
        if (keep == 0 || refused.empty() || !no_goals) scaled[kStop] = kNever;
        if (!refused.empty()) {
          if (auto index = action_of(refused)) {
            scaled[static_cast<std::size_t>(1 + *index)] = kNever;
          }
        }
        if (std::all_of(scaled.begin(), scaled.end(), [&](double v) { return v == kNever; })) break;
      }
      builtin::log_softmax(scaled, logp);
      if (!draw_tactic(logp, rng, ActionTexts{m_vocabulary, offered}, request.task.statement, previous, c, stats)) break;
      followed.after(previous);
    }
    if (c.proof.empty()) {
      c.error = "no tactic left to revise with";  // a vocabulary of the refused tactic alone
      c.malformed = true;
    }
    c.completion = c.proof;
    c.logprob = stats.logprob;
    if (stats.distributions > 0) c.entropy = stats.entropy / stats.distributions;
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<TacticChoice> BuiltinPolicy::propose(const StepState& state, int k, uint64_t seed) {
  if (k <= 0 || state.goals.empty()) return {};
  const GoalAnalysis analysis =
      builtin::analyse_goal(state.goals[0], static_cast<int>(state.goals.size()));
  std::vector<double> logits, logp;
  m_model->logits(features_of(analysis, state.previous_tactic), logits);
  builtin::log_softmax(logits, logp);
  // Library entries: offered with their arguments where the lemma matches, else never.
  std::map<int, std::string> offered;
  if (!m_library_entries.empty()) {
    offered = offers_for(builtin::goal_parts(state.goals[0]), state.task ? std::string_view(state.task->task_id) : "");
    mask_library(logits, offered);
  }

  std::vector<int> order(logits.size() - 1);
  std::iota(order.begin(), order.end(), 1);  // the tactics; STOP (action 0) is never proposed
  std::vector<double> key(logits.size(), 0.0);
  if (seed == 0) {
    key = logits;
  } else {
    builtin::SplitMix64 rng(seed);
    for (int a : order) key[static_cast<std::size_t>(a)] = logits[static_cast<std::size_t>(a)] / m_options.temperature + rng.gumbel();
  }
  auto by_key = [&](int a, int b) {
    const double ka = key[static_cast<std::size_t>(a)];
    const double kb = key[static_cast<std::size_t>(b)];
    return ka != kb ? ka > kb : a < b;
  };
  const std::size_t n = std::min(order.size(), static_cast<std::size_t>(k));
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n), order.end(), by_key);
  order.resize(n);
  while (!order.empty() && key[static_cast<std::size_t>(order.back())] == -std::numeric_limits<double>::infinity()) {
    order.pop_back();  // masked library entries sort last
  }
  if (seed != 0) {
    // The sampled set, most likely first.
    std::sort(order.begin(), order.end(), [&](int a, int b) {
      const double la = logp[static_cast<std::size_t>(a)];
      const double lb = logp[static_cast<std::size_t>(b)];
      return la != lb ? la > lb : a < b;
    });
  }
  std::vector<TacticChoice> out;
  out.reserve(n);
  const ActionTexts texts{m_vocabulary, offered};
  for (int a : order) out.push_back({texts[a - 1], logp[static_cast<std::size_t>(a)]});
  return out;
}

UpdateStats BuiltinPolicy::update(const std::vector<Experience>& batch) {
  UpdateStats stats;

  // (1) The vocabulary grows with the tactics of verified trajectories.
  for (const Experience& e : batch) {
    if (!e.verified) continue;
    for (const Decision& d : e.decisions) {
      std::string tactic = builtin::normalise_tactic(d.tactic);
      // A library action enters as its abstract form (`exact lib_x a b` -> `exact lib_x`).
      if (auto abstract = builtin::abstract_of_tactic(tactic)) tactic = *abstract;
      if (tactic.empty() || !m_vocabulary.add(tactic)) continue;
      m_model->add_action();
      ++stats.new_tactics;
    }
  }

  // (2) Verified trajectories enter the replay buffer (deduplicated, FIFO).
  if (m_options.replay_capacity > 0) {
    for (const Experience& e : batch) {
      if (!e.verified || e.decisions.empty()) continue;
      std::string key = replay_key(e.decisions);
      if (!m_replay_keys.insert(key).second) continue;
      m_replay.push_back(e.decisions);
      while (m_replay.size() > static_cast<std::size_t>(m_options.replay_capacity)) {
        m_replay_keys.erase(replay_key(m_replay.front()));
        m_replay.pop_front();
      }
    }
  }

  // Features of each (goal, previous tactic); goals are analysed once per update.
  std::map<std::string, GoalAnalysis> analyses;
  std::vector<std::unique_ptr<SparseVector>> vectors;  // stable addresses for the examples
  std::vector<builtin::Example> examples;
  auto add_example = [&](const Decision& d, double weight) -> bool {
    int action = kStop;
    const std::string tactic = builtin::normalise_tactic(d.tactic);
    if (!tactic.empty()) {
      auto index = action_of(tactic);
      if (!index) return false;  // a tactic the policy cannot choose (unverified, never added)
      action = 1 + *index;
    }
    auto it = analyses.find(d.goal);
    if (it == analyses.end()) {
      it = analyses.emplace(d.goal, builtin::analyse_goal(builtin::goal_text(d.goal))).first;
    }
    vectors.push_back(std::make_unique<SparseVector>(features_of(it->second, d.previous_tactic)));
    examples.push_back({vectors.back().get(), action, weight});
    return true;
  };

  // (3) GRPO: Σ A · log π(d) averaged over the decisions of experiences with A != 0.
  std::vector<std::pair<const Decision*, double>> pg;
  for (const Experience& e : batch) {
    if (e.advantage == 0 || !std::isfinite(e.advantage)) continue;
    for (const Decision& d : e.decisions) {
      const std::string tactic = builtin::normalise_tactic(d.tactic);
      if (!tactic.empty() && !action_of(tactic)) continue;
      pg.emplace_back(&d, e.advantage);
    }
  }
  for (const auto& [d, advantage] : pg) add_example(*d, advantage / static_cast<double>(pg.size()));
  stats.decisions = static_cast<int>(pg.size());

  // (4) Expert iteration: cross-entropy on up to replay_batch decisions drawn from the buffer
  // without replacement, by a generator seeded from (init_seed, update counter).
  if (m_options.replay_weight > 0 && m_options.replay_batch > 0 && !m_replay.empty()) {
    std::vector<const Decision*> pool;
    for (const auto& trajectory : m_replay) {
      for (const Decision& d : trajectory) pool.push_back(&d);
    }
    const std::size_t want = std::min(pool.size(), static_cast<std::size_t>(m_options.replay_batch));
    if (want < pool.size()) {
      builtin::SplitMix64 rng(builtin::derive_seed(m_options.init_seed ^ 0x7265706C6179ULL /* "replay" */, m_updates));
      for (std::size_t i = 0; i < want; ++i) {
        std::size_t j = i + static_cast<std::size_t>(rng.below(pool.size() - i));
        std::swap(pool[i], pool[j]);
      }
      pool.resize(want);
    }
    const double weight = m_options.replay_weight / static_cast<double>(pool.size());
    for (const Decision* d : pool) {
      if (add_example(*d, weight)) ++stats.replayed;
    }
  }

  // (5) One Adagrad step on the sum, with L2.
  if (!examples.empty()) {
    stats.loss = m_model->step(examples, m_options.learning_rate, m_options.l2);
  }
  ++m_updates;
  if (stats.new_tactics > 0) index_library();
  stats.vocabulary_size = m_vocabulary.size();
  refresh_version();
  return stats;
}

FitStats BuiltinPolicy::fit(const std::vector<Decision>& decisions, int steps) {
  FitStats stats;
  // The decisions the policy can choose, with their features (goals analysed once each).
  std::map<std::string, GoalAnalysis> analyses;
  std::vector<SparseVector> vectors;
  std::vector<int> actions;
  for (const Decision& d : decisions) {
    int action = kStop;
    const std::string tactic = builtin::normalise_tactic(d.tactic);
    if (!tactic.empty()) {
      auto index = action_of(tactic);
      if (!index) {
        ++stats.skipped;
        continue;
      }
      action = 1 + *index;
    }
    auto it = analyses.find(d.goal);
    if (it == analyses.end()) {
      it = analyses.emplace(d.goal, builtin::analyse_goal(builtin::goal_text(d.goal))).first;
    }
    vectors.push_back(features_of(it->second, d.previous_tactic));
    actions.push_back(action);
  }
  stats.pairs = static_cast<int>(vectors.size());
  if (vectors.empty()) return stats;
  auto mean_loss = [&] {
    double sum = 0;
    std::vector<double> logits, logp;
    for (std::size_t i = 0; i < vectors.size(); ++i) {
      m_model->logits(vectors[i], logits);
      builtin::log_softmax(logits, logp);
      sum -= logp[static_cast<std::size_t>(actions[i])];
    }
    return sum / static_cast<double>(vectors.size());
  };
  stats.loss_before = mean_loss();
  std::vector<builtin::Example> examples;
  const double weight = 1.0 / static_cast<double>(vectors.size());
  for (std::size_t i = 0; i < vectors.size(); ++i) examples.push_back({&vectors[i], actions[i], weight});
  for (int s = 0; s < steps; ++s) {
    m_model->step(examples, m_options.learning_rate, m_options.l2);
    ++stats.steps;
  }
  stats.loss_after = mean_loss();
  refresh_version();
  return stats;
}

std::string BuiltinPolicy::checkpoint() const {
  ByteWriter w;
  w.raw(kMagic);
  w.str(format_name(m_options.model));
  w.u32(kFormatVersion);
  w.str(kFeatureScheme);
  w.u32(static_cast<uint32_t>(m_options.feature_bits));
  w.u32(m_options.model == "mlp" ? static_cast<uint32_t>(m_options.hidden) : 0u);
  w.u64(m_options.init_seed);
  w.u64(m_updates);
  w.u32(static_cast<uint32_t>(m_vocabulary.size()));
  for (const std::string& t : m_vocabulary.tactics()) w.str(t);
  m_model->write(w);
  w.u32(static_cast<uint32_t>(m_replay.size()));
  for (const auto& trajectory : m_replay) {
    w.u32(static_cast<uint32_t>(trajectory.size()));
    for (const Decision& d : trajectory) {
      w.str(d.goal);
      w.str(d.previous_tactic);
      w.str(d.tactic);
    }
  }
  w.u32(static_cast<uint32_t>(m_library.size()));
  for (const LibraryLemma& lemma : m_library) {
    w.str(lemma.name);
    w.str(lemma.statement);
    w.u32(static_cast<uint32_t>(lemma.derived_from.size()));
    for (const std::string& id : lemma.derived_from) w.str(id);
  }
  w.raw(common::sha256_hex(w.bytes()));
  return w.take();
}

void BuiltinPolicy::restore(std::string_view bytes) {
  ByteReader in(bytes);
  if (bytes.size() < kMagic.size() || bytes.substr(0, kMagic.size()) != kMagic) {
    ByteReader::fail("not a builtin policy checkpoint (bad magic bytes)");
  }
  in.raw(kMagic.size(), "the magic bytes");
  const std::string format = in.str("the format name");
  const std::string expected = format_name(m_options.model);
  if (format != expected) {
    if (format == format_name("loglinear") || format == format_name("mlp")) {
      ByteReader::fail("format '" + format + "' but this policy is '" + expected +
                       "' (the model option must match the checkpoint)");
    }
    ByteReader::fail("unknown format '" + format + "' (expected '" + expected + "')");
  }
  const uint32_t version = in.u32("the format version");
  if (version != kFormatVersion && version != 1) {
    ByteReader::fail("format version " + std::to_string(version) + " of '" + format +
                     "' is not supported (this build reads versions 1 and " + std::to_string(kFormatVersion) + ")");
  }
  const std::string scheme = in.str("the feature scheme");
  if (scheme != kFeatureScheme) {
    ByteReader::fail("feature scheme '" + scheme + "' is not this build's '" + std::string(kFeatureScheme) + "'");
  }
  const uint32_t feature_bits = in.u32("the options");
  if (feature_bits != static_cast<uint32_t>(m_options.feature_bits)) {
    ByteReader::fail("feature_bits " + std::to_string(feature_bits) + " but this policy has " +
                     std::to_string(m_options.feature_bits) + " (the options must match the checkpoint)");
  }
  const uint32_t hidden = in.u32("the options");
  const uint32_t expected_hidden = m_options.model == "mlp" ? static_cast<uint32_t>(m_options.hidden) : 0u;
  if (hidden != expected_hidden) {
    ByteReader::fail("hidden " + std::to_string(hidden) + " but this policy has " +
                     std::to_string(expected_hidden) + " (the options must match the checkpoint)");
  }
  const uint64_t init_seed = in.u64("the options");
  const uint64_t updates = in.u64("the update counter");

  const uint32_t vocabulary_size = in.u32("the vocabulary");
  if (vocabulary_size == 0) ByteReader::fail("the vocabulary is empty");
  in.need_items(vocabulary_size, 4, "the vocabulary");
  builtin::Vocabulary vocabulary;
  for (uint32_t i = 0; i < vocabulary_size; ++i) {
    std::string tactic = in.str("the vocabulary");
    if (tactic.empty()) ByteReader::fail("the vocabulary holds an empty tactic");
    if (!vocabulary.add(tactic)) ByteReader::fail("the vocabulary lists '" + tactic + "' twice");
  }

  auto model = builtin::make_model(m_options.model, m_options.feature_bits, m_options.hidden, 1, init_seed);
  model->read(in, 1 + vocabulary.size());

  const uint32_t trajectories = in.u32("the replay buffer");
  in.need_items(trajectories, 4, "the replay buffer");
  std::deque<std::vector<Decision>> replay;
  std::set<std::string> keys;
  for (uint32_t i = 0; i < trajectories; ++i) {
    const uint32_t n = in.u32("the replay buffer");
    if (n == 0) ByteReader::fail("the replay buffer holds an empty trajectory");
    in.need_items(n, 12, "the replay buffer");
    std::vector<Decision> decisions(n);
    for (Decision& d : decisions) {
      d.goal = in.str("the replay buffer");
      d.previous_tactic = in.str("the replay buffer");
      d.tactic = in.str("the replay buffer");
    }
    if (!keys.insert(replay_key(decisions)).second) {
      ByteReader::fail("the replay buffer holds the same trajectory twice");
    }
    replay.push_back(std::move(decisions));
  }

  // Version 2: the library (version 1 had none).
  std::vector<LibraryLemma> library;
  std::vector<builtin::ParsedLemma> parsed;
  if (version >= 2) {
    const uint32_t lemmas = in.u32("the library");
    in.need_items(lemmas, 12, "the library");
    std::set<std::string> names;
    for (uint32_t i = 0; i < lemmas; ++i) {
      LibraryLemma lemma;
      lemma.name = in.str("the library");
      lemma.statement = in.str("the library");
      const uint32_t derived = in.u32("the library");
      in.need_items(derived, 4, "the library");
      for (uint32_t j = 0; j < derived; ++j) lemma.derived_from.push_back(in.str("the library"));
      auto p = builtin::parse_lemma(lemma.statement);
      if (!builtin::is_library_name(lemma.name) || !p || p->name != lemma.name) {
        ByteReader::fail("the library holds an unreadable lemma '" + lemma.name + "'");
      }
      if (!names.insert(lemma.name).second) ByteReader::fail("the library lists " + lemma.name + " twice");
      library.push_back(std::move(lemma));
      parsed.push_back(std::move(*p));
    }
  }

  const std::size_t body = in.position();
  if (in.remaining() < kChecksumSize) {
    ByteReader::fail("truncated (the bytes end inside the checksum)");
  }
  if (in.remaining() > kChecksumSize) {
    ByteReader::fail(std::to_string(in.remaining() - kChecksumSize) + " trailing bytes after the checksum");
  }
  if (in.raw(kChecksumSize, "the checksum") != common::sha256_hex(bytes.substr(0, body))) {
    ByteReader::fail("corrupt (the SHA-256 checksum does not match the bytes)");
  }

  m_vocabulary = std::move(vocabulary);
  m_model = std::move(model);
  m_replay = std::move(replay);
  m_replay_keys = std::move(keys);
  m_updates = updates;
  m_options.init_seed = init_seed;
  m_library = std::move(library);
  m_parsed = std::move(parsed);
  index_library();
  refresh_version();
}

}  // namespace policy
