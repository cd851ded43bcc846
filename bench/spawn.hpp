#pragma once
// A process for the benchmarks that watch it themselves (score_bench, library_bench): started in
// a folder with its output in a file, waited for by the caller.
#include <fcntl.h>
#include <sys/types.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace bench {

// Starts argv in `dir` with its stdout and stderr in the file `log`, and returns its pid (-1 when
// fork fails); the caller waits for it (wait4 gives the process's own resource usage).
inline pid_t spawn_logged(const std::vector<std::string>& argv, const std::string& dir,
                          const std::string& log) {
  pid_t pid = fork();
  if (pid == 0) {
    if (chdir(dir.c_str()) != 0) _exit(127);
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  return pid;
}

}  // namespace bench
