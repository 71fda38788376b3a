#include "http/wire.h"

#include <algorithm>
#include <cctype>

#include "http/beast_request.h"

namespace ag {

namespace http = boost::beast::http;

HttpRequest FromBeastRequest(http::request<http::string_body>&& req) {
  HttpRequest out;
  out.method = std::string(req.method_string());
  out.target = std::string(req.target());
  const std::string_view target = out.target;
  const auto q = target.find('?');
  out.path = PercentDecode(target.substr(0, q), false);
  if (q != std::string_view::npos) out.query = ParseQuery(target.substr(q + 1));
  for (const auto& field : req) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    out.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  out.body = std::move(req.body());
  return out;
}

Result<HttpRequest> ParseHttpRequest(std::string_view bytes, const WireLimits& limits) {
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
  parser.body_limit(limits.max_body_bytes);
  parser.eager(true);
  boost::beast::error_code ec;
  std::size_t used = 0;
  while (!ec && !parser.is_done() && used < bytes.size()) {
    used += parser.put(boost::asio::buffer(bytes.data() + used, bytes.size() - used), ec);
    if (ec == http::error::need_more) break;
  }
  if (ec == http::error::header_limit || ec == http::error::body_limit) {
    return ResourceExhaustedError("request exceeds a limit: " + ec.message());
  }
  if (ec && ec != http::error::need_more)
    return InvalidArgumentError("malformed request: " + ec.message());
  if (!parser.is_done()) {
    // A body that runs to the end of the bytes (no Content-Length) ends here.
    parser.put_eof(ec);
    if (ec || !parser.is_done()) return InvalidArgumentError("incomplete request");
  }
  return FromBeastRequest(parser.release());
}

}  // namespace ag
