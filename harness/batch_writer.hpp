#pragma once
// The rows of a `score` run on their way out, off the reading thread: a thread of its own
// commits each batch of attempts to the store through a connection of its own (the write-ahead
// log's checkpoints run there too), and only then appends the batch's lines to OUT, so OUT
// never holds a row the store lost. Batches are written in the order they are pushed; those
// that queued up while a commit ran are committed together, in one transaction.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "store/records.hpp"

namespace harness {

class BatchWriter {
 public:
  struct Batch {
    std::vector<store::AttemptRecord> attempts;  // may be empty (a resumed run's lines)
    std::vector<std::string> out_lines;
    store::CacheHits hits;  // cache hits counted by the reading thread's connection
    uint64_t through = 0;   // every row with Row::seq below this is in this batch or before
  };
  // Opens its own connection to the store at `db_path`; `out` is written by its thread only
  // (named `out_name` in errors), until finish() or destruction.
  BatchWriter(const std::string& db_path, std::ostream& out, std::string out_name);
  // Finishes the batches still queued, then stops.
  ~BatchWriter();
  BatchWriter(const BatchWriter&) = delete;
  BatchWriter& operator=(const BatchWriter&) = delete;

  // Queues a batch; blocks while a batch's worth of rows waits already (memory stays
  // bounded). Throws the writer's error (a StoreError, a failed OUT write) once it has one:
  // nothing queued after it is written.
  void push(Batch batch);
  // The `through` of the last batch committed and written to OUT (0 before the first).
  uint64_t committed() const;
  // Waits until every queued batch is written; throws the writer's error, if any.
  void finish();
  // Throws the writer's error, if any, without waiting.
  void rethrow_error() const;

 private:
  void run(std::string db_path);

  std::ostream& m_out;
  std::string m_out_name;
  mutable std::mutex m_mutex;
  std::condition_variable m_work;   // a batch queued, or stop
  std::condition_variable m_done;   // a batch written, or an error
  std::deque<Batch> m_queue;
  size_t m_queued_rows = 0;  // rows in m_queue
  bool m_busy = false;  // a batch taken and not yet written
  bool m_stop = false;
  uint64_t m_committed = 0;
  std::exception_ptr m_error;
  std::thread m_thread;  // last: starts once the members above exist
};

}  // namespace harness
