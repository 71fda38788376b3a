#include "http/handler_util.h"

#include <charconv>

#include "http/multipart.h"

namespace ag {
namespace {

std::optional<std::int64_t> ParseInt(std::string_view s) {
  std::int64_t v = 0;
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

}  // namespace

Result<std::int64_t> ParsePathId(std::string_view text, const std::string& name) {
  auto v = ParseInt(text);
  if (!v) return InvalidArgumentError("value is not a valid integer", {"path", name});
  if (*v <= 0) return InvalidArgumentError("ensure this value is greater than 0", {"path", name});
  return *v;
}

Result<std::int64_t> PathId(const HttpRequest& request, const std::string& name) {
  auto it = request.path_params.find(name);
  if (it == request.path_params.end()) return InternalError("route has no parameter " + name);
  return ParsePathId(it->second, name);
}

Result<std::int64_t> QueryInt(const HttpRequest& request, const std::string& name,
                              std::optional<std::int64_t> fallback, std::int64_t min,
                              std::int64_t max) {
  auto raw = request.Query(name);
  if (!raw) {
    if (fallback) return *fallback;
    return InvalidArgumentError("field required", {"query", name});
  }
  auto v = ParseInt(*raw);
  if (!v) return InvalidArgumentError("value is not a valid integer", {"query", name});
  if (*v < min || *v > max) {
    return InvalidArgumentError(
        "must be between " + std::to_string(min) + " and " + std::to_string(max), {"query", name});
  }
  return *v;
}

Result<Page> PageParams(const HttpRequest& request, int default_limit) {
  ASSIGN_OR_RETURN(std::int64_t limit, QueryInt(request, "limit", default_limit, 1, 10000));
  ASSIGN_OR_RETURN(std::int64_t offset, QueryInt(request, "offset", 0, 0, INT32_MAX));
  return Page{static_cast<int>(limit), static_cast<int>(offset)};
}

Result<UploadedFile> FileField(const HttpRequest& request) {
  const auto content_type = request.Header("content-type");
  if (!content_type) return InvalidArgumentError("field required", {"body", "file"});
  auto boundary = MultipartBoundary(*content_type);
  if (!boundary.ok()) {
    return InvalidArgumentError(boundary.status().message(), {"body", "file"});
  }
  ASSIGN_OR_RETURN(auto parts, ParseMultipart(request.body, *boundary));
  UploadedFile out;
  bool found = false;
  int files = 0;
  for (const auto& p : parts) {
    if (p.name == "file" || p.filename) {
      // One file per request: any other would be dropped unseen.
      if (++files > 1) return InvalidArgumentError("one file per request", {"body", "file"});
      if (p.name != "file") continue;
      out.filename = SanitizeFilename(p.filename.value_or("upload"));
      out.bytes = p.data;
      found = true;
    } else {
      out.fields.emplace_back(p.name, std::string(p.data));
    }
  }
  if (!found) return InvalidArgumentError("field required", {"body", "file"});
  return out;
}

Result<Json> JsonBody(const HttpRequest& request) {
  Json body = ParseJsonOrDiscarded(request.body);
  if (body.is_discarded()) {
    return InvalidArgumentError("request body is not valid JSON", {"body"});
  }
  return body;
}

Result<Json> JsonObjectBody(const HttpRequest& request) {
  ASSIGN_OR_RETURN(Json body, JsonBody(request));
  if (!body.is_object()) return InvalidArgumentError("must be a JSON object", {"body"});
  return body;
}

Result<std::optional<std::string>> OptionalStringField(const Json& body, const std::string& name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) return InvalidArgumentError("must be a string", {"body", name});
  return std::optional<std::string>(it->get<std::string>());
}

Result<std::string> StringField(const Json& body, const std::string& name) {
  ASSIGN_OR_RETURN(auto value, OptionalStringField(body, name));
  if (!value) return InvalidArgumentError("field required", {"body", name});
  return std::move(*value);
}

Result<std::optional<std::int64_t>> OptionalIdField(const Json& body, const std::string& name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::optional<std::int64_t>();
  if (!it->is_number_integer() || it->get<std::int64_t>() <= 0) {
    return InvalidArgumentError("must be a positive integer", {"body", name});
  }
  return std::optional<std::int64_t>(it->get<std::int64_t>());
}

const Principal& Caller(const HttpRequest& request) {
  // Public routes have no caller; a handler that asks anyway gets no more than a guest would.
  static const Principal kNobody;
  return request.principal ? *request.principal : kNobody;
}

}  // namespace ag
