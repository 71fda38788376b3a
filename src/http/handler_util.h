// Small helpers the handlers share: typed path and query parameters with FastAPI-style errors,
// the uploaded file of a request, and Result-to-response.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/json.h"
#include "core/status.h"
#include "http/error_mapping.h"
#include "http/message.h"

namespace ag {

// A positive integer path parameter; 422 naming ["path", name] otherwise.
Result<std::int64_t> PathId(const HttpRequest& request, const std::string& name);
// The same parse of a parameter's text: the access check and the handlers must agree on which
// resource a path names.
Result<std::int64_t> ParsePathId(std::string_view text, const std::string& name);

// An integer query parameter in [min, max]; `fallback` when absent, or 422 when required.
Result<std::int64_t> QueryInt(const HttpRequest& request, const std::string& name,
                              std::optional<std::int64_t> fallback, std::int64_t min,
                              std::int64_t max);

// limit (1..10000, default `default_limit`) and offset (from 0) of a list; 422 naming the query
// parameter otherwise.
struct Page {
  int limit = 0;
  int offset = 0;
};
Result<Page> PageParams(const HttpRequest& request, int default_limit);

struct UploadedFile {
  std::string filename;
  std::string_view bytes;  // points into the request body
  // Other text fields of the form (e.g. student_id).
  std::vector<std::pair<std::string, std::string>> fields;
};

// The `file` field of a multipart/form-data body; 422 ["body", "file"] when it is missing.
Result<UploadedFile> FileField(const HttpRequest& request);

// The JSON body; 422 ["body"] when it is not JSON.
Result<Json> JsonBody(const HttpRequest& request);

// A JSON object body; 422 ["body"] otherwise.
Result<Json> JsonObjectBody(const HttpRequest& request);
// A string field of a JSON object: 422 ["body", name] when it is required and missing, or not a
// string. nullopt when optional and absent (or null).
Result<std::optional<std::string>> OptionalStringField(const Json& body, const std::string& name);
Result<std::string> StringField(const Json& body, const std::string& name);
// An integer id field (> 0); the same errors.
Result<std::optional<std::int64_t>> OptionalIdField(const Json& body, const std::string& name);

// The caller; the API sets it before any non-public handler runs.
const Principal& Caller(const HttpRequest& request);

template <typename T, typename F>
HttpResponse ToResponse(const Result<T>& result, F&& to_json) {
  if (!result.ok()) return ErrorResponse(result.status());
  return HttpResponse::FromJson(200, to_json(*result));
}

}  // namespace ag
