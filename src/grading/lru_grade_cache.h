// The GradeCache's in-process adapter: the most recently used `capacity` outputs.
#pragma once

#include <list>
#include <mutex>
#include <unordered_map>

#include "grading/grade_cache.h"

namespace ag {

class LruGradeCache final : public GradeCache {
 public:
  explicit LruGradeCache(std::size_t capacity) : capacity_(capacity) {}
  std::optional<GraderOutput> Get(const std::string& key) override;
  void Put(const std::string& key, const GraderOutput& output) override;
  std::size_t size();

 private:
  using Entry = std::pair<std::string, GraderOutput>;
  std::size_t capacity_;
  std::mutex mu_;
  std::list<Entry> order_;  // most recent first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

}  // namespace ag
