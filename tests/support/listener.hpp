#pragma once
// A TCP listener on 127.0.0.1 at a free port, and a Unix-socket listener at a path, for tests
// that check a sandboxed process cannot reach the host's network or its services' sockets.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>
#include <string>

namespace test_support {

// True when a connection is waiting on the non-blocking listening socket `fd` (it is accepted
// and closed).
inline bool accept_one(int fd) {
  int client = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
  if (client < 0) return false;
  ::close(client);
  return true;
}

class Listener {
 public:
  Listener() {
    m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(m_fd, 16) != 0) {
      throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    socklen_t size = sizeof address;
    ::getsockname(m_fd, reinterpret_cast<sockaddr*>(&address), &size);
    m_port = ntohs(address.sin_port);
  }
  ~Listener() { ::close(m_fd); }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  int port() const { return m_port; }
  // True when a connection is waiting (it is accepted and closed).
  bool connected() const { return accept_one(m_fd); }

 private:
  int m_fd = -1;
  int m_port = 0;
};

class UnixListener {
 public:
  explicit UnixListener(std::string path) : m_path(std::move(path)) {
    m_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (m_path.size() >= sizeof address.sun_path) throw std::runtime_error("socket path too long");
    std::memcpy(address.sun_path, m_path.c_str(), m_path.size() + 1);
    ::unlink(m_path.c_str());
    if (::bind(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(m_fd, 16) != 0) {
      throw std::runtime_error("cannot listen on " + m_path);
    }
  }
  ~UnixListener() {
    ::close(m_fd);
    ::unlink(m_path.c_str());
  }
  UnixListener(const UnixListener&) = delete;
  UnixListener& operator=(const UnixListener&) = delete;

  const std::string& path() const { return m_path; }
  // True when a connection is waiting (it is accepted and closed).
  bool connected() const { return accept_one(m_fd); }

 private:
  std::string m_path;
  int m_fd = -1;
};

}  // namespace test_support
