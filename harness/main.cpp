#include "harness/cli.hpp"

#include <signal.h>

int main(int argc, char** argv) {
  // A file-size limit or a full disk must fail a write (and be reported), not kill the run.
  signal(SIGXFSZ, SIG_IGN);
  return harness::run_cli(argc, argv);
}
