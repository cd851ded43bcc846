#include "replay.hpp"

#include <fstream>
#include <stdexcept>

#include "effects.hpp"

namespace fake_repl {
namespace {

std::ifstream open_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error("cannot read " + path);
  return file;
}

[[noreturn]] void mismatch(const std::string& why) {
  write_stderr("fake-repl replay: " + why + "\n");
  exit_now(2);
}

}  // namespace

std::optional<std::string> read_request(std::istream& in) {
  std::string request;
  std::string line;
  bool read_any = false;
  while (std::getline(in, line)) {
    read_any = true;
    line.erase(line.find_last_not_of(" \t\r\n\v\f") + 1);
    if (line.empty()) return request;
    request += line;
  }
  return read_any ? std::optional<std::string>(request) : std::nullopt;
}

Replay::Replay(const std::string& in_path, const std::string& out_path) {
  std::ifstream requests = open_file(in_path);
  while (auto request = read_request(requests)) {
    if (request->empty()) break;
    if (!request->starts_with("#") && !request->starts_with("--"))
      m_requests.push_back(std::move(*request));
  }
  std::ifstream answers = open_file(out_path);
  std::string line;
  std::string block;
  while (std::getline(answers, line)) {
    if (!line.empty()) {
      block += (block.empty() ? "" : "\n") + line;
    } else if (!block.empty()) {
      m_answers.push_back(std::move(block));
      block.clear();
    }
  }
  if (!block.empty()) m_answers.push_back(std::move(block));
}

std::string Replay::answer(const nlohmann::json& request) {
  std::size_t index = m_next++;
  if (index >= m_requests.size() || index >= m_answers.size())
    mismatch("request " + std::to_string(index + 1) +
             " is beyond the recording: " + request.dump());
  nlohmann::json expected;
  try {
    expected = nlohmann::json::parse(m_requests[index]);
  } catch (const nlohmann::json::exception& error) {
    mismatch("recorded request " + std::to_string(index + 1) + " is not JSON: " + error.what());
  }
  if (request != expected)
    mismatch("request " + std::to_string(index + 1) + " differs from the recording: got " +
             request.dump() + ", expected " + expected.dump());
  return m_answers[index];
}

}  // namespace fake_repl
