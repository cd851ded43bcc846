#pragma once
// Request framing shared by the live loop and the replay mode, and the replaying answerer.
//
// Contracts:
//  - read_request reads like the real REPL (v4.32 getLines): lines up to a whitespace-only line,
//    each stripped of trailing ASCII whitespace, joined without newlines. It returns nullopt at
//    EOF when no line was read, and "" for a request that is a lone blank line.
//  - Replay(in, out) loads a transcript pair: requests framed by read_request from `in`
//    (up to EOF or an empty request; requests starting with `#` or `--` are dropped, as the REPL
//    skips them), answers split from `out` on blank lines, kept byte for byte. It throws
//    std::runtime_error when a file cannot be read.
//  - answer(request) returns the next recorded answer (without its trailing blank line) when
//    `request` equals the next recorded request as JSON values; otherwise it writes a diagnostic
//    to stderr and exits with status 2.
#include <cstddef>
#include <istream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace fake_repl {

std::optional<std::string> read_request(std::istream& in);

class Replay {
 public:
  Replay(const std::string& in_path, const std::string& out_path);
  std::string answer(const nlohmann::json& request);

 private:
  std::vector<std::string> m_requests;
  std::vector<std::string> m_answers;
  std::size_t m_next = 0;
};

}  // namespace fake_repl
