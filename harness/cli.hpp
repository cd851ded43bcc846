#pragma once
// The command line: a table of subcommands, each with its own help.
namespace harness {

int run_cli(int argc, char** argv);

}  // namespace harness
