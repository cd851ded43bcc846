#pragma once
// The values the store takes in and hands back for the lemma library (issue 15): lemmas with
// their sources, library versions with their members, and the rewrites that measured them.
// Digests, version strings and the description lengths are computed by the caller; the store
// checks their shape (schema.sql, migration 8) and keeps them.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace store {

// An attempts row of this store: (run_id, line).
struct AttemptKey {
  int64_t run_id = 0;
  int64_t line = 0;

  bool operator==(const AttemptKey&) const = default;
};

// One proof a lemma came from.
struct LemmaSourceRecord {
  std::string task_id{};
  std::string proof_key{};  // "RUN-UUID:LINE" of the verified attempt (as `harness traces` names it)
  // The attempts row proof_key names, while it is in this store: filled by the store on read
  // (linked from proof_key when the source is written or merged; absent once the attempt is
  // pruned, or when proof_key names no attempt here); ignored on write.
  std::optional<AttemptKey> attempt{};
  std::string origin{};  // "have", "subproof", "task" or "remote"
  int64_t step = -1;     // the trace step it was lifted from, -1 for none

  bool operator==(const LemmaSourceRecord&) const = default;
};

struct LemmaRecord {
  std::string digest{};     // "lemma-v1:<64 hex>" over (header, statement, proof): the key
  std::string name{};       // lib_<12 hex>
  std::string header{};     // the task header it is verified under
  std::string statement{};  // "theorem NAME BINDERS : TYPE"
  std::string proof{};      // the text after ":="
  std::string origin{};     // of its first source
  std::string verdict_key{};      // the verification cache key of its standalone check
  int64_t description_bytes = 0;  // C(statement + proof)
  // In the order they were recorded; a source already stored (same proof_key, origin and
  // step) is not repeated.
  std::vector<LemmaSourceRecord> sources{};
  // The distinct task ids it is derived from, sorted: on write, those given here together with
  // the sources' tasks; on read, every one recorded for the lemma.
  std::vector<std::string> derived_from{};
  std::string created_at{};  // filled by the store on read (its first recording); ignored on write

  bool operator==(const LemmaRecord&) const = default;
};

// A lemma kept in one library version.
struct LibraryMemberRecord {
  std::string lemma_digest{};
  int64_t position = 0;           // order in the library text, from 0
  int64_t gain = 0;               // bytes, as selected
  int64_t uses = 0;               // verified rewrites counted in the gain
  double mutual_information = 0;  // C(rest) - C(rest | statement), bytes

  bool operator==(const LibraryMemberRecord&) const = default;
};

// One proof rewritten to use a lemma, checked by Lean.
struct RewriteRecord {
  std::string lemma_digest{};
  std::string proof_key{};
  std::string task_id{};
  std::string before_text{}, after_text{};
  std::string verdict{};  // Lean's verdict of the rewritten proof
  int64_t c_before = 0, c_after = 0;
  bool counted = false;  // verified and counted in the lemma's gain (only with verdict "pass")

  bool operator==(const RewriteRecord&) const = default;
};

struct LibraryVersionRecord {
  std::string version{};  // "library-v1:<64 hex>"
  std::string parent{};   // the version it grew from, "" for the first
  std::optional<int64_t> run_id{};  // the run that grew it (a `library grow` run or a search run)
  std::string created_at{};         // filled by the store when empty (UTC ISO-8601)
  std::string params_json = "{}";   // selection parameters (order, caps, zstd level...)
  int64_t proofs_bytes = 0;         // total description length of the proofs after rewriting
  int64_t library_bytes = 0;        // of the library
  int64_t rewrite_checks = 0;       // Lean checks spent on rewrites
  int64_t candidates = 0;           // candidates considered
  std::vector<LibraryMemberRecord> members{};  // in position order on read

  bool operator==(const LibraryVersionRecord&) const = default;
};

}  // namespace store
