#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace ag {

// An HTTP answer, as both HTTP clients (net/curl_easy.h, llm/curl_multi.h) return it.
struct HttpReply {
  long status = 0;
  std::string body;
  std::optional<std::chrono::milliseconds> retry_after;  // Retry-After or retry-after-ms
};

}  // namespace ag
