#include "store/input_hash.hpp"

#include <openssl/evp.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "common/hex.hpp"
#include "store/store_error.hpp"

namespace store {
namespace {

constexpr char kOperation[] = "hash input";

struct CloseFile {
  void operator()(std::FILE* file) const { std::fclose(file); }
};
struct FreeDigest {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

}  // namespace

std::string file_sha256(const std::string& path) {
  std::unique_ptr<std::FILE, CloseFile> file(std::fopen(path.c_str(), "rb"));
  if (!file) throw make_store_error(path, kOperation, std::strerror(errno));
  std::unique_ptr<EVP_MD_CTX, FreeDigest> context(EVP_MD_CTX_new());
  if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1) {
    throw make_store_error(path, kOperation, "cannot start SHA-256");
  }
  std::array<char, 1 << 16> buffer{};
  while (size_t n = std::fread(buffer.data(), 1, buffer.size(), file.get())) {
    if (EVP_DigestUpdate(context.get(), buffer.data(), n) != 1) {
      throw make_store_error(path, kOperation, "SHA-256 failed");
    }
  }
  if (std::ferror(file.get())) throw make_store_error(path, kOperation, std::strerror(errno));
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (EVP_DigestFinal_ex(context.get(), digest.data(), &size) != 1) {
    throw make_store_error(path, kOperation, "SHA-256 failed");
  }
  return common::hex_of(digest.data(), size);
}

}  // namespace store
