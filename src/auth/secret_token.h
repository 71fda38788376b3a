// Opaque secrets handed to clients (refresh tokens, API keys, generated passwords): random bytes
// from the operating system (libsodium's randombytes), base64url. Only their SHA-256 is stored.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ag {

// `bytes` random bytes, base64url without padding.
std::string RandomSecret(std::size_t bytes = 32);
// The stored form of a secret: lower-case hex SHA-256.
std::string SecretHash(std::string_view secret);
// A password for a generated account: letters and digits, easy to type.
std::string RandomPassword(std::size_t length = 20);

}  // namespace ag
