#include "harness/read_ahead.hpp"

#include <filesystem>

#include "common/thread_name.hpp"

namespace harness {
namespace {

constexpr size_t kBatchLines = 128;
constexpr size_t kMaxBatches = 2;  // batches queued before the reading thread waits

}  // namespace

ReadAhead::ReadAhead(tasks::CandidateReader& reader, Prepare prepare, bool threaded)
    : m_reader(reader), m_prepare(std::move(prepare)), m_threaded(threaded) {
  if (m_threaded) {
    m_thread = std::thread([this] {
      common::name_this_thread("read-ahead");
      read_all();
    });
  }
}

ReadAhead::~ReadAhead() {
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_room.notify_all();
  if (m_thread.joinable()) m_thread.join();
}

bool ReadAhead::can_read_ahead(const std::string& path) {
  std::error_code ec;
  return path != "-" && std::filesystem::is_regular_file(path, ec);
}

bool ReadAhead::hand_over(std::vector<Item>& batch) {
  std::unique_lock lock(m_mutex);
  m_room.wait(lock, [&] { return m_batches.size() < kMaxBatches || m_stop; });
  if (m_stop) return false;
  bool was_empty = m_batches.empty();
  m_batches.push_back(std::move(batch));
  lock.unlock();
  batch.clear();
  batch.reserve(kBatchLines);
  if (was_empty) m_ready.notify_one();
  return true;
}

void ReadAhead::read_all() {
  std::vector<Item> batch;
  batch.reserve(kBatchLines);
  std::exception_ptr error;
  try {
    for (;;) {
      auto entry = m_reader.next();
      if (!entry) break;
      Item item{std::move(*entry), std::nullopt, 0};
      item.prepared = m_prepare(item.entry);
      item.blank_lines = m_reader.blank_lines();
      batch.push_back(std::move(item));
      if (batch.size() >= kBatchLines || m_waiting.load(std::memory_order_relaxed)) {
        if (!hand_over(batch)) return;
      }
    }
  } catch (...) {
    error = std::current_exception();
  }
  if (!batch.empty() && !hand_over(batch)) return;
  {
    std::lock_guard lock(m_mutex);
    m_ended = true;
    m_error = error;
    m_final_blank_lines = m_reader.blank_lines();
  }
  m_ready.notify_one();
}

std::optional<ReadAhead::Item> ReadAhead::next() {
  if (!m_threaded) {
    auto entry = m_reader.next();
    m_blank_lines = m_reader.blank_lines();
    if (!entry) return std::nullopt;
    return Item{std::move(*entry), std::nullopt, m_blank_lines};
  }
  if (m_next == m_taken.size()) {
    m_taken.clear();
    m_next = 0;
    std::unique_lock lock(m_mutex);
    if (m_batches.empty() && !m_ended) {
      m_waiting = true;
      m_ready.wait(lock, [&] { return !m_batches.empty() || m_ended; });
      m_waiting = false;
    }
    if (m_batches.empty()) {
      m_blank_lines = m_final_blank_lines;
      if (m_error) std::rethrow_exception(m_error);
      return std::nullopt;
    }
    m_taken = std::move(m_batches.front());
    m_batches.pop_front();
    lock.unlock();
    m_room.notify_one();
  }
  Item item = std::move(m_taken[m_next++]);
  m_blank_lines = item.blank_lines;
  return item;
}

}  // namespace harness
