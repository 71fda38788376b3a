#include "grading/job_outcome.h"

namespace ag {

JobDisposition DispositionFor(const Status& attempt) {
  switch (attempt.code()) {
    case StatusCode::kOk:
    case StatusCode::kNotFound:
      return JobDisposition::kAck;
    case StatusCode::kCancelled:
      return JobDisposition::kRelease;
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
    case StatusCode::kResourceExhausted:
    case StatusCode::kAborted:
    case StatusCode::kInternal:  // a crash-like failure may not repeat; the attempts bound it
      return JobDisposition::kRetry;
    case StatusCode::kInvalidArgument:
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kUnimplemented:
    case StatusCode::kUnauthenticated:  // an endpoint refusing our key: no retry fixes it
    case StatusCode::kPermissionDenied:
      return JobDisposition::kFail;
  }
  return JobDisposition::kFail;
}

}  // namespace ag
