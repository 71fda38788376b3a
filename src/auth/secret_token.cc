#include "auth/secret_token.h"

#include <sodium.h>

#include <vector>

#include "auth/base64url.h"
#include "core/sha256.h"

namespace ag {
namespace {

void InitOnce() {
  static const bool ready = sodium_init() >= 0;
  (void)ready;
}

}  // namespace

std::string RandomSecret(std::size_t bytes) {
  InitOnce();
  std::vector<unsigned char> buf(bytes);
  randombytes_buf(buf.data(), buf.size());
  return Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(buf.data()), buf.size()));
}

std::string SecretHash(std::string_view secret) { return Sha256Hex(secret); }

std::string RandomPassword(std::size_t length) {
  static constexpr std::string_view kAlphabet =
      "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";  // no 0/O, 1/l/I
  InitOnce();
  std::string out;
  out.reserve(length);
  for (std::size_t i = 0; i < length; ++i) {
    out.push_back(kAlphabet[randombytes_uniform(static_cast<std::uint32_t>(kAlphabet.size()))]);
  }
  return out;
}

}  // namespace ag
