// A queue between two threads of a pipeline: producers push, one consumer takes everything
// waiting (up to a limit) at once, and closing lets the consumer drain what is left and stop.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <vector>

namespace ag {

template <typename T>
class HandoffQueue {
 public:
  void Push(T item) {
    {
      std::lock_guard lock(mu_);
      items_.push_back(std::move(item));
    }
    cv_.notify_one();
  }

  void PushAll(std::vector<T>& items) {
    if (items.empty()) return;
    {
      std::lock_guard lock(mu_);
      for (T& item : items) items_.push_back(std::move(item));
    }
    items.clear();
    cv_.notify_one();
  }

  // Waits until something is waiting or the queue is closed; returns at most `max` items, the
  // oldest first. Empty only when the queue is closed and drained.
  std::vector<T> TakeUpTo(std::size_t max) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !items_.empty() || closed_; });
    std::vector<T> out;
    out.reserve(std::min(max, items_.size()));
    while (!items_.empty() && out.size() < max) {
      out.push_back(std::move(items_.front()));
      items_.pop_front();
    }
    return out;
  }

  // After Close, TakeUpTo returns what is left, then empty.
  void Close() {
    {
      std::lock_guard lock(mu_);
      closed_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<T> items_;
  bool closed_ = false;
};

}  // namespace ag
