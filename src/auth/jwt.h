// JSON Web Tokens for the API's access tokens: HS256 only, signed with the active key and
// checked against every key not retired, found by the token's `kid`, so keys rotate without
// logging anyone out: add the new key as active, keep the old one until its tokens expire, then
// retire it. Every claim is checked here, by this code (exp, nbf, iss, aud); the algorithm must
// be HS256 exactly ("none" and every other is refused), the signature is compared in constant
// time.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/json.h"
#include "core/status.h"

namespace ag {

struct JwtKey {
  std::string kid;
  std::string secret;    // at least 32 bytes
  bool retired = false;  // its tokens are refused
};

struct JwtOptions {
  std::vector<JwtKey> keys;
  std::string active_kid;  // signs new tokens
  std::string issuer = "autograder";
  std::string audience = "autograder-api";
  std::chrono::seconds leeway{30};  // clock skew allowed on exp and nbf
};

struct JwtClaims {
  std::string subject;  // sub
  TimePoint issued_at;  // iat
  TimePoint not_before;
  TimePoint expires_at;
  std::string id;               // jti
  Json extra = Json::object();  // other claims (role, ...), carried as they are
};

// HMAC-SHA256 of `signing_input` under `secret`, base64url: a JWS HS256 signature.
std::string Hs256Signature(std::string_view secret, std::string_view signing_input);

class JwtCodec {
 public:
  // InvalidArgument naming the problem when there is no active key, a kid is repeated or empty,
  // or a secret is shorter than 32 bytes.
  static Result<JwtCodec> Create(JwtOptions options);

  std::string Sign(const JwtClaims& claims) const;
  // Unauthenticated, with the reason, for anything but a well-formed, HS256-signed, unexpired,
  // already valid token of this issuer and audience under a key that is not retired.
  Result<JwtClaims> Verify(std::string_view token, TimePoint now) const;

 private:
  explicit JwtCodec(JwtOptions options) : options_(std::move(options)) {}
  const JwtKey* Find(std::string_view kid) const;

  JwtOptions options_;
};

}  // namespace ag
