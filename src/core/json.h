// JSON in this project keeps the order in which fields were written, as the original service's
// responses did, and numbers that are whole print without a fraction ("10", not "10.0").
#pragma once

#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace ag {

using Json = nlohmann::ordered_json;

inline Json JsonNumber(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 9e15) {
    return Json(static_cast<std::int64_t>(v));
  }
  return Json(v);
}

// Serializes for the wire, a log or the database: invalid UTF-8 in user-supplied strings is
// replaced with U+FFFD instead of throwing.
inline std::string DumpJson(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Parses without throwing; a discarded value means the text is not JSON.
inline Json ParseJsonOrDiscarded(std::string_view text) {
  return Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
}

}  // namespace ag
