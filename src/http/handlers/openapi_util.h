// Builders for OpenAPI 3.1 operation objects, so that each route documents itself where it is
// registered.
#pragma once

#include <string>
#include <vector>

#include "core/json.h"

namespace ag::openapi {

inline Json Ref(const std::string& schema) {
  return Json{{"$ref", "#/components/schemas/" + schema}};
}

inline Json JsonContent(const Json& schema) {
  return Json{{"application/json", Json{{"schema", schema}}}};
}

inline Json PathParam(const std::string& name, const std::string& description) {
  return Json{{"name", name},
              {"in", "path"},
              {"required", true},
              {"description", description},
              {"schema", Json{{"type", "integer"}, {"minimum", 1}}}};
}

inline Json QueryParam(const std::string& name, const std::string& type, bool required,
                       const std::string& description) {
  return Json{{"name", name},
              {"in", "query"},
              {"required", required},
              {"description", description},
              {"schema", Json{{"type", type}}}};
}

inline Json Response(const std::string& description, const Json& schema = nullptr) {
  Json r{{"description", description}};
  if (!schema.is_null()) r["content"] = JsonContent(schema);
  return r;
}

inline Json ErrorResponses(bool not_found, bool validation, bool bad_request = false) {
  Json r = Json::object();
  if (bad_request) r["400"] = Response("Bad input (the message says what)", Ref("Error"));
  if (not_found) r["404"] = Response("Not found", Ref("Error"));
  if (validation)
    r["422"] = Response("Validation error naming the field", Ref("HTTPValidationError"));
  return r;
}

inline Json Operation(const std::string& id, const std::string& summary, const std::string& tag,
                      Json responses, Json parameters = Json::array(),
                      Json request_body = nullptr) {
  Json op{{"operationId", id}, {"summary", summary}, {"tags", Json::array({tag})}};
  if (!parameters.empty()) op["parameters"] = std::move(parameters);
  if (!request_body.is_null()) op["requestBody"] = std::move(request_body);
  op["responses"] = std::move(responses);
  return op;
}

inline Json MultipartFileBody(const std::string& description,
                              Json extra_properties = Json::object()) {
  Json props{
      {"file", Json{{"type", "string"}, {"format", "binary"}, {"description", description}}}};
  for (auto& [k, v] : extra_properties.items()) props[k] = v;
  return Json{{"required", true},
              {"content", Json{{"multipart/form-data",
                                Json{{"schema", Json{{"type", "object"},
                                                     {"required", Json::array({"file"})},
                                                     {"properties", props}}}}}}}};
}

}  // namespace ag::openapi
