#pragma once

#include <chrono>

#include "grading/grader.h"

namespace ag {

// Wraps a grader and adds a fixed latency to every call, as an LLM endpoint would: for load
// tests and failure drills (GRADER_DELAY_MS), so that jobs are really in flight. The wait ends
// early, with Cancelled, when stop is requested.
class DelayedGrader final : public Grader {
 public:
  DelayedGrader(Grader& inner, std::chrono::milliseconds delay) : inner_(inner), delay_(delay) {}
  Result<GraderOutput> Grade(const GradingRequest& request, std::stop_token stop) override;

 private:
  Grader& inner_;
  std::chrono::milliseconds delay_;
};

}  // namespace ag
