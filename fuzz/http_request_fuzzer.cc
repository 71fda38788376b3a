// Bytes from the network, parsed as the server parses a request (http/wire.h), then what the
// API does first with any request before it checks who is calling: the query string, the path,
// and the bearer token of the Authorization header.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "auth/jwt.h"
#include "http/wire.h"

namespace {

const ag::JwtCodec& Codec() {
  static const ag::JwtCodec codec = [] {
    ag::JwtOptions o;
    o.keys.push_back({"k1", "a fuzzing secret that is long enough, 32+", false});
    o.active_kid = "k1";
    return ag::JwtCodec::Create(o).value();
  }();
  return codec;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  ag::WireLimits limits;
  limits.max_body_bytes = 64 * 1024;
  auto request = ag::ParseHttpRequest(bytes, limits);
  if (!request.ok()) return 0;
  for (const auto& [k, v] : request->query) (void)(k.size() + v.size());
  if (auto auth = request->Header("authorization"); auth && auth->size() > 7) {
    (void)Codec().Verify(auth->substr(7), ag::TimePoint(std::chrono::seconds(1'800'000'000)));
  }
  (void)request->Query("assignment_id");
  return 0;
}
