#include "common/tagged_hash.hpp"

#include <openssl/evp.h>

#include <array>
#include <memory>
#include <stdexcept>

#include "common/hex.hpp"

namespace common {

namespace {

// OpenSSL 3 looks the algorithm up (under a lock) each time EVP_sha256() is used: fetched once,
// and each thread keeps its digest context (every scored line hashes its cache key and task).
const EVP_MD* sha256_algorithm() {
  static EVP_MD* const algorithm = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (algorithm == nullptr) throw std::runtime_error("sha256: OpenSSL has no SHA256");
  return algorithm;
}

struct FreeContext {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

}  // namespace

std::string sha256_hex(std::string_view data) {
  thread_local std::unique_ptr<EVP_MD_CTX, FreeContext> context(EVP_MD_CTX_new());
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (!context || EVP_DigestInit_ex2(context.get(), sha256_algorithm(), nullptr) != 1 ||
      EVP_DigestUpdate(context.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(context.get(), digest.data(), &size) != 1) {
    throw std::runtime_error("sha256: digest failed");
  }
  return hex_of(digest.data(), size);
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
