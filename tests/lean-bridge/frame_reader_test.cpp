#include "lean-bridge/frame_reader.hpp"

#include <catch2/catch.hpp>

using lean_bridge::FrameReader;

TEST_CASE("frames end at a blank line and may span many lines", "[frame_reader]") {
  FrameReader reader;
  reader.feed("{\"messages\":\n [{\"severity\": \"info\"}],\n \"env\": 0}\n\n{\"env\": 1}\n\n");
  CHECK(reader.next_frame() == "{\"messages\":\n [{\"severity\": \"info\"}],\n \"env\": 0}");
  CHECK(reader.next_frame() == "{\"env\": 1}");
  CHECK_FALSE(reader.next_frame());
}

TEST_CASE("a frame split across reads at any byte is reassembled", "[frame_reader]") {
  const std::string text = "{\"env\":\n 12}\n\n";
  for (size_t cut = 1; cut < text.size(); ++cut) {
    FrameReader reader;
    reader.feed(text.substr(0, cut));
    CHECK(reader.pending() == 0);
    reader.feed(text.substr(cut));
    CHECK(reader.next_frame() == "{\"env\":\n 12}");
  }
}

TEST_CASE("noise before a frame is set aside and counted, not taken for an answer",
          "[frame_reader]") {
  FrameReader reader;
  reader.feed("Build completed successfully.\nhello from a proof\n\n\n{\"env\": 3}\n\n");
  CHECK(reader.next_frame() == "{\"env\": 3}");
  CHECK(reader.noise_lines() == 2);
  CHECK(reader.noise().find("hello from a proof") != std::string::npos);
}

TEST_CASE("noise is bounded", "[frame_reader]") {
  FrameReader reader;
  std::string line(1000, 'x');
  for (int i = 0; i < 1000; ++i) reader.feed(line + "\n");
  CHECK(reader.noise().size() <= FrameReader::kMaxNoiseBytes);
  CHECK(reader.noise_lines() == 1000);
}

TEST_CASE("CRLF line ends frame like LF", "[frame_reader]") {
  FrameReader reader;
  reader.feed("{\"env\": 4}\r\n\r\n");
  CHECK(reader.next_frame() == "{\"env\": 4}");
}

TEST_CASE("reset forgets partial input", "[frame_reader]") {
  FrameReader reader;
  reader.feed("{\"env\": 5");
  reader.reset();
  reader.feed("{\"env\": 6}\n\n");
  CHECK(reader.next_frame() == "{\"env\": 6}");
}
