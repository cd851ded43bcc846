#include "library/candidates.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "common/lean_lexer.hpp"
#include "common/text.hpp"
#include "library/goal.hpp"

namespace library {
namespace {

// Tactics that read the local context without naming what they use: a lemma lifted from a
// proof that runs one of them is stated over every hypothesis of its goal.
const std::set<std::string> kContextTactics = {
    "assumption", "assumption'", "omega", "simp_all", "linarith", "nlinarith", "aesop", "tauto",
    "contradiction", "trivial", "simpa", "exact?", "apply?", "grind", "subst_vars", "itauto"};

// A hypothesis that states a fact (its type is a relation, a connective or a constant
// proposition) rather than introducing a variable: what a context-reading tactic may use.
bool is_fact(const Hypothesis& h) {
  static const std::set<std::string> kFactTokens = {
      "=", "≠", "<", "≤", ">", "≥", "∧", "∨", "¬", "→", "↔", "∣", "∈", "∉", "⊆", "⊂", "∀", "∃",
      "True", "False", "≡", "==", "!="};
  for (const auto& token : common::lex(h.type)) {
    if (kFactTokens.count(std::string(token.text)) > 0) return true;
  }
  return false;
}

bool uses_context(std::string_view proof) {
  for (const auto& token : common::lex(proof)) {
    if (kContextTactics.count(std::string(token.text)) > 0) return true;
    if (token.text == "*" || token.text == "‹") return true;
  }
  return false;
}

struct Context {
  Statement statement;
  std::vector<std::string> args;
};

// The hypotheses of `goal` a lemma stating `type`, proved by `proof`, is stated over.
std::optional<Context> context_for(const Goal& goal, const std::string& type,
                                   std::string_view proof) {
  std::set<std::string> needed;
  bool everything = uses_context(proof);
  auto add_names = [&](std::string_view text) {
    for (auto& name : identifiers(text)) needed.insert(std::move(name));
  };
  add_names(type);
  add_names(proof);
  std::vector<bool> take(goal.hypotheses.size(), false);
  for (bool grew = true; grew;) {
    grew = false;
    for (std::size_t i = goal.hypotheses.size(); i-- > 0;) {
      const auto& h = goal.hypotheses[i];
      if (take[i] || !((everything && is_fact(h)) || needed.count(h.name) > 0)) continue;
      take[i] = true;
      grew = true;
      add_names(h.type);
    }
  }
  Context context;
  context.statement.type = collapse_space(type);
  std::vector<std::size_t> taken;
  for (std::size_t i = 0; i < goal.hypotheses.size(); ++i) {
    if (!take[i]) continue;
    if (!is_accessible(goal.hypotheses[i].name)) return std::nullopt;
    taken.push_back(i);
  }
  // The binders in a canonical order, so that one statement lifted where its variables were
  // introduced in another order is one lemma: by the first use of each in the type (those it
  // does not use after, in context order), a binder never before one its own type names.
  std::vector<std::string> in_type = identifiers(context.statement.type);
  auto rank = [&](std::size_t i) {
    auto at = std::find(in_type.begin(), in_type.end(), goal.hypotheses[i].name);
    return at != in_type.end() ? static_cast<std::size_t>(at - in_type.begin()) : in_type.size() + i;
  };
  std::set<std::string> placed;
  while (!taken.empty()) {
    std::optional<std::size_t> best;
    for (std::size_t k = 0; k < taken.size(); ++k) {
      const auto& h = goal.hypotheses[taken[k]];
      bool ready = true;
      for (const auto& name : identifiers(h.type)) {
        for (std::size_t j : taken) {
          if (j != taken[k] && goal.hypotheses[j].name == name && placed.count(name) == 0) ready = false;
        }
      }
      if (ready && (!best || rank(taken[k]) < rank(taken[*best]))) best = k;
    }
    if (!best) best = 0;  // a cycle cannot come from a context; keep Lean's order
    const auto& h = goal.hypotheses[taken[*best]];
    context.statement.binders.push_back({h.name, h.type});
    context.args.push_back(h.name);
    placed.insert(h.name);
    taken.erase(taken.begin() + static_cast<std::ptrdiff_t>(*best));
  }
  return context;
}

// The lines of a tactic range as the body of `by`: its first line (at `column` in the text)
// and the others with `column` spaces of their indentation replaced by two.
std::string as_tactic_block(std::string_view text, int64_t column) {
  std::string out = "by\n  ";
  bool first = true;
  while (true) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (!first) {
      int64_t strip = 0;
      while (strip < column && strip < static_cast<int64_t>(line.size()) && line[strip] == ' ') {
        ++strip;
      }
      line.remove_prefix(strip);
      out += "\n  ";
    }
    out += line;
    first = false;
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return std::string(common::trim_end(out));
}

struct HaveParts {
  std::string type;
  std::size_t proof_begin = 0;  // offset in the tactic text, after `:=`
};

// `have NAME : T := PROOF` or `have : T := PROOF`; nothing for other forms (binders, patterns).
std::optional<HaveParts> read_have(std::string_view tactic) {
  auto tokens = common::lex(tactic);
  if (tokens.size() < 4 || tokens[0].text != "have") return std::nullopt;
  std::size_t i = 1;
  if (tokens[i].kind == common::TokenKind::identifier) ++i;
  if (i >= tokens.size() || tokens[i].text != ":") return std::nullopt;
  std::size_t type_begin = tokens[i].offset + 1;
  int depth = 0;
  for (++i; i < tokens.size(); ++i) {
    std::string_view t = tokens[i].text;
    if (t == "(" || t == "[" || t == "{" || t == "⟨") ++depth;
    if (t == ")" || t == "]" || t == "}" || t == "⟩") --depth;
    if (depth == 0 && t == ":=") {
      HaveParts parts;
      parts.type = collapse_space(tactic.substr(type_begin, tokens[i].offset - type_begin));
      parts.proof_begin = tokens[i].offset + 2;
      if (parts.type.empty()) return std::nullopt;
      return parts;
    }
  }
  return std::nullopt;
}

// A have's proof `by` + newline + an indented block, as as_tactic_block writes a block: the
// same text as the lemma lifted from the block's steps as a sub-proof, which is then one version
// with the have's. Any other proof as it is.
std::string as_block_proof(const std::string& body) {
  std::string_view rest(body);
  if (!rest.starts_with("by")) return body;
  rest.remove_prefix(2);
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
  if (rest.empty() || rest.front() != '\n') return body;
  rest.remove_prefix(1);
  int64_t column = 0;
  while (!rest.empty() && rest.front() == ' ') {
    rest.remove_prefix(1);
    ++column;
  }
  if (rest.empty() || rest.front() == '\n') return body;
  return as_tactic_block(rest, column);
}

struct Found {
  Lemma lemma;
  Occurrence occurrence;
};

Lemma make_lemma(const ProofTrace& proof, Context context, std::string lemma_proof,
                 const std::string& origin, int64_t step) {
  Lemma lemma;
  lemma.header = proof.header;
  lemma.statement = std::move(context.statement);
  lemma.key = canonical_key(lemma.header, lemma.statement);
  lemma.name = lemma_name(lemma.key);
  lemma.proof = std::move(lemma_proof);
  lemma.origin = origin;
  lemma.sources.push_back({proof.key, proof.task_id, origin, step});
  lemma.derived_from.push_back(proof.task_id);
  return lemma;
}

std::optional<Found> have_occurrence(const ProofTrace& proof, std::size_t index,
                                     const std::string& text, const Step& step) {
  if (!step.is_have || step.goals_before.empty()) return std::nullopt;
  auto parts = read_have(step.tactic);
  auto goal = parse_goal(step.goals_before.front());
  if (!parts || !goal) return std::nullopt;
  std::string body(common::trim(std::string_view(step.tactic).substr(parts->proof_begin)));
  if (body.empty()) return std::nullopt;
  body = as_block_proof(body);
  auto context = context_for(*goal, parts->type, body);
  if (!context) return std::nullopt;
  std::size_t begin = byte_offset(text, step.line, step.column);
  std::size_t end = byte_offset(text, step.end_line, step.end_column);
  if (end <= begin || begin < proof.proof_offset()) return std::nullopt;
  Found found;
  found.occurrence = {index, begin + parts->proof_begin, end, context->args, true, "have",
                      step.index};
  found.lemma = make_lemma(proof, std::move(*context), body, "have", step.index);
  return found;
}

std::vector<const Step*> siblings_from(const ProofTrace& proof, const Step& first) {
  std::vector<const Step*> out;
  for (const auto& s : proof.steps) {
    if (s.parent == first.parent && s.index >= first.index) out.push_back(&s);
  }
  std::sort(out.begin(), out.end(), [](const Step* a, const Step* b) { return a->index < b->index; });
  return out;
}

std::optional<Found> subproof_occurrence(const ProofTrace& proof, std::size_t index,
                                         const std::string& text, const Step& first,
                                         const CandidateOptions& options) {
  if (first.goals_before.empty()) return std::nullopt;
  std::vector<std::string> rest(first.goals_before.begin() + 1, first.goals_before.end());
  auto siblings = siblings_from(proof, first);
  std::size_t last = siblings.size();
  for (std::size_t m = 0; m < siblings.size(); ++m) {
    const auto& after = siblings[m]->goals_after;
    if (after == rest) {
      last = m;
      break;
    }
    if (after.size() < rest.size()) return std::nullopt;
  }
  if (last == siblings.size()) return std::nullopt;
  bool whole = first.parent == -1 && rest.empty() && siblings.size() == last + 1 &&
               first.index == proof.steps.front().index;
  if (!whole && static_cast<int>(last + 1) < options.min_subproof_steps) return std::nullopt;
  if (whole ? !options.tasks : !options.subproofs) return std::nullopt;
  auto goal = parse_goal(first.goals_before.front());
  if (!goal) return std::nullopt;
  std::size_t begin = byte_offset(text, first.line, first.column);
  std::size_t end = byte_offset(text, siblings[last]->end_line, siblings[last]->end_column);
  if (end <= begin || begin < proof.proof_offset()) return std::nullopt;
  std::string tactics = as_tactic_block(std::string_view(text).substr(begin, end - begin), first.column);
  auto context = context_for(*goal, goal->target, tactics);
  if (!context) return std::nullopt;
  std::string origin = whole ? "task" : "subproof";
  Found found;
  found.occurrence = {index, begin, end, context->args, false, origin, first.index};
  found.lemma = make_lemma(proof, std::move(*context), tactics, origin, first.index);
  return found;
}

// A candidate while its occurrences are collected: its versions in the order found, each with
// the sources of its own occurrences, found again by their declaration text.
struct Collecting {
  Candidate candidate;
  std::unordered_map<std::string, std::size_t> version_of;  // declaration text -> version
  std::vector<std::size_t> text_size;                       // of each version's declaration
};

void add_found(std::vector<Collecting>& out, std::map<std::string, std::size_t>& by_key,
               Found found) {
  auto [it, fresh] = by_key.emplace(found.lemma.key, out.size());
  if (fresh) {
    Collecting c;
    c.candidate.key = found.lemma.key;
    c.candidate.origin = found.lemma.origin;
    out.push_back(std::move(c));
  }
  Collecting& c = out[it->second];
  c.candidate.occurrences.push_back(found.occurrence);
  std::string text = declaration_text(found.lemma);
  auto [version, added] = c.version_of.emplace(std::move(text), c.candidate.versions.size());
  if (!added) {
    c.candidate.versions[version->second].sources.push_back(found.lemma.sources.front());
    return;
  }
  c.text_size.push_back(version->first.size());
  c.candidate.versions.push_back(std::move(found.lemma));
}

// The smallest versions (at most `max_versions`, smallest first, ties in the order found),
// each listing every source and task of its candidate: they are one statement. Sources in the
// order of the versions found, each version's in the order of its occurrences.
Candidate settle(Collecting&& c, std::size_t max_versions) {
  std::vector<Source> sources;
  std::vector<std::string> tasks;
  std::unordered_set<std::string> seen;
  for (const auto& v : c.candidate.versions) {
    for (const auto& s : v.sources) {
      sources.push_back(s);
      if (seen.insert(s.task_id).second) tasks.push_back(s.task_id);
    }
  }
  std::vector<std::size_t> order(c.candidate.versions.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return c.text_size[a] < c.text_size[b]; });
  if (order.size() > max_versions) order.resize(max_versions);
  Candidate out;
  out.key = std::move(c.candidate.key);
  out.origin = std::move(c.candidate.origin);
  out.occurrences = std::move(c.candidate.occurrences);
  for (std::size_t i : order) {
    Lemma v = std::move(c.candidate.versions[i]);
    v.sources = sources;
    v.derived_from = tasks;
    out.versions.push_back(std::move(v));
  }
  return out;
}

}  // namespace

std::size_t byte_offset(std::string_view text, int64_t line, int64_t column) {
  std::size_t offset = 0;
  for (int64_t l = 1; l < line; ++l) {
    auto nl = text.find('\n', offset);
    if (nl == std::string_view::npos) return text.size();
    offset = nl + 1;
  }
  for (int64_t c = 0; c < column && offset < text.size() && text[offset] != '\n'; ++c) {
    offset += common::decode_utf8(text, offset).length;
  }
  return std::min(offset, text.size());
}

std::vector<Candidate> find_candidates(const std::vector<ProofTrace>& proofs,
                                       const CandidateOptions& options) {
  std::vector<Collecting> out;
  std::map<std::string, std::size_t> by_key;
  for (std::size_t p = 0; p < proofs.size(); ++p) {
    const ProofTrace& proof = proofs[p];
    std::string text = proof.checked_text();
    for (const Step& step : proof.steps) {
      if (options.haves) {
        if (auto found = have_occurrence(proof, p, text, step)) add_found(out, by_key, std::move(*found));
      }
      if (auto found = subproof_occurrence(proof, p, text, step, options)) {
        add_found(out, by_key, std::move(*found));
      }
    }
  }
  std::vector<Candidate> kept;
  for (auto& c : out) {
    std::set<std::size_t> in_proofs;
    for (const auto& o : c.candidate.occurrences) in_proofs.insert(o.proof);
    if (c.candidate.origin == "subproof" &&
        static_cast<int>(in_proofs.size()) < options.min_subproof_proofs) {
      continue;
    }
    kept.push_back(settle(std::move(c), options.max_versions));
  }
  return kept;
}

}  // namespace library
