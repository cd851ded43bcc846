#include "library/library_file.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace library {
namespace {

using json = nlohmann::ordered_json;

[[noreturn]] void fail(const std::string& origin, const std::string& where, const std::string& why) {
  throw LibraryFileError(fmt::format("{}: {}: {}", origin, where, why));
}

std::string text_field(const json& j, const char* key, const std::string& origin, const std::string& at) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) fail(origin, at + "." + key, "a string is required");
  return it->get<std::string>();
}

int64_t int_field(const json& j, const char* key, const std::string& origin, const std::string& at) {
  auto it = j.find(key);
  if (it == j.end()) return 0;
  if (!it->is_number_integer()) fail(origin, at + "." + key, "an integer is required");
  return it->get<int64_t>();
}

FileLemma read_lemma(const json& j, const std::string& origin, const std::string& at) {
  if (!j.is_object()) fail(origin, at, "an object is required");
  FileLemma out;
  Lemma& l = out.lemma;
  l.name = text_field(j, "name", origin, at);
  l.header = text_field(j, "header", origin, at);
  std::string statement = text_field(j, "statement", origin, at);
  auto parsed = parse_statement(statement);
  if (!parsed) fail(origin, at + ".statement", "not `theorem NAME (x : T)... : TYPE`");
  if (parsed->name != l.name) fail(origin, at + ".statement", "declares " + parsed->name + ", not " + l.name);
  l.statement = parsed->statement;
  l.key = canonical_key(l.header, l.statement);
  l.proof = text_field(j, "proof", origin, at);
  l.origin = j.contains("origin") ? text_field(j, "origin", origin, at) : "";
  if (auto d = j.find("derived_from"); d != j.end()) {
    if (!d->is_array()) fail(origin, at + ".derived_from", "an array of task ids is required");
    for (const auto& t : *d) {
      if (!t.is_string()) fail(origin, at + ".derived_from", "an array of task ids is required");
      l.derived_from.push_back(t.get<std::string>());
    }
  }
  out.gain = int_field(j, "gain", origin, at);
  out.uses = int_field(j, "uses", origin, at);
  out.description_bytes = int_field(j, "description_bytes", origin, at);
  if (auto m = j.find("mutual_information"); m != j.end()) {
    if (!m->is_number()) fail(origin, at + ".mutual_information", "a number is required");
    out.mutual_information = m->get<double>();
  }
  return out;
}

}  // namespace

std::string library_file_text(const LibraryFile& file) {
  json lemmas = json::array();
  for (const auto& f : file.lemmas) {
    const Lemma& l = f.lemma;
    lemmas.push_back({{"name", l.name},
                      {"header", l.header},
                      {"statement", statement_text(l)},
                      {"proof", l.proof},
                      {"origin", l.origin},
                      {"derived_from", l.derived_from},
                      {"gain", f.gain},
                      {"uses", f.uses},
                      {"description_bytes", f.description_bytes},
                      {"mutual_information", f.mutual_information}});
  }
  json doc = {{"format", kLibraryFileFormat}, {"version", file.version}, {"lemmas", lemmas}};
  return doc.dump(2) + "\n";
}

LibraryFile parse_library_file(const std::string& text, const std::string& origin) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) fail(origin, "(document)", "not a JSON object");
  if (text_field(doc, "format", origin, "(document)") != kLibraryFileFormat) {
    fail(origin, "format", fmt::format("expected \"{}\"", kLibraryFileFormat));
  }
  LibraryFile out;
  out.version = text_field(doc, "version", origin, "(document)");
  auto lemmas = doc.find("lemmas");
  if (lemmas == doc.end() || !lemmas->is_array()) fail(origin, "lemmas", "an array is required");
  std::vector<Lemma> plain;
  for (std::size_t i = 0; i < lemmas->size(); ++i) {
    out.lemmas.push_back(read_lemma((*lemmas)[i], origin, fmt::format("lemmas[{}]", i)));
    plain.push_back(out.lemmas.back().lemma);
  }
  if (library_version(plain) != out.version) {
    fail(origin, "version", fmt::format("is {}, but the lemmas give {}", out.version,
                                        library_version(plain).empty() ? "\"\"" : library_version(plain)));
  }
  return out;
}

LibraryFile read_library_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw LibraryFileError(fmt::format("{}: cannot read the file", path));
  std::stringstream text;
  text << in.rdbuf();
  return parse_library_file(text.str(), path);
}

}  // namespace library
