#include "effects.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>
#include <algorithm>
#include <vector>

namespace fake_repl {
namespace {

std::string failure(const std::string& what, int error) {
  return what + ": failed: " + std::strerror(error);
}

}  // namespace

void write_stdout(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

void write_stderr(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

void sleep_ms(long milliseconds) {
  if (milliseconds > 0) std::this_thread::sleep_for(std::chrono::milliseconds(milliseconds));
}

void grow_memory(long mebibytes) {
  static std::vector<char*> kept;
  constexpr std::size_t mebibyte = 1 << 20;
  for (long i = 0; i < mebibytes; ++i) {
    auto* block = static_cast<char*>(std::malloc(mebibyte));
    if (block == nullptr) {
      write_stderr("INTERNAL PANIC: out of memory\n");
      exit_now(1);
    }
    for (std::size_t offset = 0; offset < mebibyte; offset += 4096)
      block[offset] = static_cast<char>(offset);
    kept.push_back(block);
  }
}

void crash() {
  std::fflush(stdout);
  rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  std::signal(SIGSEGV, SIG_DFL);
  std::raise(SIGSEGV);
  _exit(139);
}

void hang() {
  std::fflush(stdout);
  for (;;) sleep(3600);
}

void exit_now(int status) {
  std::fflush(stdout);
  std::fflush(stderr);
  _exit(status);
}

std::string spawn_sleepers(long count) {
  std::string what = "spawn " + std::to_string(count);
  std::fflush(stdout);
  std::fflush(stderr);
  for (long i = 0; i < count; ++i) {
    pid_t pid = fork();
    if (pid < 0) return failure(what, errno);
    if (pid == 0) {
      sleep(60);
      _exit(0);
    }
  }
  return what + ": ok";
}

std::string try_write(const std::string& path) {
  std::string what = "write " + path;
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return failure(what, errno);
  static constexpr char content[] = "written by fake-repl\n";
  bool written = write(fd, content, sizeof content - 1) == static_cast<ssize_t>(sizeof content - 1);
  int error = errno;
  close(fd);
  return written ? what + ": ok" : failure(what, error);
}

std::string try_connect(long port) {
  std::string what = "connect " + std::to_string(port);
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return failure(what, errno);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int result = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  int error = errno;
  close(fd);
  return result == 0 ? what + ": ok" : failure(what, error);
}

std::string try_connect_unix(const std::string& path) {
  std::string what = "connect-unix " + path;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return failure(what, errno);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) {
    close(fd);
    return failure(what, ENAMETOOLONG);
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  int result = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  int error = errno;
  if (result == 0) {
    static constexpr char hello[] = "hello from fake-repl\n";
    (void)!write(fd, hello, sizeof hello - 1);
  }
  close(fd);
  return result == 0 ? what + ": ok" : failure(what, error);
}

std::string try_read(const std::string& path) {
  std::string what = "read " + path;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return failure(what, errno);
  char buffer[256];
  ssize_t n = read(fd, buffer, sizeof buffer);
  int error = errno;
  close(fd);
  if (n < 0) return failure(what, error);
  std::string content(buffer, static_cast<std::size_t>(n));
  for (char& c : content) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = ' ';
  }
  return what + ": " + content;
}

std::string read_waiting_stdin() {
  std::string content;
  std::streambuf* buffered = std::cin.rdbuf();
  for (std::streamsize n = buffered->in_avail(); n > 0; n = buffered->in_avail()) {
    std::string chunk(static_cast<std::size_t>(n), '\0');
    content.append(chunk.data(), static_cast<std::size_t>(buffered->sgetn(chunk.data(), n)));
  }
  int flags = fcntl(0, F_GETFL);
  if (flags >= 0 && fcntl(0, F_SETFL, flags | O_NONBLOCK) == 0) {
    char buffer[4096];
    for (ssize_t n; (n = read(0, buffer, sizeof buffer)) > 0;) {
      content.append(buffer, static_cast<std::size_t>(n));
    }
    fcntl(0, F_SETFL, flags);
  }
  for (char& c : content) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = ' ';
  }
  return "read-stdin: " + content;
}

std::string list_directory(const std::string& path) {
  std::string what = "list " + path;
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) return failure(what, errno);
  std::vector<std::string> names;
  while (dirent* entry = readdir(dir)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  closedir(dir);
  std::sort(names.begin(), names.end());
  std::string out = what + ":";
  for (const auto& name : names) out += " " + name;
  return out;
}

}  // namespace fake_repl
