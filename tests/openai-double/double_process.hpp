#pragma once
// Runs the openai-double executable as a child process for end-to-end tests: starts it with
// `--port 0` and the given arguments, reads "listening on PORT" from its stdout, and stops it
// with SIGTERM at destruction (SIGKILL if it lingers).
#include <sys/types.h>

#include <string>
#include <vector>

namespace openai_double {

class DoubleProcess {
 public:
  // Throws std::runtime_error when the process cannot start or does not announce its port
  // within `timeout_ms`.
  DoubleProcess(const std::string& executable, const std::vector<std::string>& args,
                int timeout_ms = 5000);
  ~DoubleProcess();
  DoubleProcess(const DoubleProcess&) = delete;
  DoubleProcess& operator=(const DoubleProcess&) = delete;

  int port() const { return m_port; }
  std::string base_url() const;  // "http://127.0.0.1:PORT/v1"
  // SIGTERM, then wait; the exit status (-1 when killed by a signal). Idempotent.
  int stop();

 private:
  pid_t m_pid = -1;
  int m_out = -1;
  int m_port = 0;
  int m_status = -1;
};

}  // namespace openai_double
