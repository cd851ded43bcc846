#include "store/checkpointer.hpp"

#include <cstring>
#include <optional>
#include <utility>

#include "common/thread_name.hpp"
#include "store/database.hpp"
#include "store/store_error.hpp"

namespace store {

BackgroundCheckpointer::BackgroundCheckpointer(sqlite3* writer, std::string path, int pages)
    : m_writer(writer), m_path(std::move(path)), m_pages(pages) {
  m_thread = std::thread([this] { run(); });
  sqlite3_wal_hook(m_writer, &BackgroundCheckpointer::on_commit, this);
}

BackgroundCheckpointer::~BackgroundCheckpointer() {
  sqlite3_wal_autocheckpoint(m_writer, m_pages);  // replaces the hook
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_wake.notify_one();
  m_thread.join();
}

BackgroundCheckpointer::Counts BackgroundCheckpointer::counts() const {
  std::lock_guard lock(m_mutex);
  return m_counts;
}

bool BackgroundCheckpointer::idle() const {
  std::lock_guard lock(m_mutex);
  return !m_due && !m_running;
}

// Called by SQLite on the writing connection's thread after each commit, its write lock
// released; `pages` is the log's size.
int BackgroundCheckpointer::on_commit(void* self_ptr, sqlite3* db, const char* schema,
                                      int pages) {
  auto* self = static_cast<BackgroundCheckpointer*>(self_ptr);
  bool here = false;
  bool wake = false;
  if (std::strcmp(schema, "main") != 0) {
    here = pages >= self->m_pages;
  } else {
    std::unique_lock lock(self->m_mutex);
    bool finish = std::exchange(self->m_finish, false);
    if (pages >= self->m_pages * kCatchUpFactor) {
      // After the thread's checkpoint under way, if any (two at once, one would find the other
      // busy and copy nothing); one it was woken for and has not begun is not begun at all.
      self->m_idle.wait(lock, [&] { return !self->m_running; });
      self->m_due = false;
      here = true;
      ++self->m_counts.caught_up_by_writer;
    } else if (finish && pages >= self->m_copied &&
               pages - self->m_copied <= self->m_pages / kFinishDivisor) {
      // Frames were added behind the thread's copy, few of them: copied here, the log is whole.
      here = true;
      ++self->m_counts.finished_by_writer;
    } else if (pages >= self->m_pages && !self->m_due && !self->m_running &&
               !self->m_unopened) {
      // The log past the size: a new log (it started over after the copy), or many frames
      // behind the copy (the thread copies them too).
      self->m_due = true;
      wake = true;
    }
  }
  if (wake) self->m_wake.notify_one();
  // An error of this checkpoint is not the commit's (that is done): the next one tries again.
  if (here) sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  return SQLITE_OK;
}

void BackgroundCheckpointer::run() {
  common::name_this_thread("store-checkpt");
  std::optional<Database> db;
  bool tried = false;
  std::unique_lock lock(m_mutex);
  for (;;) {
    m_wake.wait(lock, [&] { return m_due || m_stop; });
    if (m_stop) break;
    m_due = false;
    m_running = true;
    lock.unlock();
    if (!std::exchange(tried, true)) {
      // Synchronous as the store's other connections: the checkpoint syncs the log before it
      // copies it and the file after. A store it cannot open is left to step 3.
      try {
        db = Database::open(m_path, /*create=*/false);
        db->exec("PRAGMA synchronous = NORMAL", "checkpointer: synchronous");
      } catch (const StoreError&) {
        db.reset();
      }
    }
    int log = -1;
    int copied = -1;
    bool whole = db && sqlite3_wal_checkpoint_v2(db->handle(), "main", SQLITE_CHECKPOINT_PASSIVE,
                                                 &log, &copied) == SQLITE_OK &&
                 log == copied;
    lock.lock();
    m_unopened = !db;
    m_running = false;
    m_finish = whole;
    m_copied = log;
    if (whole) ++m_counts.by_thread;
    m_idle.notify_all();
  }
}

}  // namespace store
