#pragma once
// A file with a secret in a folder of the host that a sandboxed worker is never shown
// (/var/tmp), removed with its folder at scope exit. Sandbox tests check that a worker cannot
// read it.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace test_support {

struct HostSecret {
  static constexpr const char* kText = "host-secret-ABC123";
  std::filesystem::path dir;
  std::filesystem::path file;
  explicit HostSecret(const std::string& tag = "harness-secret")
      : dir("/var/tmp/" + tag + "-" + std::to_string(::getpid())), file(dir / "secret.txt") {
    std::filesystem::create_directories(dir);
    std::ofstream(file) << kText << "\n";
  }
  ~HostSecret() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  HostSecret(const HostSecret&) = delete;
  HostSecret& operator=(const HostSecret&) = delete;
};

}  // namespace test_support
