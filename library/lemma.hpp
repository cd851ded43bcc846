#pragma once
// A lemma of the library: a theorem stated over the hypotheses it needs, with its proof, the
// header it is checked under and where it came from (docs/library.md).
//
// Contract:
// - A lemma is named `lib_` + the first 12 hex digits of its canonical key: the SHA-256 of its
//   header, its binder types and its type with the binder names replaced by their positions
//   (`canonical_key`), so the same statement lifted from two proofs with other names is one
//   lemma, and a renamed binder never changes the name.
// - statement_text() is `theorem NAME BINDERS : TYPE`; declaration_text() adds ` := PROOF`.
// - The digest ("lemma-v1:HEX") is over the header, the statement text and the proof: the
//   content address the store keeps a lemma under.
// - library_version() of an ordered list of lemmas is "library-v1:HEX" over their digests in
//   order; "" for no lemma.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace library {

struct Binder {
  std::string name;
  std::string type;
};

struct Statement {
  std::vector<Binder> binders;  // explicit, in the order the lemma takes its arguments
  std::string type;
};

// One proof a lemma was found in.
struct Source {
  std::string proof_key;  // "RUN-UUID:LINE" of the verified attempt
  std::string task_id;
  std::string origin;     // "have", "subproof", "task", "remote"
  int64_t step = -1;      // the trace step it was lifted from, -1 for none
};

struct Lemma {
  std::string name;
  std::string key;     // canonical_key()
  std::string header;  // the task header it is checked under
  Statement statement;
  std::string proof;   // the text after `:=` ("by\n  simp", or a term)
  std::string origin;  // of its first source
  std::vector<Source> sources;
  std::vector<std::string> derived_from;  // distinct task ids of the sources, first seen first
};

std::string canonical_key(std::string_view header, const Statement& statement);
std::string lemma_name(std::string_view key);
std::string binders_text(const Statement& statement);
std::string statement_text(const Lemma& lemma);
std::string declaration_text(const Lemma& lemma);
std::string lemma_digest(const Lemma& lemma);
std::string library_version(const std::vector<Lemma>& lemmas);
// The inverse of statement_text: `theorem NAME (a b : T) (h : P) : TYPE` into its name and
// Statement (a group `(a b : T)` gives one binder per name). Nothing when the text is not of
// that form (other binder brackets included: library lemmas have explicit binders only).
struct ParsedStatement {
  std::string name;
  Statement statement;
};
std::optional<ParsedStatement> parse_statement(std::string_view text);

// The application of a lemma to the given arguments: "NAME a b" (an argument with a space is
// parenthesised).
std::string application(std::string_view name, const std::vector<std::string>& args);

}  // namespace library
