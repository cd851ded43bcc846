// openai-double: the OpenAI-compatible server double as a process (README.md).
//   openai-double [--port N] [--host ADDR] [--script FILE] [--record FILE]
// Prints "listening on PORT" as its first stdout line once it accepts connections, then serves
// until SIGTERM or SIGINT.
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "openai_double.hpp"

namespace {

int usage(const char* problem) {
  std::fprintf(stderr,
               "openai-double: %s\n"
               "usage: openai-double [--port N] [--host ADDR] [--script FILE] [--record FILE]\n",
               problem);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  openai_double::ServerOptions options;
  std::string script_path;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::printf(
          "usage: openai-double [--port N] [--host ADDR] [--script FILE] [--record FILE]\n"
          "  --port N       port to listen on (0, the default: an ephemeral one)\n"
          "  --host ADDR    address to listen on (default 127.0.0.1)\n"
          "  --script FILE  canned behaviour, a JSON object (see README.md)\n"
          "  --record FILE  append every request as a JSON line\n"
          "Prints 'listening on PORT' first; serves until SIGTERM or SIGINT.\n");
      return 0;
    }
    if (i + 1 >= argc) return usage(("missing value after " + arg).c_str());
    std::string value = argv[++i];
    if (arg == "--port") {
      try {
        std::size_t used = 0;
        options.port = std::stoi(value, &used);
        if (used != value.size() || options.port < 0 || options.port > 65535) throw 0;
      } catch (...) {
        return usage(("bad port '" + value + "'").c_str());
      }
    } else if (arg == "--host") {
      options.host = value;
    } else if (arg == "--script") {
      script_path = value;
    } else if (arg == "--record") {
      options.record_path = value;
    } else {
      return usage(("unknown option " + arg).c_str());
    }
  }

  openai_double::Script script;
  if (!script_path.empty()) {
    std::ifstream in(script_path, std::ios::binary);
    if (!in) return usage(("cannot open script " + script_path).c_str());
    std::ostringstream text;
    text << in.rdbuf();
    try {
      script = openai_double::parse_script(text.str());
    } catch (const std::exception& error) {
      return usage((script_path + ": " + error.what()).c_str());
    }
  }

  // The server's threads inherit this mask, so the signals reach sigwait below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  try {
    openai_double::Server server(std::move(script), options);
    std::cout << "listening on " << server.port() << std::endl;
    int received = 0;
    sigwait(&signals, &received);
    server.stop();
  } catch (const std::exception& error) {
    std::fprintf(stderr, "openai-double: %s\n", error.what());
    return 1;
  }
  return 0;
}
