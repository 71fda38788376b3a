// The GradeCache's in-process adapter: the most recently used `capacity` outputs.
#pragma once

#include <mutex>

#include "core/lru_map.h"
#include "grading/grade_cache.h"

namespace ag {

class LruGradeCache final : public GradeCache {
 public:
  explicit LruGradeCache(std::size_t capacity) : entries_(capacity) {}
  std::optional<GraderOutput> Get(const std::string& key) override;
  void Put(const std::string& key, const GraderOutput& output) override;
  std::size_t size();

 private:
  std::mutex mu_;
  LruMap<std::string, GraderOutput> entries_;
};

}  // namespace ag
