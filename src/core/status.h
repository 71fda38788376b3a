// Errors are values. A Status carries one of abseil's canonical codes (whose meaning decides
// both the HTTP status, in http/error_mapping.cc, and whether a grading job is retried, in
// grading/job_outcome.cc), a message for humans, and, for bad input, the location of the
// offending field, e.g. {"body", "rubric", "intro", "max_points"}, or a finer reason.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace ag {

enum class StatusCode {
  kOk = 0,
  kCancelled,           // the caller gave up (shutdown); never an error of the work itself
  kInvalidArgument,     // bad input; names the field when there is one. 400 / 422
  kNotFound,            // 404
  kAlreadyExists,       // 409
  kAborted,             // a conflict; retry at a higher level. 409
  kFailedPrecondition,  // the system is not in a state to do this; never retried. 409
  kUnavailable,         // a dependency is down or busy; retried with backoff. 503
  kDeadlineExceeded,    // retried with backoff. 504
  kResourceExhausted,   // quota or size; retried with backoff. 429 (413 for bodies)
  kUnimplemented,       // not built (yet). 501
  kInternal,            // a bug or a broken invariant. 500
  kUnauthenticated,     // no credentials, or ones that do not prove who the caller is. 401
  kPermissionDenied,    // a known caller not allowed to do this. 403
};

std::string_view StatusCodeName(StatusCode code);

// A finer reason within a code, for the few errors the HTTP edge must answer differently from
// their code's usual status (google.rpc.ErrorInfo's `reason`, as a closed set). Retry decisions
// look at the code only. Most errors have none.
enum class ErrorReason {
  kNone = 0,
  kUnsupportedMediaType,  // InvalidArgument: the file's type is not one we read. 415, not 400
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message, std::vector<std::string> field = {})
      : code_(code), message_(std::move(message)), field_(std::move(field)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // Location of the offending input, outermost first; empty when the error is not about a field.
  const std::vector<std::string>& field() const { return field_; }
  ErrorReason reason() const { return reason_; }

  // "NOT_FOUND: submission 7 not found"
  std::string ToString() const;

  // Returns a copy whose message is "prefix: message"; the code, field and reason stay.
  Status WithContext(std::string_view prefix) const;
  // Returns a copy with `reason`; on OK it returns OK unchanged.
  Status WithReason(ErrorReason reason) const;

  void IgnoreError() const {}

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::vector<std::string> field_;
  ErrorReason reason_ = ErrorReason::kNone;
};

inline Status OkStatus() { return Status(); }
Status InvalidArgumentError(std::string message, std::vector<std::string> field = {});
Status NotFoundError(std::string message);
Status AlreadyExistsError(std::string message);
Status AbortedError(std::string message);
Status FailedPreconditionError(std::string message);
Status UnavailableError(std::string message);
Status DeadlineExceededError(std::string message);
Status ResourceExhaustedError(std::string message);
Status UnimplementedError(std::string message);
Status InternalError(std::string message);
Status CancelledError(std::string message);
Status UnauthenticatedError(std::string message);
Status PermissionDeniedError(std::string message);
// InvalidArgument with ErrorReason::kUnsupportedMediaType: an upload of a type we do not read.
Status UnsupportedMediaTypeError(std::string message);

// Shaped like std::expected<T, Status>: holds a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : data_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(data_).ok() && "a Result needs a value or an error");
  }

  bool ok() const { return std::holds_alternative<T>(data_); }
  bool has_value() const { return ok(); }
  explicit operator bool() const { return ok(); }

  const Status& status() const& {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(data_);
  }
  // By value on a temporary, so that `RETURN_IF_ERROR(MakeResult().status())` and
  // `const Status& s = MakeResult().status();` do not keep a reference into a dead Result.
  Status status() && { return ok() ? Status() : std::get<Status>(std::move(data_)); }

  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  // By value, so that `for (auto& x : *MakeResult())` does not dangle.
  T value() && { return std::get<T>(std::move(data_)); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  template <typename U>
  T value_or(U&& fallback) const& {
    return ok() ? value() : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::variant<T, Status> data_;
};

namespace internal {
inline const Status& AsStatus(const Status& s) { return s; }
template <typename T>
const Status& AsStatus(const Result<T>& r) {
  return r.status();
}
}  // namespace internal

}  // namespace ag

#define AG_CONCAT_INNER(a, b) a##b
#define AG_CONCAT(a, b) AG_CONCAT_INNER(a, b)

// Returns the error of a Status or Result expression from the calling function.
#define RETURN_IF_ERROR(expr)                                \
  do {                                                       \
    const auto& ag_status_or_result = (expr);                \
    if (!::ag::internal::AsStatus(ag_status_or_result).ok()) \
      return ::ag::internal::AsStatus(ag_status_or_result);  \
  } while (false)

// ASSIGN_OR_RETURN(auto x, MakeX()); declares or assigns lhs from a Result, or returns its error.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(AG_CONCAT(ag_result_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()
