// A bearer token, as anyone can send one: every check of JwtCodec::Verify on arbitrary bytes,
// and, when the bytes verify (they should not), that they were signed with our key.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "auth/jwt.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const ag::JwtCodec codec = [] {
    ag::JwtOptions o;
    o.keys.push_back({"k1", "a fuzzing secret that is long enough, 32+", false});
    o.keys.push_back({"old", "a retired secret that is long enough, 32+", true});
    o.active_kid = "k1";
    return ag::JwtCodec::Create(o).value();
  }();
  const std::string_view token(reinterpret_cast<const char*>(data), size);
  auto claims = codec.Verify(token, ag::TimePoint(std::chrono::seconds(1'800'000'000)));
  // Forging a valid signature by mutation would be a broken HMAC check: stop loudly.
  if (claims.ok()) std::abort();
  return 0;
}
