// The GradeCache port: a grader's output kept by a key that names everything the output
// depends on (for the LLM grader, the hash of the exact request: answer, rubric, reference,
// retrieved material, model, prompt version). A hit returns it without a call.
//
// Contract: Get returns a copy of the latest Put for the key, or nothing; entries may be evicted
// at any time (a cache, not a store). Thread-safe.
#pragma once

#include <optional>
#include <string>

#include "grading/grader.h"

namespace ag {

class GradeCache {
 public:
  virtual ~GradeCache() = default;
  virtual std::optional<GraderOutput> Get(const std::string& key) = 0;
  virtual void Put(const std::string& key, const GraderOutput& output) = 0;
};

}  // namespace ag
