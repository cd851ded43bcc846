#include "child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <stdexcept>

namespace fake_repl_test {

ChildProcess::ChildProcess(const std::vector<std::string>& args, const ChildSetup& setup) {
  std::signal(SIGPIPE, SIG_IGN);
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
    throw std::runtime_error("pipe2 failed");
  std::vector<std::string> argv_storage = {FAKE_REPL_PATH};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_storage) argv.push_back(arg.data());
  argv.push_back(nullptr);
  m_pid = fork();
  if (m_pid < 0) throw std::runtime_error("fork failed");
  if (m_pid == 0) {
    setpgid(0, 0);
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    for (const std::string& assignment : setup.env) putenv(const_cast<char*>(assignment.c_str()));
    if (setup.address_limit) {
      rlimit limit{*setup.address_limit, *setup.address_limit};
      setrlimit(RLIMIT_AS, &limit);
    }
    execv(argv[0], argv.data());
    _exit(127);
  }
  setpgid(m_pid, m_pid);
  close(in[0]);
  close(out[1]);
  close(err[1]);
  m_in = in[1];
  m_out = out[0];
  m_err = err[0];
}

ChildProcess::~ChildProcess() {
  if (m_pid > 0) {
    kill(-m_pid, SIGKILL);
    waitpid(m_pid, nullptr, 0);
  }
  for (int fd : {m_in, m_out, m_err})
    if (fd >= 0) close(fd);
}

void ChildProcess::send(const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(m_in, text.data() + done, text.size() - done);
    if (n <= 0) return;  // the child died: the test checks its outcome
    done += static_cast<std::size_t>(n);
  }
}

// Reads what stdout/stderr offer within timeout_ms: the byte count, or -1 when both are at EOF.
long ChildProcess::pump(int timeout_ms) {
  if (m_out < 0 && m_err < 0) return -1;
  pollfd fds[2] = {{m_out, POLLIN, 0}, {m_err, POLLIN, 0}};
  if (poll(fds, 2, timeout_ms) <= 0) return 0;
  std::pair<int*, std::string*> streams[2] = {{&m_out, &m_out_buffer}, {&m_err, &m_err_buffer}};
  long total = 0;
  for (int i = 0; i < 2; ++i) {
    if (fds[i].fd < 0 || fds[i].revents == 0) continue;
    char buffer[4096];
    ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
    if (n > 0) {
      streams[i].second->append(buffer, static_cast<std::size_t>(n));
      total += n;
    } else {
      close(*streams[i].first);
      *streams[i].first = -1;
    }
  }
  return total;
}

std::optional<std::string> ChildProcess::read_answer(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    if (auto end = m_out_buffer.find("\n\n"); end != std::string::npos) {
      std::string answer = m_out_buffer.substr(0, end + 2);
      m_out_buffer.erase(0, end + 2);
      return answer;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || m_out < 0 || pump(static_cast<int>(left.count())) < 0)
      return std::nullopt;
  }
}

// Grandchildren may keep the pipes open: the child's exit, not EOF, ends the collection.
Outcome ChildProcess::finish() {
  if (m_in >= 0) close(m_in);
  m_in = -1;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  int status = 0;
  bool reaped = false;
  for (;;) {
    long got = pump(20);
    if (got < 0) break;
    if (got == 0 && waitpid(m_pid, &status, WNOHANG) == m_pid) {
      reaped = true;
      while (pump(0) > 0) continue;
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) kill(-m_pid, SIGKILL);
  }
  if (!reaped) waitpid(m_pid, &status, 0);
  kill(-m_pid, SIGKILL);
  m_pid = -1;
  Outcome outcome{-1, 0, std::move(m_out_buffer), std::move(m_err_buffer)};
  if (WIFEXITED(status)) outcome.exit_status = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) outcome.term_signal = WTERMSIG(status);
  return outcome;
}

Outcome run_fake_repl(const std::vector<std::string>& args, const std::string& input,
                      const ChildSetup& setup) {
  ChildProcess child(args, setup);
  child.send(input);
  return child.finish();
}

}  // namespace fake_repl_test
