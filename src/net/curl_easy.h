// Blocking HTTP calls for the adapters that make one call at a time per caller (S3, Qdrant):
// libcurl easy handles borrowed from a pool, so their kept-alive connections are reused by the
// next call. (Many calls in flight on one thread are CurlMulti's job, src/llm/curl_multi.h.)
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "net/http_reply.h"

namespace ag {

struct HttpCall {
  std::string method = "GET";  // GET, HEAD, PUT, POST, DELETE
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string_view body;             // sent as it is (streamed, not copied); PUT and POST
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds timeout{60000};  // the whole call
};

class CurlEasyPool {
 public:
  CurlEasyPool();
  ~CurlEasyPool();
  CurlEasyPool(const CurlEasyPool&) = delete;
  CurlEasyPool& operator=(const CurlEasyPool&) = delete;

  // Any HTTP status is a reply; a call that got none (refused, reset, timed out) is
  // Unavailable with curl's reason. Thread-safe.
  Result<HttpReply> Send(const HttpCall& call);

 private:
  void* Acquire();
  void Release(void* handle);

  std::mutex mu_;
  std::vector<void*> idle_;
};

}  // namespace ag
