#include "lean-bridge/seccomp_filter.hpp"

#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include <fmt/format.h>

namespace lean_bridge {

const std::vector<std::string>& refused_system_calls() {
  static const std::vector<std::string> names = {
      // Sockets of every family: Unix sockets of host services (a database, the Docker daemon)
      // stay unreachable even when their folder is bound; the network namespace already has
      // nothing but its own loopback. socketpair() stays: it reaches nothing outside.
      "socket",
      // io_uring can open and connect sockets without the calls above.
      "io_uring_setup", "io_uring_enter", "io_uring_register",
      // The kernel keyrings are not namespaced by the sandbox; the rest is attack surface
      // that Lean never uses.
      "keyctl", "add_key", "request_key", "bpf", "userfaultfd", "perf_event_open"};
  return names;
}

SeccompProgram build_seccomp_filter() {
  SeccompProgram out;
  std::unique_ptr<void, void (*)(scmp_filter_ctx)> ctx(seccomp_init(SCMP_ACT_ALLOW),
                                                       seccomp_release);
  if (!ctx) return {{}, "seccomp_init failed"};
  if (int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
      rc != 0) {
    return {{}, fmt::format("seccomp_attr_set: {}", std::strerror(-rc))};
  }
  for (const auto& name : refused_system_calls()) {
    int number = seccomp_syscall_resolve_name(name.c_str());
    if (number == __NR_SCMP_ERROR) continue;  // not a system call on this architecture
    if (int rc = seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(EACCES), number, 0); rc != 0) {
      return {{}, fmt::format("seccomp_rule_add({}): {}", name, std::strerror(-rc))};
    }
  }
  int fd = ::memfd_create("harness-seccomp", MFD_CLOEXEC);
  if (fd < 0) return {{}, fmt::format("memfd_create: {}", std::strerror(errno))};
  if (int rc = seccomp_export_bpf(ctx.get(), fd); rc != 0) {
    ::close(fd);
    return {{}, fmt::format("seccomp_export_bpf: {}", std::strerror(-rc))};
  }
  ::lseek(fd, 0, SEEK_SET);
  char buffer[4096];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) {
    out.bpf.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  if (out.bpf.empty() || out.bpf.size() % 8 != 0) {
    return {{}, fmt::format("seccomp_export_bpf wrote {} bytes, not a BPF program", out.bpf.size())};
  }
  return out;
}

}  // namespace lean_bridge
