// Distinct id types, so a SubmissionId can never be passed where an AssignmentId is expected.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace ag {

template <typename Tag>
class Id {
 public:
  constexpr Id() = default;
  constexpr explicit Id(std::int64_t value) : value_(value) {}
  constexpr std::int64_t value() const { return value_; }
  constexpr bool valid() const { return value_ > 0; }
  std::string ToString() const { return std::to_string(value_); }
  friend constexpr auto operator<=>(Id, Id) = default;

 private:
  std::int64_t value_ = 0;
};

using AssignmentId = Id<struct AssignmentTag>;
using MaterialId = Id<struct MaterialTag>;
using ChunkId = Id<struct ChunkTag>;
using SubmissionId = Id<struct SubmissionTag>;
using GradeId = Id<struct GradeTag>;
using JobId = Id<struct JobTag>;
using UserId = Id<struct UserTag>;
using CourseId = Id<struct CourseTag>;
using ApiKeyId = Id<struct ApiKeyTag>;

}  // namespace ag

template <typename Tag>
struct std::hash<ag::Id<Tag>> {
  std::size_t operator()(ag::Id<Tag> id) const noexcept {
    return std::hash<std::int64_t>()(id.value());
  }
};
