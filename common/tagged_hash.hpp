#pragma once
// SHA-256 over tagged fields. Used for every content address in the project (task identity,
// verification cache keys): each field is fed as `tag`, its length and its bytes, so no two
// different field lists can produce the same byte stream, and the version prefix makes any
// change to what goes into a key one visible bump.
#include <string>
#include <string_view>

namespace common {

// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

class TaggedHash {
 public:
  // `version` names the key scheme, e.g. "task-v1"; it is the first field hashed and is
  // prefixed to the digest ("task-v1:3f2a...").
  explicit TaggedHash(std::string_view version);
  TaggedHash& add(std::string_view tag, std::string_view value);
  // Digest as "VERSION:HEX". The object can keep accepting fields afterwards.
  std::string hex() const;

 private:
  std::string m_version;
  std::string m_stream;
};

}  // namespace common
