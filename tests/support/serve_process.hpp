#pragma once
// `harness serve --port 0 ARGS...` as a child process, for the tests and benchmarks that talk to
// a real server over loopback HTTP: its port from the first line it prints ("listening on
// PORT"), SIGTERM at stop() (or destruction), and its exit status. Throws std::runtime_error
// when the server does not say where it listens within 20 s.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace test_support {

class ServeProcess {
 public:
  // `env`: NAME=VALUE entries set for the server; its stderr goes to `stderr_path`.
  ServeProcess(const std::string& harness, const std::vector<std::string>& args,
               const std::vector<std::string>& env = {},
               const std::string& stderr_path = "/dev/null") {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    std::vector<std::string> argv = {"/usr/bin/env"};
    argv.insert(argv.end(), env.begin(), env.end());
    argv.insert(argv.end(), {harness, "serve", "--port", "0"});
    argv.insert(argv.end(), args.begin(), args.end());
    m_pid = ::fork();
    if (m_pid < 0) throw std::runtime_error("fork failed");
    if (m_pid == 0) {
      ::dup2(fds[1], 1);
      int err = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (err >= 0) ::dup2(err, 2);
      std::vector<char*> raw;
      for (auto& a : argv) raw.push_back(a.data());
      raw.push_back(nullptr);
      ::execv(raw[0], raw.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    m_out = fds[0];
    std::string line;
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < until) {
      pollfd p{m_out, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char c;
      if (::read(m_out, &c, 1) != 1) break;
      line += c;
    }
    if (line.rfind("listening on ", 0) != 0) {
      stop();
      throw std::runtime_error("harness serve did not start: \"" + line + "\"");
    }
    m_port = std::stoi(line.substr(13));
  }
  ~ServeProcess() { stop(); }
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  int port() const { return m_port; }
  pid_t pid() const { return m_pid; }

  // SIGTERM (the server drains), then its exit status; -1 when a signal ended it.
  int stop() {
    if (m_pid > 0) {
      ::kill(m_pid, SIGTERM);
      int status = 0;
      ::waitpid(m_pid, &status, 0);
      m_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      m_pid = -1;
      ::close(m_out);
    }
    return m_status;
  }

 private:
  pid_t m_pid = -1;
  int m_out = -1;
  int m_port = 0;
  int m_status = -1;
};

}  // namespace test_support
