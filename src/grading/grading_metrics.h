#pragma once

#include "obs/metrics.h"

namespace ag {

// The grading metrics of the deployment guide (grading_requests_total,
// grading_duration_seconds) and how jobs end.
struct GradingMetrics {
  explicit GradingMetrics(MetricsRegistry& registry)
      : requests(registry.AddCounter("grading_requests_total", "Total grading requests").Get()),
        duration(registry
                     .AddHistogram("grading_duration_seconds", "Grading duration",
                                   {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
                                    120, 300})
                     .Get()),
        outcomes(registry.AddCounter("grading_jobs_total",
                                     "Grading job attempts by how they ended: done, retry, dead, "
                                     "cancelled, gone",
                                     {"outcome"})) {}

  Counter& requests;
  Histogram& duration;
  CounterFamily& outcomes;
};

}  // namespace ag
