#include "lean-bridge/repl_process.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>

namespace lean_bridge {

ReplProcess::ReplProcess(const ProcessSpec& spec) : m_child(ChildProcess::spawn(spec)) {}

void ReplProcess::kill() {
  m_child->kill_group();
  m_dead = true;
}

WorkerDied ReplProcess::died(const char* what) {
  m_dead = true;
  drain_stderr();
  int status = m_child->reap(200);
  std::string description = describe_wait_status(status);
  if (what != nullptr) description = std::string(what) + ", " + description;
  return WorkerDied{description, m_stderr_tail};
}

void ReplProcess::drain_stderr() {
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(m_child->stderr_fd(), buffer, sizeof buffer);
    if (n <= 0) return;
    m_stderr_tail.append(buffer, static_cast<size_t>(n));
    if (m_stderr_tail.size() > kStderrTailBytes) {
      m_stderr_tail.erase(0, m_stderr_tail.size() - kStderrTailBytes);
    }
  }
}

// Waits for readiness on stdout/stderr (and stdin when writing), feeding what arrives.
ReplProcess::Io ReplProcess::pump(Clock::time_point deadline, bool want_write) {
  pollfd fds[3] = {{m_child->stdout_fd(), POLLIN, 0},
                   {m_child->stderr_fd(), POLLIN, 0},
                   {m_child->stdin_fd(), POLLOUT, 0}};
  nfds_t count = want_write ? 3 : 2;
  auto now = Clock::now();
  if (now >= deadline) return Io::timed_out;
  auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1;
  int ready = ::poll(fds, count, static_cast<int>(std::min<int64_t>(wait, 60'000)));
  if (ready < 0 && errno != EINTR) return Io::closed;
  if (fds[1].revents != 0) drain_stderr();
  if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
    char buffer[65536];
    ssize_t n = ::read(m_child->stdout_fd(), buffer, sizeof buffer);
    if (n == 0) return Io::closed;
    if (n > 0) m_reader.feed(std::string_view(buffer, static_cast<size_t>(n)));
    if (n < 0 && errno != EAGAIN && errno != EINTR) return Io::closed;
  }
  if (want_write && (fds[2].revents & (POLLERR | POLLHUP))) return Io::closed;
  return Io::ok;
}

ReplProcess::Io ReplProcess::write_all(std::string_view bytes, Clock::time_point deadline) {
  size_t written = 0;
  while (written < bytes.size()) {
    ssize_t n = ::write(m_child->stdin_fd(), bytes.data() + written, bytes.size() - written);
    if (n > 0) {
      written += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) return Io::closed;
    Io io = pump(deadline, /*want_write=*/true);
    if (io != Io::ok) return io;
  }
  return Io::ok;
}

void ReplProcess::queue(std::string_view request_json) {
  m_pending_write.append(request_json);
  m_pending_write += "\n\n";
}

ReplProcess::Io ReplProcess::flush(Clock::time_point deadline) {
  if (m_pending_write.empty()) return Io::ok;
  Io io = write_all(m_pending_write, deadline);
  m_pending_write.clear();
  return io;
}

std::optional<Reply> ReplProcess::send(std::string_view request_json, Clock::time_point deadline) {
  if (m_dead) return WorkerDied{"already dead", m_stderr_tail};
  queue(request_json);
  Io io = flush(deadline);
  if (io == Io::timed_out) return TimedOut{};
  if (io == Io::closed) return died("closed its input");
  return std::nullopt;
}

Reply ReplProcess::request(std::string_view request_json, Clock::time_point deadline) {
  if (auto failed = send(request_json, deadline)) return std::move(*failed);
  return receive(deadline);
}

Reply ReplProcess::receive(Clock::time_point deadline) {
  if (m_dead) return WorkerDied{"already dead", m_stderr_tail};
  if (Io io = flush(deadline); io != Io::ok) {
    if (io == Io::timed_out) return TimedOut{};
    return died("closed its input");
  }
  for (;;) {
    if (auto frame = m_reader.next_frame()) {
      ParsedAnswer parsed = parse_answer(*frame);
      if (parsed.answer) return std::move(*parsed.answer);
      return ProtocolError{parsed.error, frame->substr(0, 2048)};
    }
    Io io = pump(deadline, /*want_write=*/false);
    if (io == Io::timed_out) return TimedOut{};
    if (io == Io::closed) {
      if (auto frame = m_reader.next_frame()) {  // an answer followed by a clean exit
        ParsedAnswer parsed = parse_answer(*frame);
        if (parsed.answer) return std::move(*parsed.answer);
      }
      return died("closed its output");
    }
  }
}

}  // namespace lean_bridge
