#include "common/tagged_hash.hpp"

#include <openssl/evp.h>

#include <array>
#include <stdexcept>

namespace common {

std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("sha256: EVP_Digest failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (unsigned int i = 0; i < size; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  return out;
}

TaggedHash::TaggedHash(std::string_view version) : m_version(version) { add("version", version); }

TaggedHash& TaggedHash::add(std::string_view tag, std::string_view value) {
  m_stream.append(tag);
  m_stream.push_back('\0');
  m_stream.append(std::to_string(value.size()));
  m_stream.push_back('\0');
  m_stream.append(value);
  return *this;
}

std::string TaggedHash::hex() const { return m_version + ":" + sha256_hex(m_stream); }

}  // namespace common
