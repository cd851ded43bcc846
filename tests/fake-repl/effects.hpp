#pragma once
// Side effects of the fake REPL: simulated costs, hostile behaviour of a proof, and output.
//
// Contracts:
//  - write_stdout writes the bytes and flushes, so that they precede any later answer.
//  - grow_memory(mb) allocates mb MiB, touches every page and never frees them; when the
//    allocation fails (e.g. under RLIMIT_AS) it prints "INTERNAL PANIC: out of memory" to stderr
//    and _exit(1)s, like Lean.
//  - crash() dies by SIGSEGV (default action, no core file); hang() never returns but dies to
//    any fatal signal.
//  - spawn_sleepers, try_write, try_connect, try_connect_unix, try_read and list_directory
//    never throw; they return the text of the info message reporting what happened
//    ("... ok", "read PATH: <content>", "list DIR: a b c" or "... failed: <strerror>"), the way
//    a hostile proof would hand what it found back in Lean's messages.
#include <string>

namespace fake_repl {

void write_stdout(const std::string& text);
void write_stderr(const std::string& text);
void sleep_ms(long milliseconds);
void grow_memory(long mebibytes);
[[noreturn]] void crash();
[[noreturn]] void hang();
[[noreturn]] void exit_now(int status);
std::string spawn_sleepers(long count);
std::string try_write(const std::string& path);
std::string try_connect(long port);
std::string try_connect_unix(const std::string& path);
std::string try_read(const std::string& path);
std::string list_directory(const std::string& path);
// What a proof reading the REPL's own stdin would get at this moment: the bytes already sent
// and not yet read as requests (std::cin's buffer, then fd 0 without blocking), consumed as
// such a read consumes them; "read-stdin: CONTENT" (control bytes as spaces).
std::string read_waiting_stdin();

}  // namespace fake_repl
