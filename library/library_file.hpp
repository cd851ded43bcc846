#pragma once
// The library as a file: what `harness library export --json FILE` writes and
// `harness search --library FILE` reads (docs/library.md, "Files").
//
// Format: one JSON document
//   {"format": "harness-library-v1", "version": "library-v1:HEX",
//    "lemmas": [{"name", "header", "statement", "proof", "origin", "derived_from": [TASK-ID...],
//                "gain", "uses", "description_bytes", "mutual_information"}...]}
// in library order. read_library_file checks the format, every field's type, that each
// statement reads back (library::parse_statement) under its name, and that the version is the
// one its lemmas give; a problem throws LibraryFileError "FILE: lemmas[I].FIELD: problem".
#include <stdexcept>
#include <string>
#include <vector>

#include "library/lemma.hpp"

namespace library {

inline constexpr std::string_view kLibraryFileFormat = "harness-library-v1";

class LibraryFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct FileLemma {
  Lemma lemma;
  int64_t gain = 0;
  int64_t uses = 0;
  int64_t description_bytes = 0;
  double mutual_information = 0;
};

struct LibraryFile {
  std::string version;
  std::vector<FileLemma> lemmas;
};

std::string library_file_text(const LibraryFile& file);
LibraryFile parse_library_file(const std::string& text, const std::string& origin);
LibraryFile read_library_file(const std::string& path);

}  // namespace library
