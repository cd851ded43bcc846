#pragma once
// The system-call filter of the worker sandbox (docs/sandbox.md), compiled once into the classic
// BPF program that bubblewrap loads with `--seccomp FD` just before it starts the worker.
// Sockets are no business of Lean's: `socket()` fails for every address family, so no socket
// can be reached from inside, Unix or network, in a bound folder or not (a read-only bind does
// not stop `connect()`). io_uring, which can open sockets without `socket()`, and a few calls
// that only widen the kernel's attack surface fail the same way. Everything else is allowed.
// A system call of another architecture (a 32-bit `int 0x80`, x32) kills the process.
#include <string>
#include <vector>

namespace lean_bridge {

struct SeccompProgram {
  std::string bpf;      // the program, as seccomp_export_bpf writes it
  std::string problem;  // non-empty when it could not be built; `bpf` is then empty
};

// The system calls the filter refuses (with EACCES), by name.
const std::vector<std::string>& refused_system_calls();

// Builds the filter for this machine's architecture with libseccomp.
SeccompProgram build_seccomp_filter();

}  // namespace lean_bridge
