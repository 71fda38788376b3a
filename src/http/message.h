// HTTP requests and responses as the handlers see them: plain values, independent of the
// server library (Beast stays in server.cc), so handlers are tested without a socket.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/principal.h"
#include "core/json.h"

namespace ag {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as received, e.g. "/api/submissions/?assignment_id=3"
  std::string path;    // decoded, without the query
  std::vector<std::pair<std::string, std::string>> query;    // decoded, in order
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;
  std::string request_id;
  std::map<std::string, std::string> path_params;  // filled by the router
  std::string peer_address;                        // of the socket (set by the server)
  std::string client_address;  // the peer, or what a trusted proxy says (X-Forwarded-For)
  // The caller, once authenticated (every route but the public ones).
  std::optional<Principal> principal;

  std::optional<std::string_view> Header(std::string_view lower_name) const;
  std::optional<std::string_view> Query(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static HttpResponse FromJson(int status, const Json& body);
  static HttpResponse Text(int status, std::string content_type, std::string body);
};

// Splits "a=1&b=x%20y" into decoded pairs; '+' is a space.
std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view query);
// Percent-decoding; malformed escapes are kept as they are.
std::string PercentDecode(std::string_view s, bool plus_is_space);

}  // namespace ag
