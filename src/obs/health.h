#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/status.h"

namespace ag {

// One dependency the service needs to be ready: "database", "queue", "storage", ...
struct HealthCheck {
  std::string name;
  std::function<Status()> check;
};

struct HealthResult {
  std::string name;
  Status status;
};

inline std::vector<HealthResult> RunHealthChecks(const std::vector<HealthCheck>& checks) {
  std::vector<HealthResult> out;
  out.reserve(checks.size());
  for (const auto& c : checks) out.push_back({c.name, c.check()});
  return out;
}

}  // namespace ag
