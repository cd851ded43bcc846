#pragma once
// Internal to the store library (includes sqlite3.h): the write-ahead log copied into the store
// by a thread of its own, so that the connection that writes does not wait for the copy.
//
// SQLite's automatic checkpoint runs in the commit that takes the log past its size: that
// commit copies the log's pages into the file and syncs both (20-30 ms on this project's test
// machines), and whoever waits for the commit waits for that. `harness serve` answers after its
// commit, so every 4,000 pages one round of answers waited two long syncs.
//
// A BackgroundCheckpointer takes the place of the writing connection's automatic checkpoint:
//  1. a commit that leaves `pages` or more in the log wakes the thread, which copies the log
//     with a PASSIVE checkpoint on a connection of its own (it never takes the write lock: the
//     writer goes on committing meanwhile) and syncs;
//  2. if the writer committed while the thread copied, its next commit copies those frames
//     itself when they are few (at most `pages` / kFinishDivisor; short syncs): the log is then
//     whole in the file, and the transaction after it starts the log over. More of them wake
//     the thread again. Without this step, under steady small commits the thread would chase
//     the log, one checkpoint and two syncs per commit, and the log would never start over;
//     when nothing was committed meanwhile, the next transaction starts the log over anyway;
//  3. if the log still reaches `pages` times kCatchUpFactor (the thread cannot keep up, or
//     could not open the store and is no longer woken), the committing connection checkpoints
//     itself as SQLite would, after the thread's checkpoint under way: the log stays bounded.
// The log of an attached database (not "main") is checkpointed by the committing connection at
// `pages`, as SQLite would.
#include <sqlite3.h>

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace store {

class BackgroundCheckpointer {
 public:
  static constexpr int kCatchUpFactor = 4;
  static constexpr int kFinishDivisor = 8;

  // Installs itself as `writer`'s write-ahead log hook (in place of its automatic checkpoint)
  // and starts the thread ("store-checkpt"), which opens `path` when first needed. `writer`
  // must outlive it and be in WAL mode.
  BackgroundCheckpointer(sqlite3* writer, std::string path, int pages);
  // Stops the thread (a checkpoint under way ends first) and gives `writer` back SQLite's
  // automatic checkpoint every `pages` pages. Call it where `writer` may be used.
  ~BackgroundCheckpointer();
  BackgroundCheckpointer(const BackgroundCheckpointer&) = delete;
  BackgroundCheckpointer& operator=(const BackgroundCheckpointer&) = delete;

  // What happened so far (tests, figures): the thread's checkpoints that copied the whole log
  // as it was when they began (step 1); the writer's finishing copies (step 2); the writer's
  // catch-up checkpoints (step 3).
  struct Counts {
    int64_t by_thread = 0;
    int64_t finished_by_writer = 0;
    int64_t caught_up_by_writer = 0;
  };
  Counts counts() const;
  // Whether the thread is neither woken nor checkpointing (tests wait for it).
  bool idle() const;

 private:
  static int on_commit(void* self, sqlite3* db, const char* schema, int pages);
  void run();

  sqlite3* m_writer;
  std::string m_path;
  int m_pages;
  mutable std::mutex m_mutex;
  std::condition_variable m_wake;
  std::condition_variable m_idle;  // the thread's checkpoint ended
  bool m_due = false;      // the thread is to checkpoint
  bool m_running = false;  // it is checkpointing
  bool m_finish = false;   // it copied the log whole: the writer's next commit may finish
  int m_copied = 0;        // the log's frames when it did
  bool m_unopened = false;  // the thread could not open the store: step 3 only
  bool m_stop = false;
  Counts m_counts;
  std::thread m_thread;  // last: started once the members above are ready
};

}  // namespace store
