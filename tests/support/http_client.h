// A small blocking HTTP/1.1 client for the integration tests: one connection per request,
// responses read by Content-Length.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/json.h"

namespace ag::testing {

struct HttpResult {
  int status = 0;                                            // 0 when the request could not be made
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;
  std::string error;

  Json json() const { return ParseJsonOrDiscarded(body); }
  std::string header(const std::string& lower_name) const;
};

class HttpClient {
 public:
  explicit HttpClient(int port, std::string host = "127.0.0.1")
      : port_(port), host_(std::move(host)) {}

  HttpResult Get(const std::string& target) const;
  HttpResult PostJson(const std::string& target, const Json& body) const;
  // A multipart/form-data upload with one `file` field.
  HttpResult PostFile(const std::string& target, const std::string& filename,
                      const std::string& content) const;
  HttpResult Request(const std::string& method, const std::string& target,
                     const std::vector<std::pair<std::string, std::string>>& headers,
                     const std::string& body) const;
  // Sends raw bytes and returns what the server answered (for malformed requests).
  HttpResult Raw(const std::string& bytes) const;
  // Sends raw bytes and returns every byte the server sends until it closes.
  std::string Exchange(const std::string& bytes) const;

 private:
  int port_;
  std::string host_;
};

// Polls GET <prefix>/submissions/{id} until its status is `want` or "error" (or `limit`
// passes); the last answer.
Json WaitForStatus(const HttpClient& http, std::int64_t id, const std::string& want,
                   std::chrono::seconds limit = std::chrono::seconds(60),
                   const std::string& prefix = "");

}  // namespace ag::testing
