#pragma once

#include "obs/metrics.h"

namespace ag {

// The standard process_* metrics of Prometheus client libraries (resident and virtual memory,
// CPU seconds, open and maximum file descriptors, start time), read from /proc at scrape time.
void RegisterProcessMetrics(MetricsRegistry& registry);

// Resident set size of this process in bytes, 0 when unknown.
std::int64_t ResidentMemoryBytes();

}  // namespace ag
