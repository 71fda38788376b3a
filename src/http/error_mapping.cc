#include "http/error_mapping.h"

namespace ag {

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
    case StatusCode::kAborted:
    case StatusCode::kFailedPrecondition:
      return 409;
    case StatusCode::kResourceExhausted:
      return 429;
    case StatusCode::kUnimplemented:
      return 501;
    case StatusCode::kCancelled:
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kDeadlineExceeded:
      return 504;
    case StatusCode::kInternal:
      return 500;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kPermissionDenied:
      return 403;
  }
  return 500;
}

HttpResponse ErrorResponse(const Status& status) {
  if (status.code() == StatusCode::kInvalidArgument && !status.field().empty()) {
    Json loc = Json::array();
    for (const auto& part : status.field()) loc.push_back(part);
    const bool missing = status.message() == "field required";
    return HttpResponse::FromJson(
        422,
        Json{{"detail",
              Json::array({Json{{"loc", loc},
                                {"msg", status.message()},
                                {"type", missing ? "value_error.missing" : "value_error"}}})}});
  }
  const int code =
      status.reason() == ErrorReason::kUnsupportedMediaType ? 415 : HttpStatusFor(status.code());
  if (code == 500) return HttpResponse::FromJson(500, Json{{"detail", "Internal Server Error"}});
  return HttpResponse::FromJson(code, Json{{"detail", status.message()}});
}

}  // namespace ag
