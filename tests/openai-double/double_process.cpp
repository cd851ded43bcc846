#include "double_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <stdexcept>
#include <thread>

namespace openai_double {

DoubleProcess::DoubleProcess(const std::string& executable, const std::vector<std::string>& args,
                             int timeout_ms) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  std::vector<std::string> argv_strings = {executable, "--port", "0"};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_strings) argv.push_back(arg.data());
  argv.push_back(nullptr);

  m_pid = ::fork();
  if (m_pid < 0) {
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    throw std::runtime_error("fork failed");
  }
  if (m_pid == 0) {
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    ::execv(executable.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  m_out = pipe_fds[0];

  // The first line: "listening on PORT".
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (line.find('\n') == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    pollfd fd{m_out, POLLIN, 0};
    if (left <= 0 || ::poll(&fd, 1, static_cast<int>(left)) <= 0) break;
    char buffer[256];
    ssize_t got = ::read(m_out, buffer, sizeof buffer);
    if (got <= 0) break;
    line.append(buffer, static_cast<std::size_t>(got));
  }
  const std::string prefix = "listening on ";
  if (line.rfind(prefix, 0) == 0) m_port = std::atoi(line.c_str() + prefix.size());
  if (m_port <= 0) {
    stop();
    throw std::runtime_error("openai-double did not announce its port (first output: '" +
                             line.substr(0, line.find('\n')) + "')");
  }
}

DoubleProcess::~DoubleProcess() { stop(); }

std::string DoubleProcess::base_url() const {
  return "http://127.0.0.1:" + std::to_string(m_port) + "/v1";
}

int DoubleProcess::stop() {
  if (m_pid > 0) {
    ::kill(m_pid, SIGTERM);
    int status = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    pid_t done = 0;
    while ((done = ::waitpid(m_pid, &status, WNOHANG)) == 0 &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (done == 0) {
      ::kill(m_pid, SIGKILL);
      ::waitpid(m_pid, &status, 0);
    }
    m_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    m_pid = -1;
  }
  if (m_out >= 0) {
    ::close(m_out);
    m_out = -1;
  }
  return m_status;
}

}  // namespace openai_double
