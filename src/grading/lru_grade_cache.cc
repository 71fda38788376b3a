#include "grading/lru_grade_cache.h"

namespace ag {

std::optional<GraderOutput> LruGradeCache::Get(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) return std::nullopt;
  order_.splice(order_.begin(), order_, it->second);
  return it->second->second;
}

void LruGradeCache::Put(const std::string& key, const GraderOutput& output) {
  if (capacity_ == 0) return;
  std::lock_guard lock(mu_);
  if (auto it = index_.find(key); it != index_.end()) {
    it->second->second = output;
    order_.splice(order_.begin(), order_, it->second);
    return;
  }
  order_.emplace_front(key, output);
  index_[key] = order_.begin();
  while (order_.size() > capacity_) {
    index_.erase(order_.back().first);
    order_.pop_back();
  }
}

std::size_t LruGradeCache::size() {
  std::lock_guard lock(mu_);
  return order_.size();
}

}  // namespace ag
