#pragma once
// The command line: the commands' table (commands.hpp), each with its settings tables
// (settings_tables.hpp). Returns the exit status (exit_codes.hpp).
namespace harness {

int run_cli(int argc, char** argv);

}  // namespace harness
