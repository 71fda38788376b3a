// The JSON bodies of the routes that need no credentials (/auth/login, /auth/refresh,
// /auth/logout): parsed, their fields read and checked as the handlers do.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/handler_util.h"
#include "service/auth_service.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ag::HttpRequest request;
  request.method = "POST";
  request.body.assign(reinterpret_cast<const char*>(data), size);
  auto body = ag::JsonObjectBody(request);
  if (!body.ok()) return 0;
  for (const char* field : {"email", "password", "refresh_token", "name", "role", "code"}) {
    auto value = ag::OptionalStringField(*body, field);
    if (value.ok() && *value) (void)ag::NormalizeEmail(**value, {"body", field});
  }
  (void)ag::OptionalIdField(*body, "user_id");
  (void)ag::OptionalIdField(*body, "course_id");
  (void)ag::ErrorResponse(ag::InvalidArgumentError("x", {"body", "email"}));
  return 0;
}
