#include "lean-bridge/reaper.hpp"

#include "common/thread_name.hpp"

namespace lean_bridge {

Reaper& Reaper::instance() {
  static Reaper reaper;
  return reaper;
}

Reaper::~Reaper() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_work.notify_all();
  if (m_thread.joinable()) m_thread.join();
}

void Reaper::later(std::function<void()> job) {
  {
    std::lock_guard lock(m_mutex);
    if (!m_thread.joinable()) {
      m_thread = std::thread([this] {
        common::name_this_thread("reaper");
        run();
      });
    }
    m_jobs.push_back(std::move(job));
    ++m_taken;
  }
  m_work.notify_one();
}

void Reaper::drain() {
  std::unique_lock lock(m_mutex);
  uint64_t target = m_taken;
  m_done.wait(lock, [&] { return m_finished >= target; });
}

void Reaper::run() {
  std::unique_lock lock(m_mutex);
  for (;;) {
    m_work.wait(lock, [&] { return !m_jobs.empty() || m_stopping; });
    if (m_jobs.empty()) return;  // stopping, and nothing left
    std::function<void()> job = std::move(m_jobs.front());
    m_jobs.pop_front();
    lock.unlock();
    try {
      job();
    } catch (...) {
      // A process that cannot be waited for is left to the system: nobody is there to tell.
    }
    job = nullptr;  // what the job held goes before it counts as finished
    lock.lock();
    ++m_finished;
    m_done.notify_all();
  }
}

void retire(std::unique_ptr<ReplProcess> process) {
  if (!process) return;
  process->send_kill();
  std::shared_ptr<ReplProcess> dying(std::move(process));
  Reaper::instance().later([dying] { dying->kill(); });
}

}  // namespace lean_bridge
