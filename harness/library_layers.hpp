#pragma once
// The lemma library as the verification engine uses it (issue 15; docs/lean-assumptions.md,
// A29): the kept lemmas grouped by the task header they were verified under, each group one
// library layer (lean_bridge::LibraryLayer) that a worker elaborates once on top of that
// header's env, and the lemmas each task may not use because they came from its own proofs.
//
// Contract:
// - A lemma is `theorem lib_<12 hex> BINDERS : TYPE := PROOF`; its statement is the text before
//   ` := `. The layer text of a header is its lemmas' declarations in library order, each
//   followed by a blank line. Only a header's own lemmas are in its layer.
// - version() is "library-v1:<64 hex>": common::TaggedHash("library-v1") over the lemmas'
//   digests in order (library_version); "" for a library of no lemmas. A layer's version is the
//   same function over its own lemmas' digests, so it changes exactly when its text or header
//   does, and the checks of other headers keep their cache keys when a header's lemmas change.
// - A lemma's digest is the store's (`lemma-v1:<64 hex>` over header, statement and proof,
//   lemma_digest) unless its entry gives one.
// - Immutable once built: any thread may read it.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/assembly.hpp"
#include "lean-bridge/check.hpp"
#include "tasks/candidate.hpp"

namespace harness {

struct LibraryLemma {
  std::string name;       // lib_<12 lowercase hex>
  std::string header;     // the task header it was verified under (tasks::Task::header)
  std::string statement;  // "theorem NAME BINDERS : TYPE"
  std::string proof;      // the text after ":="
  std::vector<std::string> derived_from;  // ids of the tasks whose proofs it came from
  std::string digest;  // "lemma-v1:..."; "" computes lemma_digest(header, statement, proof)
};

// "lemma-v1:<64 hex>": common::TaggedHash("lemma-v1") over header, statement and proof.
std::string lemma_digest(std::string_view header, std::string_view statement,
                         std::string_view proof);
// "library-v1:<64 hex>" over the digests in order; "" for none.
std::string library_version(const std::vector<std::string>& digests);
// "STATEMENT := PROOF" followed by a blank line, as the layer text holds it.
std::string lemma_declaration(const LibraryLemma& lemma);

class LibraryLayers {
 public:
  explicit LibraryLayers(std::vector<LibraryLemma> lemmas);

  const std::string& version() const { return m_version; }
  const std::vector<LibraryLemma>& lemmas() const { return m_lemmas; }
  // The layer of tasks with this header: none (empty version) when the library has no lemma
  // of that header.
  lean_bridge::LibraryLayer layer(const std::string& task_header) const;
  // The names of the lemmas derived from this task, sorted.
  const std::vector<std::string>& forbidden(const std::string& task_id) const;
  // The first lemma derived from `task_id` that `text` names: an identifier token (comments
  // and strings do not count) one of whose `.`-components is the lemma's name.
  std::optional<std::string> names_forbidden(const std::string& task_id,
                                             std::string_view text) const;

 private:
  std::vector<LibraryLemma> m_lemmas;
  std::string m_version;
  std::map<std::string, lean_bridge::LibraryLayer> m_layers;    // by task header
  std::map<std::string, std::vector<std::string>> m_forbidden;  // by task id
};

// What the library changes in an assembled candidate (Pipeline::prepare): a candidate whose
// text names a lemma derived from its own task is decided here (`rejected` by the guard,
// "library: NAME is derived from this task"), unless already decided; a candidate checked in
// its task's header gets that header's layer.
void apply_library(const LibraryLayers& library, const tasks::Candidate& candidate,
                   Assembly& assembly);

}  // namespace harness
