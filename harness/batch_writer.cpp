#include "harness/batch_writer.hpp"

#include <fmt/format.h>

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <stdexcept>

#include "common/thread_name.hpp"
#include "store/store.hpp"

namespace harness {
namespace {

// Rows waiting beyond the batch being written: enough to ride out a checkpoint's fsync, few
// enough that memory stays flat (a batch of any size is taken when none waits).
constexpr size_t kMaxQueuedRows = 1024;
constexpr auto kTrimEvery = std::chrono::seconds(1);

}  // namespace

BatchWriter::BatchWriter(const std::string& db_path, std::ostream& out, std::string out_name)
    : m_out(out), m_out_name(std::move(out_name)) {
  // The store is opened on the caller's thread: an error opening it is the caller's.
  auto store = std::make_shared<store::Store>(store::Store::open(db_path));
  store->checkpoint_in_background();
  m_thread = std::thread([this, store]() mutable {
    common::name_this_thread("store-writer");
    auto last_trim = std::chrono::steady_clock::now();
    try {
      for (;;) {
        std::deque<Batch> taken;
        {
          std::unique_lock lock(m_mutex);
          m_work.wait(lock, [&] { return !m_queue.empty() || m_stop; });
          if (m_queue.empty()) break;
          taken.swap(m_queue);
          m_queued_rows = 0;
          m_busy = true;
        }
        m_done.notify_all();  // room for more
        // Batches that queued up while the last commit ran go in one transaction: the writer
        // catches up instead of paying a commit per batch.
        Batch& batch = taken.front();
        for (size_t i = 1; i < taken.size(); ++i) {
          Batch& more = taken[i];
          std::move(more.attempts.begin(), more.attempts.end(), std::back_inserter(batch.attempts));
          std::move(more.out_lines.begin(), more.out_lines.end(), std::back_inserter(batch.out_lines));
          for (const auto& [key, n] : more.hits) batch.hits[key] += n;
          batch.through = more.through;
        }
        // The store first, then OUT: every OUT row is also in the store.
        store->add_cache_hits(batch.hits);
        store->record(batch.attempts);
        for (const auto& line : batch.out_lines) m_out << line << '\n';
        m_out.flush();
        // The rows of a batch are made on one thread and freed on others (the reading
        // thread, this one): without this, the allocator keeps what they freed, and a long run
        // grew by a third before it levelled off. At most once a second: each trim gives pages
        // back one madvise at a time, and at every commit it was 5 % of this thread's time.
        if (auto now = std::chrono::steady_clock::now(); now - last_trim >= kTrimEvery) {
          malloc_trim(0);
          last_trim = now;
        }
        if (!m_out) throw std::runtime_error(fmt::format("{}: write failed", m_out_name));
        {
          std::lock_guard lock(m_mutex);
          m_committed = batch.through;
          m_busy = false;
        }
        m_done.notify_all();
      }
    } catch (...) {
      std::lock_guard lock(m_mutex);
      m_error = std::current_exception();
      m_queue.clear();
      m_queued_rows = 0;
      m_busy = false;
    }
    m_done.notify_all();
    store.reset();  // writes the hits still counted, on this thread's connection
  });
}

BatchWriter::~BatchWriter() {
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_work.notify_all();
  if (m_thread.joinable()) m_thread.join();
}

void BatchWriter::push(Batch batch) {
  {
    std::unique_lock lock(m_mutex);
    m_done.wait(lock, [&] { return m_queue.empty() || m_queued_rows < kMaxQueuedRows || m_error; });
    if (m_error) std::rethrow_exception(m_error);
    m_queued_rows += std::max(batch.attempts.size(), batch.out_lines.size());
    m_queue.push_back(std::move(batch));
  }
  m_work.notify_one();
}

uint64_t BatchWriter::committed() const {
  std::lock_guard lock(m_mutex);
  return m_committed;
}

void BatchWriter::finish() {
  std::unique_lock lock(m_mutex);
  m_done.wait(lock, [&] { return (m_queue.empty() && !m_busy) || m_error; });
  if (m_error) std::rethrow_exception(m_error);
}

void BatchWriter::rethrow_error() const {
  std::lock_guard lock(m_mutex);
  if (m_error) std::rethrow_exception(m_error);
}

}  // namespace harness
