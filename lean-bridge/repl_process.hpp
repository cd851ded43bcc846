#pragma once
// One running REPL: writes requests (compact JSON + blank line), reads framed answers with a
// deadline while draining stderr, and detects death at once (EOF on stdout, or the child
// reaped). Waiting returns a closed type, never flags.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "lean-bridge/check.hpp"
#include "lean-bridge/child_process.hpp"
#include "lean-bridge/frame_reader.hpp"
#include "lean-bridge/repl_answer.hpp"

namespace lean_bridge {

struct WorkerDied {
  std::string status;       // describe_wait_status(), or "closed its output"
  std::string stderr_tail;  // last bytes the process wrote to stderr
};
struct TimedOut {};
// A frame arrived that is not an answer the bridge can read: fails closed.
struct ProtocolError {
  std::string problem;  // "JSON-PATH: problem"
  std::string frame;    // the offending text, truncated
};

using Reply = std::variant<Answer, WorkerDied, TimedOut, ProtocolError>;

class ReplProcess {
 public:
  static constexpr size_t kStderrTailBytes = 8192;

  // Throws SpawnError when the program cannot be started.
  explicit ReplProcess(const ProcessSpec& spec);

  // Sends one request and waits for the next frame until `deadline`.
  Reply request(std::string_view request_json, Clock::time_point deadline);
  // Sends one request without waiting for its answer (the REPL answers requests in order:
  // several may be in flight). nullopt once written; else why it could not be (TimedOut,
  // WorkerDied).
  std::optional<Reply> send(std::string_view request_json, Clock::time_point deadline);
  // Adds one request to the bytes still to be written, without writing them: the next send()
  // or receive() writes everything queued at once, so that several requests cost the REPL one
  // wake-up. A write that fails then is that call's reply (WorkerDied, TimedOut).
  void queue(std::string_view request_json);
  // Waits for the next frame without sending anything.
  Reply receive(Clock::time_point deadline);

  bool alive() const { return !m_dead; }
  void kill();
  uint64_t rss_bytes() const { return m_child->group_rss_bytes(); }
  const FrameReader& reader() const { return m_reader; }
  const std::string& stderr_tail() const { return m_stderr_tail; }
  pid_t pid() const { return m_child->pid(); }

 private:
  enum class Io { ok, closed, timed_out };
  Io write_all(std::string_view bytes, Clock::time_point deadline);
  Io pump(Clock::time_point deadline, bool want_write);
  void drain_stderr();
  WorkerDied died(const char* what);

  std::unique_ptr<ChildProcess> m_child;
  FrameReader m_reader;
  std::string m_stderr_tail;
  Io flush(Clock::time_point deadline);

  std::string m_pending_write;  // queued requests, not yet written
  bool m_dead = false;
};

}  // namespace lean_bridge
