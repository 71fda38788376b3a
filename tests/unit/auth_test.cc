// Tokens and password hashes: RFC vectors, every way a token must be refused, key rotation, and
// the bound on concurrent argon2id work.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "auth/base64url.h"
#include "auth/jwt.h"
#include "auth/password_hasher.h"

namespace ag {
namespace {

using namespace std::chrono_literals;

TEST(Base64UrlTest, Rfc4648VectorsAndStrictDecoding) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base64UrlEncode(plain), encoded);
    EXPECT_EQ(Base64UrlDecode(encoded), std::string(plain));
  }
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");  // the URL-safe letters
  EXPECT_FALSE(Base64UrlDecode("Zg==").has_value()) << "no padding";
  EXPECT_FALSE(Base64UrlDecode("Zm9v+").has_value());
  EXPECT_FALSE(Base64UrlDecode("Z").has_value());
  EXPECT_FALSE(Base64UrlDecode("Zh").has_value()) << "one encoding per value";
}

// RFC 7515, appendix A.1: the HS256 example, its key and its signature.
TEST(JwtTest, Rfc7515HmacExample) {
  const auto key = Base64UrlDecode(
      "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow");
  ASSERT_TRUE(key.has_value());
  const std::string input =
      "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
      "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVl"
      "fQ";
  EXPECT_EQ(Hs256Signature(*key, input), "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
}

const std::string kSecretA(40, 'a');
const std::string kSecretB(40, 'b');
const TimePoint kNow = TimePoint(std::chrono::seconds(1'800'000'000));

JwtOptions Options(std::vector<JwtKey> keys, std::string active) {
  JwtOptions o;
  o.keys = std::move(keys);
  o.active_kid = std::move(active);
  o.leeway = 30s;
  return o;
}

JwtCodec Codec(std::vector<JwtKey> keys = {{"k1", kSecretA}}, std::string active = "k1") {
  return JwtCodec::Create(Options(std::move(keys), std::move(active))).value();
}

JwtClaims Claims(TimePoint now = kNow, std::chrono::seconds ttl = 900s) {
  JwtClaims c;
  c.subject = "42";
  c.issued_at = c.not_before = now;
  c.expires_at = now + ttl;
  c.id = "t-1";
  c.extra = Json{{"role", "instructor"}};
  return c;
}

// A token with the given header and payload, signed with `secret` (for hostile tokens).
std::string Forge(const Json& header, const Json& payload, const std::string& secret) {
  std::string input = Base64UrlEncode(DumpJson(header)) + "." + Base64UrlEncode(DumpJson(payload));
  return input + "." + Hs256Signature(secret, input);
}

Json ValidPayload() {
  return Json{{"sub", "42"},          {"iss", "autograder"},  {"aud", "autograder-api"},
              {"iat", 1'800'000'000}, {"nbf", 1'800'000'000}, {"exp", 1'800'000'900}};
}

void ExpectRefused(const JwtCodec& codec, const std::string& token, const std::string& why) {
  auto r = codec.Verify(token, kNow);
  ASSERT_FALSE(r.ok()) << why;
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated) << why;
  EXPECT_NE(r.status().message().find(why), std::string::npos) << r.status().message();
}

TEST(JwtTest, SignsAndVerifiesItsOwnTokens) {
  const JwtCodec codec = Codec();
  auto claims = codec.Verify(codec.Sign(Claims()), kNow + 10s);
  ASSERT_TRUE(claims.ok()) << claims.status().ToString();
  EXPECT_EQ(claims->subject, "42");
  EXPECT_EQ(claims->id, "t-1");
  EXPECT_EQ(claims->expires_at, kNow + 900s);
  EXPECT_EQ(claims->extra, (Json{{"role", "instructor"}}));
}

TEST(JwtTest, RefusesExpiredAndNotYetValidTokensBeyondTheLeeway) {
  const JwtCodec codec = Codec();
  const std::string token = codec.Sign(Claims());
  EXPECT_TRUE(codec.Verify(token, kNow + 900s + 29s).ok()) << "within the leeway";
  auto late = codec.Verify(token, kNow + 900s + 30s);
  ASSERT_FALSE(late.ok());
  EXPECT_NE(late.status().message().find("expired"), std::string::npos);
  auto early = codec.Verify(codec.Sign(Claims(kNow + 120s)), kNow);
  ASSERT_FALSE(early.ok());
  EXPECT_NE(early.status().message().find("not valid yet"), std::string::npos);
  Json no_exp = ValidPayload();
  no_exp.erase("exp");
  ExpectRefused(codec, Forge({{"alg", "HS256"}, {"kid", "k1"}}, no_exp, kSecretA), "no expiry");
}

TEST(JwtTest, RefusesAnotherAudienceOrIssuer) {
  const JwtCodec codec = Codec();
  Json aud = ValidPayload();
  aud["aud"] = "another-api";
  ExpectRefused(codec, Forge({{"alg", "HS256"}, {"kid", "k1"}}, aud, kSecretA), "another audience");
  aud["aud"] = Json::array({"x", "autograder-api"});
  EXPECT_TRUE(codec.Verify(Forge({{"alg", "HS256"}, {"kid", "k1"}}, aud, kSecretA), kNow).ok());
  Json iss = ValidPayload();
  iss["iss"] = "someone-else";
  ExpectRefused(codec, Forge({{"alg", "HS256"}, {"kid", "k1"}}, iss, kSecretA), "another issuer");
}

TEST(JwtTest, RefusesAlgNoneOtherAlgorithmsWrongKeysAndTampering) {
  const JwtCodec codec = Codec();
  // alg none, with and without a signature.
  const std::string none_input = Base64UrlEncode(R"({"alg":"none","kid":"k1"})") + "." +
                                 Base64UrlEncode(DumpJson(ValidPayload()));
  ExpectRefused(codec, none_input + ".", "algorithm not HS256");
  ExpectRefused(codec, none_input + "." + Hs256Signature(kSecretA, none_input),
                "algorithm not HS256");
  ExpectRefused(codec, Forge({{"alg", "HS512"}, {"kid", "k1"}}, ValidPayload(), kSecretA),
                "algorithm not HS256");
  ExpectRefused(codec, Forge({{"alg", "RS256"}, {"kid", "k1"}}, ValidPayload(), kSecretA),
                "algorithm not HS256");
  // The right kid, the wrong secret.
  ExpectRefused(codec, Forge({{"alg", "HS256"}, {"kid", "k1"}}, ValidPayload(), kSecretB),
                "bad signature");
  ExpectRefused(codec, Forge({{"alg", "HS256"}, {"kid", "k9"}}, ValidPayload(), kSecretA),
                "unknown key id");
  ExpectRefused(codec, Forge({{"alg", "HS256"}}, ValidPayload(), kSecretA), "no key id");
  // A payload changed after signing (a student making themself admin).
  std::string token = codec.Sign(Claims());
  const auto dot1 = token.find('.'), dot2 = token.rfind('.');
  Json payload = ParseJsonOrDiscarded(*Base64UrlDecode(token.substr(dot1 + 1, dot2 - dot1 - 1)));
  payload["role"] = "admin";
  const std::string tampered =
      token.substr(0, dot1 + 1) + Base64UrlEncode(DumpJson(payload)) + token.substr(dot2);
  ExpectRefused(codec, tampered, "bad signature");
  // Malformed.
  ExpectRefused(codec, "abc", "three");
  ExpectRefused(codec, "a.b.c.d", "three");
  ExpectRefused(codec, "!!!.e30.x", "base64url");
  ExpectRefused(codec, Base64UrlEncode("[]") + ".e30.x", "header");
}

TEST(JwtTest, RotationKeepsOldTokensValidUntilTheirKeyIsRetired) {
  const JwtCodec before = Codec({{"k1", kSecretA}}, "k1");
  const std::string old_token = before.Sign(Claims());
  // k2 becomes active; k1 still verifies.
  const JwtCodec during = Codec({{"k1", kSecretA}, {"k2", kSecretB}}, "k2");
  EXPECT_TRUE(during.Verify(old_token, kNow).ok());
  const std::string new_token = during.Sign(Claims());
  const Json header =
      ParseJsonOrDiscarded(*Base64UrlDecode(new_token.substr(0, new_token.find('.'))));
  EXPECT_EQ(header["kid"], "k2");
  EXPECT_EQ(header["alg"], "HS256");
  EXPECT_TRUE(during.Verify(new_token, kNow).ok());
  EXPECT_FALSE(before.Verify(new_token, kNow).ok()) << "k2 unknown there";
  // k1 retired: its tokens are refused, k2's are not.
  const JwtCodec after = Codec({{"k1", kSecretA, true}, {"k2", kSecretB}}, "k2");
  ExpectRefused(after, old_token, "retired key id");
  EXPECT_TRUE(after.Verify(new_token, kNow).ok());
}

TEST(JwtTest, RefusesWeakOrAmbiguousKeySets) {
  EXPECT_EQ(JwtCodec::Create(Options({{"k1", "short"}}, "k1")).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_FALSE(JwtCodec::Create(Options({{"k1", kSecretA}, {"k1", kSecretB}}, "k1")).ok());
  EXPECT_FALSE(JwtCodec::Create(Options({{"k1", kSecretA}}, "k2")).ok());
  EXPECT_FALSE(JwtCodec::Create(Options({{"k1", kSecretA, true}}, "k1")).ok());
  EXPECT_FALSE(JwtCodec::Create(Options({{"", kSecretA}}, "")).ok());
}

PasswordHasherOptions FastHashes() {
  PasswordHasherOptions o;
  o.ops_limit = 1;
  o.mem_limit = 1 << 20;  // 1 MiB keeps the tests quick; production uses 64 MiB
  return o;
}

TEST(PasswordHasherTest, HashesWithSaltAndVerifies) {
  PasswordHasher hasher(FastHashes());
  auto a = hasher.Hash("correct horse battery");
  auto b = hasher.Hash("correct horse battery");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->rfind("$argon2id$", 0), 0u);
  EXPECT_NE(*a, *b) << "a salt each";
  EXPECT_TRUE(*hasher.Verify(*a, "correct horse battery"));
  EXPECT_FALSE(*hasher.Verify(*a, "correct horse batterY"));
  EXPECT_FALSE(*hasher.Verify("", "anything at all"));
  EXPECT_FALSE(*hasher.Verify("plaintext-password", "plaintext-password"));
}

TEST(PasswordHasherTest, RefusesShortAndHugePasswordsNamingTheField) {
  PasswordHasher hasher(FastHashes());
  EXPECT_EQ(hasher.Hash("short").status().field(), std::vector<std::string>{"password"});
  EXPECT_EQ(hasher.Hash(std::string(2000, 'x')).status().code(), StatusCode::kInvalidArgument);
}

TEST(PasswordHasherTest, SaysWhenAHashIsOfOlderParameters) {
  PasswordHasher weak(FastHashes());
  auto hash = weak.Hash("correct horse battery");
  ASSERT_TRUE(hash.ok());
  EXPECT_FALSE(weak.NeedsRehash(*hash));
  PasswordHasherOptions stronger = FastHashes();
  stronger.ops_limit = 3;
  EXPECT_TRUE(PasswordHasher(stronger).NeedsRehash(*hash));
  EXPECT_TRUE(*PasswordHasher(stronger).Verify(*hash, "correct horse battery"))
      << "old hashes still verify";
}

TEST(PasswordHasherTest, BoundsTheWorkInFlight) {
  PasswordHasherOptions o = FastHashes();
  o.mem_limit = 32 << 20;
  o.ops_limit = 4;  // long enough to overlap
  o.max_concurrent = 1;
  o.wait = 0ms;
  PasswordHasher hasher(o);
  std::atomic<int> refused{0}, done{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      auto r = hasher.Hash("correct horse battery");
      if (r.ok()) {
        ++done;
      } else if (r.status().code() == StatusCode::kResourceExhausted) {
        ++refused;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_GE(done.load(), 1);
  EXPECT_GE(refused.load(), 1) << "one slot, no waiting: the others are refused";
  EXPECT_EQ(done.load() + refused.load(), 4);
}

}  // namespace
}  // namespace ag
