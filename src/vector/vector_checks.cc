#include "vector/vector_checks.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace ag {
namespace {

bool AllFinite(std::span<const float> v) {
  return std::all_of(v.begin(), v.end(), [](float x) { return std::isfinite(x); });
}

std::string SizeMismatch(const char* what, std::size_t got, int dimension) {
  std::string out = what;
  out.append(" has ").append(std::to_string(got)).append(" values, the index holds ");
  out.append(std::to_string(dimension)).append("-d vectors");
  return out;
}

}  // namespace

Status CheckPoints(const std::vector<VectorPoint>& points, int dimension) {
  for (std::size_t i = 0; i < points.size(); ++i) {
    const VectorPoint& pt = points[i];
    const std::string at = std::to_string(i);
    if (!pt.chunk.valid()) {
      return InvalidArgumentError("chunk id must be positive", {"points", at, "chunk"});
    }
    if (!pt.assignment.valid()) {
      return InvalidArgumentError("assignment id must be positive", {"points", at, "assignment"});
    }
    if (!pt.material.valid()) {
      return InvalidArgumentError("material id must be positive", {"points", at, "material"});
    }
    if (pt.vector.size() != static_cast<std::size_t>(dimension)) {
      return InvalidArgumentError(SizeMismatch("vector", pt.vector.size(), dimension),
                                  {"points", at, "vector"});
    }
    if (!AllFinite(pt.vector)) {
      return InvalidArgumentError("vector has a value that is not finite",
                                  {"points", at, "vector"});
    }
  }
  return OkStatus();
}

Status CheckQuery(std::span<const float> query, int k, int dimension) {
  if (k < 1) return InvalidArgumentError("k must be at least 1", {"k"});
  if (query.size() != static_cast<std::size_t>(dimension)) {
    return InvalidArgumentError(SizeMismatch("query", query.size(), dimension), {"query"});
  }
  if (!AllFinite(query)) {
    return InvalidArgumentError("query has a value that is not finite", {"query"});
  }
  return OkStatus();
}

std::vector<float> UnitVector(std::span<const float> v) {
  double norm = 0;
  for (float x : v) norm += static_cast<double>(x) * x;
  std::vector<float> out(v.begin(), v.end());
  if (norm <= 0) return out;
  const double inv = 1.0 / std::sqrt(norm);
  for (float& x : out) x = static_cast<float>(x * inv);
  return out;
}

}  // namespace ag
