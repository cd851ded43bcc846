#include "library/selection.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>

namespace library {
namespace {

struct Replacement {
  std::size_t begin, end;
  std::string text;
};

bool overlaps(const Replacement& a, std::size_t begin, std::size_t end) {
  return begin < a.end && a.begin < end;
}

std::string replacement_text(const Occurrence& o, const std::string& name) {
  std::string use = application(name, o.args);
  return o.term ? " " + use : "exact " + use;
}

// The proofs as the selection rewrites them: each one's checked text and the replacements
// kept so far (in the original text's offsets, never overlapping).
class ProofSet {
 public:
  ProofSet(const std::vector<ProofTrace>& proofs, Sizer& sizer) : m_proofs(proofs), m_sizer(sizer) {
    m_texts.reserve(proofs.size());
    for (const auto& p : proofs) m_texts.push_back(p.checked_text());
    m_kept.resize(proofs.size());
    m_size.resize(proofs.size());
    m_changed.resize(proofs.size(), 0);
    for (std::size_t p = 0; p < proofs.size(); ++p) m_size[p] = m_sizer.proof_size(p, proofs[p].proof);
  }

  // The occurrences of `c` usable in each proof now: none overlapping a kept replacement or
  // each other (first come first served).
  std::map<std::size_t, std::vector<Replacement>> usable(const Candidate& c, const std::string& name) const {
    std::map<std::size_t, std::vector<Replacement>> out;
    for (const auto& o : c.occurrences) {
      auto& chosen = out[o.proof];
      bool clash = false;
      for (const auto& r : m_kept[o.proof]) clash = clash || overlaps(r, o.begin, o.end);
      for (const auto& r : chosen) clash = clash || overlaps(r, o.begin, o.end);
      if (!clash) chosen.push_back({o.begin, o.end, replacement_text(o, name)});
    }
    for (auto it = out.begin(); it != out.end();) it = it->second.empty() ? out.erase(it) : std::next(it);
    return out;
  }

  // Proof p's stored text with its kept replacements and `extra`.
  std::string render(std::size_t p, const std::vector<Replacement>& extra = {}) const {
    std::vector<Replacement> all = m_kept[p];
    all.insert(all.end(), extra.begin(), extra.end());
    std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.begin > b.begin; });
    std::string text = m_texts[p];
    for (const auto& r : all) text.replace(r.begin, r.end - r.begin, r.text);
    return text.substr(m_proofs[p].proof_offset());
  }

  int64_t size(std::size_t p) const { return m_size[p]; }
  int64_t measure(std::size_t p, const std::string& proof_text) { return m_sizer.proof_size(p, proof_text); }
  void keep(std::size_t p, const std::vector<Replacement>& replacements, int64_t new_size) {
    m_kept[p].insert(m_kept[p].end(), replacements.begin(), replacements.end());
    m_size[p] = new_size;
    m_changed[p] = ++m_clock;
  }
  // A clock that ticks with every proof rewritten, and when proof p last was.
  uint64_t clock() const { return m_clock; }
  uint64_t changed(std::size_t p) const { return m_changed[p]; }
  int64_t total() const {
    int64_t t = 0;
    for (auto s : m_size) t += s;
    return t;
  }
  std::size_t count() const { return m_proofs.size(); }

 private:
  const std::vector<ProofTrace>& m_proofs;
  Sizer& m_sizer;
  std::vector<std::string> m_texts;
  std::vector<std::vector<Replacement>> m_kept;
  std::vector<int64_t> m_size;
  std::vector<uint64_t> m_changed;
  uint64_t m_clock = 0;
};

class Selector {
 public:
  Selector(const std::vector<ProofTrace>& proofs, const std::vector<Lemma>& existing, Sizer& sizer,
           LemmaChecker& checker, const SelectionOptions& options)
      : m_set(proofs, sizer), m_existing(existing), m_sizer(sizer), m_checker(checker), m_options(options) {
    for (const auto& l : existing) m_library.push_back(l);
    for (const auto& l : existing) m_existing_keys[l.key] = l.name;
  }

  Selection run(const std::vector<Candidate>& candidates) {
    m_out.proofs_bytes_before = m_set.total();
    // (estimate, candidate): a max-heap, the highest estimate first, the earlier candidate
    // first among equal estimates (a total order, so the same candidate comes out as from a
    // sorted queue).
    std::vector<std::pair<int64_t, std::size_t>> queue;
    m_estimates.assign(candidates.size(), {});
    for (std::size_t i = 0; i < candidates.size(); ++i) queue.emplace_back(estimate(candidates, i), i);
    auto by_estimate = [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first < b.first : a.second > b.second;
    };
    std::make_heap(queue.begin(), queue.end(), by_estimate);
    while (!queue.empty()) {
      std::pop_heap(queue.begin(), queue.end(), by_estimate);
      auto [old, i] = queue.back();
      queue.pop_back();
      int64_t now = estimate(candidates, i);
      if (now != old && !queue.empty() && now < queue.front().first) {
        queue.emplace_back(now, i);
        std::push_heap(queue.begin(), queue.end(), by_estimate);
        continue;
      }
      decide(candidates[i], now);
    }
    finish();
    return std::move(m_out);
  }

 private:
  const std::string* existing_name(const Candidate& c) const {
    auto it = m_existing_keys.find(c.key);
    return it == m_existing_keys.end() ? nullptr : &it->second;
  }

  std::string name_of(const Candidate& c) const {
    const std::string* e = existing_name(c);
    return e ? *e : c.versions.front().name;
  }

  // A candidate's estimate depends only on the proofs it occurs in: computed again only when
  // one of them was rewritten since.
  int64_t estimate(const std::vector<Candidate>& candidates, std::size_t i) {
    const Candidate& c = candidates[i];
    Estimate& cached = m_estimates[i];
    if (cached.known) {
      bool unchanged = true;
      for (const auto& o : c.occurrences) unchanged = unchanged && m_set.changed(o.proof) <= cached.clock;
      if (unchanged) return cached.value;
    }
    cached = {true, estimate(c), m_set.clock()};
    return cached.value;
  }

  // Over the first `limit` proofs it is usable in (all by default).
  int64_t estimate(const Candidate& c, std::size_t limit = SIZE_MAX) {
    int64_t saved = 0;
    std::size_t n = 0;
    for (const auto& [p, reps] : m_set.usable(c, name_of(c))) {
      if (n++ == limit) break;
      saved += m_set.size(p) - m_set.measure(p, m_set.render(p, reps));
    }
    int64_t cost = existing_name(c) ? 0 : m_sizer.lemma_size(c.versions.front());
    return saved - cost;
  }

  void reject(const Candidate& c, int64_t estimate, std::string reason,
              std::optional<int64_t> gain = std::nullopt) {
    m_out.rejected.push_back({c.key, name_of(c), c.origin, std::move(reason), estimate, gain});
  }

  // Its versions one at a time, smallest first (at most three), until Lean passes one.
  std::optional<Lemma> verified_version(const Candidate& c) {
    for (std::size_t i = 0; i < c.versions.size() && i < 3; ++i) {
      if (m_out.lemma_checks >= m_options.max_lemma_checks) return std::nullopt;
      ++m_out.lemma_checks;
      auto passed = m_checker.check_lemmas({c.versions[i]}, m_library);
      if (!passed.empty() && passed.front()) return c.versions[i];
    }
    return std::nullopt;
  }

  void decide(const Candidate& c, int64_t estimate) {
    if (m_out.budget_reached) return reject(c, estimate, "rewrite budget reached");
    if (estimate <= 0) return reject(c, estimate, "estimated gain <= 0");
    // The rewrite checks left may not cover every use: then only the first uses (in proof
    // order) are checked and counted, and this is the last candidate the budget allows.
    const auto remaining = static_cast<std::size_t>(m_options.max_rewrite_checks - m_out.rewrite_checks);
    std::size_t use_count = m_set.usable(c, name_of(c)).size();
    if (use_count > remaining) {
      m_out.budget_reached = true;
      if (remaining == 0 || this->estimate(c, remaining) <= 0) {
        return reject(c, estimate, "rewrite budget reached");
      }
    }
    const std::string* existing = existing_name(c);
    std::optional<Lemma> lemma;
    if (!existing) {
      if (m_out.lemma_checks >= m_options.max_lemma_checks) return reject(c, estimate, "lemma check budget reached");
      lemma = verified_version(c);
      if (!lemma) return reject(c, estimate, "does not verify");
    }
    std::string name = existing ? *existing : lemma->name;
    auto uses = m_set.usable(c, name);
    std::vector<RewriteCheck> checks;
    std::vector<std::size_t> proofs;
    for (const auto& [p, reps] : uses) {
      if (checks.size() == remaining) break;
      checks.push_back({p, m_set.render(p, reps)});
      proofs.push_back(p);
    }
    std::vector<Lemma> layer = m_library;
    if (lemma) layer.push_back(*lemma);
    m_out.rewrite_checks += static_cast<int64_t>(checks.size());
    auto verdicts = m_checker.check_rewrites(checks, layer);
    int64_t saved = 0, counted = 0;
    std::vector<RewriteOutcome> outcomes;
    for (std::size_t k = 0; k < checks.size(); ++k) {
      std::size_t p = proofs[k];
      RewriteOutcome r{name, c.key, p, m_set.render(p), checks[k].proof_text,
                       k < verdicts.size() ? verdicts[k] : "error", m_set.size(p),
                       m_set.measure(p, checks[k].proof_text), false};
      r.counted = r.verdict == "pass";
      if (r.counted) {
        saved += r.c_before - r.c_after;
        ++counted;
      }
      outcomes.push_back(std::move(r));
    }
    int64_t cost = lemma ? m_sizer.lemma_size(*lemma) : 0;
    int64_t gain = saved - cost;
    bool keep = gain > 0 && counted > 0;
    for (auto& r : outcomes) {
      r.counted = r.counted && keep;
      m_out.rewrites.push_back(r);
    }
    if (!keep) return reject(c, estimate, "gain <= 0 over the rewrites Lean passed", gain);
    for (std::size_t k = 0; k < checks.size(); ++k) {
      if (verdicts.size() > k && verdicts[k] == "pass") {
        m_set.keep(proofs[k], uses[proofs[k]], m_set.measure(proofs[k], checks[k].proof_text));
      }
    }
    if (lemma) {
      m_library.push_back(*lemma);
      m_out.kept.push_back({*lemma, gain, counted, cost, 0});
    } else {
      for (auto& k : m_out.kept) {
        if (k.lemma.key == c.key) {
          k.gain += gain;
          k.uses += counted;
        }
      }
    }
  }

  void finish() {
    m_out.proofs_bytes_after = m_set.total();
    for (std::size_t p = 0; p < m_set.count(); ++p) m_out.proofs.push_back(m_set.render(p));
    int64_t library_bytes = 0;
    for (const auto& l : m_library) library_bytes += m_sizer.lemma_size(l);
    m_out.library_bytes = library_bytes;
    for (auto& k : m_out.kept) {
      std::string rest;
      for (const auto& l : m_library) {
        if (l.key == k.lemma.key) continue;
        rest += declaration_text(l) + "\n\n";
      }
      k.mutual_information = rest.empty() ? 0.0 : m_sizer.shared_information(statement_text(k.lemma), rest);
    }
  }

  ProofSet m_set;
  const std::vector<Lemma>& m_existing;
  Sizer& m_sizer;
  LemmaChecker& m_checker;
  SelectionOptions m_options;
  std::vector<Lemma> m_library;
  std::map<std::string, std::string> m_existing_keys;
  Selection m_out;
  struct Estimate {
    bool known = false;
    int64_t value = 0;
    uint64_t clock = 0;  // the proof set's clock when it was computed
  };
  std::vector<Estimate> m_estimates;  // by candidate
};

}  // namespace

Selection select_lemmas(const std::vector<ProofTrace>& proofs,
                        const std::vector<Candidate>& candidates,
                        const std::vector<Lemma>& existing, Sizer& sizer, LemmaChecker& checker,
                        const SelectionOptions& options) {
  return Selector(proofs, existing, sizer, checker, options).run(candidates);
}

}  // namespace library
