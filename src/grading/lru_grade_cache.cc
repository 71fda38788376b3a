#include "grading/lru_grade_cache.h"

namespace ag {

std::optional<GraderOutput> LruGradeCache::Get(const std::string& key) {
  std::lock_guard lock(mu_);
  if (const GraderOutput* found = entries_.Find(key)) return *found;
  return std::nullopt;
}

void LruGradeCache::Put(const std::string& key, const GraderOutput& output) {
  std::lock_guard lock(mu_);
  entries_.Put(key, output);
}

std::size_t LruGradeCache::size() {
  std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace ag
