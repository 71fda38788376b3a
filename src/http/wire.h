// One HTTP/1.1 request parsed from bytes exactly as the server parses what it reads (Beast's
// parser, the same header and body limits, the same conversion): for the fuzz target of the
// request parser, and for tests that start from raw bytes.
#pragma once

#include <cstddef>
#include <string_view>

#include "core/status.h"
#include "http/message.h"

namespace ag {

struct WireLimits {
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = (25 << 20) + 65536;
};

// InvalidArgument for a malformed or incomplete request; ResourceExhausted past a limit.
Result<HttpRequest> ParseHttpRequest(std::string_view bytes, const WireLimits& limits = {});

}  // namespace ag
