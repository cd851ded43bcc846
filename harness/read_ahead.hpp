#pragma once
// Reads and prepares a run's input on a thread of its own, ahead of the thread that takes the
// lines: JSON parsing, the guard, assembly and cache keys (Pipeline::prepare) then cost the
// run's main thread nothing. Lines come out in input order, handed over in batches: one lock
// and at most one wake-up per batch, never per line. A batch goes as soon as it is full, or at
// once when the taker waits for it.
//
// Standard input is read on the taker's own thread instead (a thread blocked reading a pipe
// could not be stopped when the run is interrupted), and nothing is prepared ahead.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "harness/pipeline.hpp"
#include "tasks/candidate_reader.hpp"

namespace harness {

class ReadAhead {
 public:
  struct Item {
    tasks::CandidateReader::Row entry;
    std::optional<Pipeline::Prepared> prepared;  // what `prepare` gave for the line, if anything
    int64_t blank_lines = 0;  // the reader's count of blank lines once this line was read
  };
  // Called on the reading thread: the line's preparation, or nothing (a line the run does not
  // check, or one it prepares itself). Must be safe to call while the taker adds to the
  // pipeline (Pipeline::prepare is).
  using Prepare = std::function<std::optional<Pipeline::Prepared>(const tasks::CandidateReader::Row&)>;

  // `threaded` false: next() reads on the caller's thread and prepares nothing.
  ReadAhead(tasks::CandidateReader& reader, Prepare prepare, bool threaded);
  // Stops reading and joins the thread; lines read ahead and not taken are dropped.
  ~ReadAhead();
  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;

  // The next line, or nothing at the end of the input. The reader's error (InputError) is
  // thrown here, after every line read before it.
  std::optional<Item> next();
  // Blank lines the reader skipped up to the last line taken (through the end, once next()
  // has said so).
  int64_t blank_lines() const { return m_blank_lines; }

  // Whether an input path can be read ahead: a regular file, not "-" (standard input).
  static bool can_read_ahead(const std::string& path);

 private:
  void read_all();
  // Hands `batch` over; waits while the taker has enough queued. False once stopped.
  bool hand_over(std::vector<Item>& batch);

  tasks::CandidateReader& m_reader;
  Prepare m_prepare;
  bool m_threaded;
  int64_t m_blank_lines = 0;
  // The taker's side.
  std::vector<Item> m_taken;
  size_t m_next = 0;
  // Shared, under m_mutex.
  std::mutex m_mutex;
  std::condition_variable m_ready;  // a batch or the end arrived
  std::condition_variable m_room;   // the taker took a batch, or stop
  std::deque<std::vector<Item>> m_batches;
  bool m_ended = false;
  int64_t m_final_blank_lines = 0;
  std::exception_ptr m_error;
  bool m_stop = false;
  std::atomic<bool> m_waiting{false};  // the taker waits for a batch
  std::thread m_thread;
};

}  // namespace harness
