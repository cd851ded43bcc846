#pragma once
// The lemma library as the verification engine uses it (issue 15; docs/lean-assumptions.md,
// A29): the kept lemmas grouped by the task header they were verified under, each group one
// library layer (lean_bridge::LibraryLayer) that a worker elaborates once on top of that
// header's env, and the lemmas each task may not use because they came from its own proofs.
//
// Contract:
// - A lemma is `theorem lib_<12 hex> BINDERS : TYPE := PROOF` (library::declaration_text); its
//   statement is the text before the first `:=` outside brackets. The layer text of a header is
//   its lemmas' declarations in library order, each followed by a blank line. Only a header's
//   own lemmas are in its layer.
// - version() is "library-v1:<64 hex>": common::TaggedHash("library-v1") over the lemmas'
//   digests in order (library_version); "" for a library of no lemmas. A layer's version is the
//   same function over its own lemmas' digests, so it changes exactly when its text or header
//   does, and the checks of other headers keep their cache keys when a header's lemmas change.
// - A lemma's digest is library::lemma_digest's (`lemma-v1:<64 hex>` over header, statement and
//   proof: lemma_digest over split_declaration) unless its entry gives one (a statement whose
//   type holds a `:=` outside brackets, a `let`, must give it).
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

struct LibraryEntry {
  std::string name;         // lib_<12 lowercase hex>
  std::string header;       // the task header it was verified under (tasks::Task::header)
  std::string declaration;  // "theorem NAME BINDERS : TYPE := PROOF"
  std::vector<std::string> derived_from;  // ids of the tasks whose proofs it came from
  std::string digest = "";                // "lemma-v1:..."; "" computes it from the declaration
};

// "lemma-v1:<64 hex>": common::TaggedHash("lemma-v1") over header, statement and proof, as
// library::lemma_digest.
std::string lemma_digest(std::string_view header, std::string_view statement,
                         std::string_view proof);
// A declaration's statement and proof as library::declaration_text joins them: the text before
// the first `:=` outside brackets (without the space before it), and the text after it
// (without one space after it). Nothing when it holds no such `:=`.
struct SplitDeclaration {
  std::string statement;
  std::string proof;
};
std::optional<SplitDeclaration> split_declaration(std::string_view declaration);
// "library-v1:<64 hex>" over the digests in order; "" for none.
std::string library_version(const std::vector<std::string>& digests);

class LibraryLayers {
 public:
  explicit LibraryLayers(std::vector<LibraryEntry> lemmas);

  const std::string& version() const { return m_version; }
  const std::vector<LibraryEntry>& lemmas() const { return m_lemmas; }  // digests filled
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
  std::vector<LibraryEntry> m_lemmas;
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
