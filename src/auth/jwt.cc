#include "auth/jwt.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <set>
#include <stdexcept>

#include "auth/base64url.h"

namespace ag {
namespace {

std::int64_t Seconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

TimePoint FromSeconds(std::int64_t s) { return TimePoint(std::chrono::seconds(s)); }

Status Refused(std::string why) { return UnauthenticatedError("invalid token: " + why); }

}  // namespace

std::string Hs256Signature(std::string_view secret, std::string_view signing_input) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  std::size_t len = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, secret.data(), secret.size(),
                reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(),
                mac, sizeof mac, &len) == nullptr) {
    throw std::runtime_error("HMAC-SHA256 is not available from OpenSSL");
  }
  return Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(mac), len));
}

Result<JwtCodec> JwtCodec::Create(JwtOptions options) {
  std::set<std::string> kids;
  for (const JwtKey& k : options.keys) {
    if (k.kid.empty()) return InvalidArgumentError("a JWT key has no kid", {"kid"});
    if (!kids.insert(k.kid).second) {
      return InvalidArgumentError("JWT key '" + k.kid + "' is given twice", {"kid"});
    }
    if (k.secret.size() < 32) {
      return InvalidArgumentError("JWT key '" + k.kid + "' is shorter than 32 bytes",
                                  {"JWT_SECRET"});
    }
  }
  JwtCodec codec(std::move(options));
  const JwtKey* active = codec.Find(codec.options_.active_kid);
  if (active == nullptr || active->retired) {
    return InvalidArgumentError("no active JWT key '" + codec.options_.active_kid + "'",
                                {"JWT_SECRET"});
  }
  return codec;
}

const JwtKey* JwtCodec::Find(std::string_view kid) const {
  for (const JwtKey& k : options_.keys) {
    if (k.kid == kid) return &k;
  }
  return nullptr;
}

std::string JwtCodec::Sign(const JwtClaims& c) const {
  const JwtKey& key = *Find(options_.active_kid);
  const Json header{{"alg", "HS256"}, {"typ", "JWT"}, {"kid", key.kid}};
  Json payload = c.extra.is_object() ? c.extra : Json::object();
  payload["sub"] = c.subject;
  payload["iss"] = options_.issuer;
  payload["aud"] = options_.audience;
  payload["iat"] = Seconds(c.issued_at);
  payload["nbf"] = Seconds(c.not_before);
  payload["exp"] = Seconds(c.expires_at);
  if (!c.id.empty()) payload["jti"] = c.id;
  std::string input = Base64UrlEncode(DumpJson(header));
  input.push_back('.');
  input.append(Base64UrlEncode(DumpJson(payload)));
  const std::string signature = Hs256Signature(key.secret, input);
  input.push_back('.');
  input.append(signature);
  return input;
}

Result<JwtClaims> JwtCodec::Verify(std::string_view token, TimePoint now) const {
  if (token.size() > 8192) return Refused("too long");
  const auto first = token.find('.');
  const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return Refused("not three dot-separated parts");
  }
  const auto header_text = Base64UrlDecode(token.substr(0, first));
  const auto payload_text = Base64UrlDecode(token.substr(first + 1, second - first - 1));
  const auto signature = token.substr(second + 1);
  if (!header_text || !payload_text) return Refused("a part is not base64url");
  const Json header = ParseJsonOrDiscarded(*header_text);
  if (!header.is_object()) return Refused("the header is not a JSON object");
  // The algorithm is ours to choose, never the token's: HS256 or nothing.
  if (!header.contains("alg") || header["alg"] != "HS256") return Refused("algorithm not HS256");
  if (!header.contains("kid") || !header["kid"].is_string()) return Refused("no key id");
  const JwtKey* key = Find(header["kid"].get<std::string>());
  if (key == nullptr) return Refused("unknown key id");
  if (key->retired) return Refused("retired key id");
  const std::string expected = Hs256Signature(key->secret, token.substr(0, second));
  if (expected.size() != signature.size() ||
      CRYPTO_memcmp(expected.data(), signature.data(), expected.size()) != 0) {
    return Refused("bad signature");
  }
  const Json p = ParseJsonOrDiscarded(*payload_text);
  if (!p.is_object()) return Refused("the payload is not a JSON object");
  const auto number = [&](const char* name) -> std::optional<std::int64_t> {
    if (!p.contains(name) || !p[name].is_number_integer()) return std::nullopt;
    return p[name].get<std::int64_t>();
  };
  const auto exp = number("exp");
  if (!exp) return Refused("no expiry");
  const std::int64_t t = Seconds(now);
  const std::int64_t leeway = options_.leeway.count();
  if (t - leeway >= *exp) return Refused("expired");
  const auto nbf = number("nbf");
  if (p.contains("nbf") && !nbf) return Refused("nbf is not a number");
  if (nbf && t + leeway < *nbf) return Refused("not valid yet");
  if (!p.contains("iss") || p["iss"] != options_.issuer) return Refused("another issuer");
  bool audience = false;
  if (p.contains("aud") && p["aud"].is_string()) audience = p["aud"] == options_.audience;
  if (p.contains("aud") && p["aud"].is_array()) {
    for (const Json& a : p["aud"]) audience = audience || a == options_.audience;
  }
  if (!audience) return Refused("another audience");
  if (!p.contains("sub") || !p["sub"].is_string()) return Refused("no subject");
  JwtClaims c;
  c.subject = p["sub"].get<std::string>();
  c.expires_at = FromSeconds(*exp);
  if (nbf) c.not_before = FromSeconds(*nbf);
  if (auto iat = number("iat")) c.issued_at = FromSeconds(*iat);
  if (p.contains("jti") && p["jti"].is_string()) c.id = p["jti"].get<std::string>();
  c.extra = p;
  for (const char* registered : {"sub", "iss", "aud", "iat", "nbf", "exp", "jti"}) {
    c.extra.erase(registered);
  }
  return c;
}

}  // namespace ag
