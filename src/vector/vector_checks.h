// The VectorIndex port's input rules, checked alike by every adapter (vector_index.h).
#pragma once

#include <span>
#include <vector>

#include "core/status.h"
#include "vector/vector_index.h"

namespace ag {

// InvalidArgument naming points.<i>.chunk|assignment|material|vector for the first bad point.
Status CheckPoints(const std::vector<VectorPoint>& points, int dimension);
// InvalidArgument naming k or query.
Status CheckQuery(std::span<const float> query, int k, int dimension);
// `v` scaled to unit length (a zero vector stays zero).
std::vector<float> UnitVector(std::span<const float> v);

}  // namespace ag
