// Sessions and tokens through the API, with auth on: every kind of bad token is refused, refresh
// tokens rotate and a replay ends the sign-in, keys rotate by kid, API keys stay in their course,
// and the limits, CORS and headers of the edge.
#include <gtest/gtest.h>

#include "auth/base64url.h"
#include "support/auth_api.h"
#include "support/openapi_refs.h"

namespace ag {
namespace {

using namespace std::chrono_literals;
using testing::AuthApi;

constexpr char kRubric[] = R"({"c": {"description": "Names the cause", "max_points": 2}})";

class AuthApiTest : public ::testing::Test {
 protected:
  std::string Me(AuthApi& api, const std::string& token) {
    auto r = api.Call("GET", "/auth/me", token);
    return r.status == 200 ? r.body["email"].get<std::string>() : std::to_string(r.status);
  }
  // A JWT with our header and payload, signed (or not) as given.
  static std::string Forge(const Json& header, const Json& payload, const std::string& secret) {
    const std::string input =
        Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(payload.dump());
    return input + "." + (secret.empty() ? "" : Hs256Signature(secret, input));
  }
  Json Claims(const std::string& sub) {
    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(clock_.Now().time_since_epoch()).count();
    return Json{{"sub", sub}, {"iss", "autograder"}, {"aud", "autograder-api"}, {"iat", now},
                {"nbf", now}, {"exp", now + 600},    {"jti", "forged-token"}};
  }
  static std::string KidOfTestSecret();

  ManualClock clock_;
  AuthApi api_{clock_};
};

std::string AuthApiTest::KidOfTestSecret() {
  // The kid is in the header of any token the server signs.
  ManualClock clock;
  AuthApi api(clock);
  api.AddUser("k@example.edu", Role::kStudent);
  const std::string token = api.Login("k@example.edu").first;
  const Json header = Json::parse(*Base64UrlDecode(token.substr(0, token.find('.'))));
  return header["kid"];
}

TEST_F(AuthApiTest, LoginIssuesAnAccessAndARefreshToken) {
  api_.AddUser("Ada@Example.edu", Role::kInstructor);
  auto [token, body] = api_.Login("  ada@EXAMPLE.edu ");
  ASSERT_FALSE(token.empty()) << body;
  EXPECT_EQ(body["token_type"], "bearer");
  EXPECT_EQ(body["expires_in"], 900);
  EXPECT_TRUE(body["refresh_token"].is_string());
  auto me = api_.Call("GET", "/auth/me", token);
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(me.body["email"], "ada@example.edu");
  EXPECT_EQ(me.body["role"], "instructor");
  EXPECT_FALSE(me.body.contains("password_hash"));
  EXPECT_EQ(me.Header("Cache-Control"), "no-store");
}

TEST_F(AuthApiTest, AWrongPasswordAnUnknownEmailAndADisabledAccountLookTheSame) {
  User u = api_.AddUser("s@example.edu", Role::kStudent);
  auto wrong = api_.Login("s@example.edu", "not the password");
  auto unknown = api_.Login("ghost@example.edu");
  UserUpdate disable;
  disable.disabled = true;
  ASSERT_TRUE(api_.accounts().UpdateUser(u.id, disable, "test").ok());
  auto disabled = api_.Login("s@example.edu");
  for (const auto& r : {wrong, unknown, disabled}) {
    EXPECT_TRUE(r.first.empty());
    EXPECT_EQ(r.second["detail"], "Incorrect email or password");
  }
  auto bad = api_.Call("POST", "/auth/login", "", R"({"email": "s@example.edu"})");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.body["detail"][0]["loc"], Json::array({"body", "password"}));
}

TEST_F(AuthApiTest, AnAccessTokenExpiresAfterItsLifeAndTheLeeway) {
  api_.AddUser("s@example.edu", Role::kStudent);
  const std::string token = api_.Login("s@example.edu").first;
  clock_.Advance(15min + 20s);  // within the 30 s allowed for clock skew
  EXPECT_EQ(Me(api_, token), "s@example.edu");
  clock_.Advance(11s);
  auto r = api_.Call("GET", "/auth/me", token);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.Header("WWW-Authenticate"), "Bearer");
}

TEST_F(AuthApiTest, ForgedAndMalformedTokensAreRefused) {
  api_.AddUser("s@example.edu", Role::kStudent);
  const std::string good = api_.Login("s@example.edu").first;
  ASSERT_EQ(Me(api_, good), "s@example.edu");
  const std::string kid = KidOfTestSecret();
  const Json header{{"alg", "HS256"}, {"typ", "JWT"}, {"kid", kid}};
  const std::string secret = testing::kTestJwtSecret;
  // Sanity: a forged token made exactly like ours is accepted, so each refusal below is about
  // the one thing changed.
  ASSERT_EQ(Me(api_, Forge(header, Claims("1"), secret)), "s@example.edu");

  Json future = Claims("1");
  future["nbf"] = future["iat"].get<long long>() + 300;
  Json other_audience = Claims("1");
  other_audience["aud"] = "another-api";
  Json other_issuer = Claims("1");
  other_issuer["iss"] = "someone-else";
  Json expired = Claims("1");
  expired["exp"] = expired["iat"].get<long long>() - 60;
  Json no_expiry = Claims("1");
  no_expiry.erase("exp");
  Json none_header = header;
  none_header["alg"] = "none";
  Json hs512 = header;
  hs512["alg"] = "HS512";
  Json unknown_kid = header;
  unknown_kid["kid"] = "0000000000000000";
  Json elevated = Claims("1");
  elevated["sub"] = "2";
  std::string tampered = good;
  tampered.replace(tampered.find('.') + 1, 4, Base64UrlEncode(elevated.dump()).substr(0, 4));

  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not yet valid", Forge(header, future, secret)},
      {"wrong audience", Forge(header, other_audience, secret)},
      {"wrong issuer", Forge(header, other_issuer, secret)},
      {"expired", Forge(header, expired, secret)},
      {"no exp", Forge(header, no_expiry, secret)},
      {"wrong key", Forge(header, Claims("1"), "another secret, also long enough here")},
      {"alg none, unsigned", Forge(none_header, Claims("1"), "")},
      {"alg none, signed", Forge(none_header, Claims("1"), secret)},
      {"HS512", Forge(hs512, Claims("1"), secret)},
      {"unknown kid", Forge(unknown_kid, Claims("1"), secret)},
      {"tampered payload", tampered},
      {"a user that does not exist", Forge(header, Claims("99"), secret)},
      {"two parts", good.substr(0, good.rfind('.'))},
      {"garbage", "not.a.token"},
      {"empty", " "},
  };
  for (const auto& [what, token] : cases) {
    EXPECT_EQ(api_.Call("GET", "/auth/me", token).status, 401) << what;
  }
  for (const std::string& header_value :
       std::vector<std::string>{"Basic dXNlcjpwYXNz", "Bearer", "bearer" + good}) {
    auto reply = api_.Call("GET", "/auth/me", "", "", "", {{"authorization", header_value}});
    EXPECT_EQ(reply.status, 401) << header_value;
  }
  EXPECT_EQ(api_.Call("GET", "/auth/me", "", "", "", {{"authorization", "bEaReR " + good}}).status,
            200);
}

TEST_F(AuthApiTest, ARefreshTokenIsSpentByUseAndAReplayEndsTheSignIn) {
  api_.AddUser("s@example.edu", Role::kStudent);
  const std::string first = api_.Login("s@example.edu").second["refresh_token"];
  auto refresh = [&](const std::string& token) {
    return api_.Call("POST", "/auth/refresh", "", Json{{"refresh_token", token}}.dump());
  };
  auto second = refresh(first);
  ASSERT_EQ(second.status, 200) << second.raw;
  EXPECT_EQ(Me(api_, second.body["access_token"]), "s@example.edu");
  const std::string next = second.body["refresh_token"];
  EXPECT_NE(next, first);
  // The spent token again: refused, and the token that replaced it is revoked with it.
  EXPECT_EQ(refresh(first).status, 401);
  EXPECT_EQ(refresh(next).status, 401);
  // Another sign-in is not affected.
  const std::string other = api_.Login("s@example.edu").second["refresh_token"];
  EXPECT_EQ(refresh(other).status, 200);
}

TEST_F(AuthApiTest, ARefreshTokenExpiresAndLogoutRevokesIt) {
  api_.AddUser("s@example.edu", Role::kStudent);
  auto refresh = [&](const std::string& token) {
    return api_.Call("POST", "/auth/refresh", "", Json{{"refresh_token", token}}.dump()).status;
  };
  const std::string kept = api_.Login("s@example.edu").second["refresh_token"];
  const std::string dropped = api_.Login("s@example.edu").second["refresh_token"];
  EXPECT_EQ(api_.Call("POST", "/auth/logout", "", Json{{"refresh_token", dropped}}.dump()).status,
            200);
  EXPECT_EQ(refresh(dropped), 401);
  clock_.Advance(24h * 14 + 1s);
  EXPECT_EQ(refresh(kept), 401);
}

TEST_F(AuthApiTest, DisablingAnAccountOrChangingItsRoleTakesEffectAtOnce) {
  User boss = api_.AddUser("boss@example.edu", Role::kAdmin);
  User other = api_.AddUser("other@example.edu", Role::kAdmin);
  const std::string token = api_.Login("boss@example.edu").first;
  const std::string refresh = api_.Login("boss@example.edu").second["refresh_token"];
  EXPECT_EQ(api_.Call("GET", "/users", token).status, 200);
  const std::string other_token = api_.Login("other@example.edu").first;
  // The role is read at each request, not taken from the token.
  EXPECT_EQ(
      api_.Call("PATCH", "/users/" + boss.id.ToString(), other_token, R"({"role": "instructor"})")
          .status,
      200);
  EXPECT_EQ(api_.Call("GET", "/users", token).status, 403);
  EXPECT_EQ(api_.Call("PATCH", "/users/" + boss.id.ToString(), other_token, R"({"disabled": true})")
                .status,
            200);
  EXPECT_EQ(api_.Call("GET", "/auth/me", token).status, 401);
  EXPECT_EQ(api_.Call("POST", "/auth/refresh", "", Json{{"refresh_token", refresh}}.dump()).status,
            401);
  // An admin cannot lock themselves out.
  EXPECT_EQ(
      api_.Call("PATCH", "/users/" + other.id.ToString(), other_token, R"({"disabled": true})")
          .status,
      409);
}

TEST_F(AuthApiTest, ANewPasswordEndsTheAccessTokensIssuedBeforeIt) {
  User u = api_.AddUser("s@example.edu", Role::kStudent);
  const std::string old_token = api_.Login("s@example.edu").first;
  clock_.Advance(1s);
  UserUpdate update;
  update.password = "a brand new password";
  ASSERT_TRUE(api_.accounts().UpdateUser(u.id, update, "test").ok());
  auto refused = api_.Call("GET", "/auth/me", old_token);
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(refused.body["detail"], "session ended; sign in again");
  const std::string fresh = api_.Login("s@example.edu", "a brand new password").first;
  EXPECT_EQ(Me(api_, fresh), "s@example.edu") << "a token made in the same millisecond counts";
}

TEST(AuthKeyRotation, OldTokensStayValidUntilTheirKeyIsRetired) {
  ManualClock clock;
  const std::string old_secret = "the old signing secret, long enough to use";
  const std::string new_secret = "the new signing secret, long enough to use";
  AuthApi before(clock, {}, old_secret);
  before.AddUser("s@example.edu", Role::kStudent);
  const std::string old_token = before.Login("s@example.edu").first;

  testing::AuthApiOptions rotating;
  rotating.previous_secrets = {old_secret};
  AuthApi during(clock, rotating, new_secret);
  during.AddUser("s@example.edu", Role::kStudent);  // the same user id, 1
  EXPECT_EQ(during.Call("GET", "/auth/me", old_token).status, 200);
  const std::string new_token = during.Login("s@example.edu").first;
  EXPECT_EQ(during.Call("GET", "/auth/me", new_token).status, 200);
  EXPECT_NE(new_token.substr(0, new_token.find('.')), old_token.substr(0, old_token.find('.')))
      << "a different kid in the header";

  AuthApi after(clock, {}, new_secret);
  after.AddUser("s@example.edu", Role::kStudent);
  EXPECT_EQ(after.Call("GET", "/auth/me", old_token).status, 401);
  EXPECT_EQ(after.Call("GET", "/auth/me", new_token).status, 200);
}

TEST_F(AuthApiTest, AnApiKeyActsOnlyWithinItsCourseAndCanBeRevoked) {
  api_.AddUser("admin@example.edu", Role::kAdmin);
  api_.AddUser("t@example.edu", Role::kInstructor);
  const std::string admin = api_.Login("admin@example.edu").first;
  const std::string teacher = api_.Login("t@example.edu").first;
  auto post = [&](const std::string& token, const std::string& target, const std::string& body) {
    auto r = api_.Call("POST", target, token, body);
    EXPECT_EQ(r.status, 200) << target << ": " << r.raw;
    return r.body;
  };
  const std::string a = post(teacher, "/courses", R"({"code": "A1", "title": "A"})")["id"].dump();
  const std::string b = post(teacher, "/courses", R"({"code": "B1", "title": "B"})")["id"].dump();
  Json key = post(teacher, "/courses/" + a + "/api-keys", R"({"name": "ci"})");
  const std::string secret = key["key"];
  ASSERT_EQ(secret.substr(0, 4), "agk_");
  EXPECT_EQ(api_.Call("GET", "/courses/" + a, secret).status, 200);
  EXPECT_EQ(api_.Call("GET", "/courses/" + b, secret).status, 403);
  auto courses = api_.Call("GET", "/courses", secret);
  ASSERT_EQ(courses.body.size(), 1u);
  EXPECT_EQ(courses.body[0]["code"], "A1");
  EXPECT_EQ(api_.Call("POST", "/assignments", secret,
                      Json{{"title", "By a bot"},
                           {"rubric", Json::parse(kRubric)},
                           {"course_id", std::stoll(a)}}
                          .dump())
                .status,
            200);
  EXPECT_EQ(api_.Call("POST", "/assignments", secret,
                      Json{{"title", "Elsewhere"},
                           {"rubric", Json::parse(kRubric)},
                           {"course_id", std::stoll(b)}}
                          .dump())
                .status,
            403);
  EXPECT_EQ(api_.Call("POST", "/courses/" + a + "/api-keys", secret, R"({"name": "more"})").status,
            403);
  EXPECT_EQ(api_.Call("POST", "/courses", secret, R"({"code": "C1", "title": "C"})").status, 403);
  auto listed = api_.Call("GET", "/courses/" + a + "/api-keys", teacher);
  ASSERT_EQ(listed.body.size(), 1u);
  EXPECT_FALSE(listed.body[0].contains("key"));
  EXPECT_EQ(api_.Call("DELETE", "/courses/" + a + "/api-keys/" + key["id"].dump(), teacher).status,
            200);
  EXPECT_EQ(api_.Call("GET", "/courses/" + a, secret).status, 401);
  EXPECT_EQ(api_.Call("GET", "/courses/" + a, secret + "x").status, 401);
  // Every step is in the audit log.
  auto audit = api_.Call("GET", "/audit-log", admin);
  std::vector<std::string> actions;
  for (const auto& e : audit.body) actions.push_back(e["action"]);
  for (const char* a : {"api_key_created", "api_key_revoked", "course_created", "enrolled"}) {
    EXPECT_NE(std::find(actions.begin(), actions.end(), a), actions.end()) << a;
  }
}

TEST_F(AuthApiTest, StudentsSeeGradesOnlyOnceReleasedAndNeverTheReferenceAnswer) {
  api_.AddUser("t@example.edu", Role::kInstructor);
  api_.AddUser("s@example.edu", Role::kStudent);
  const std::string teacher = api_.Login("t@example.edu").first;
  const std::string student = api_.Login("s@example.edu").first;
  const std::string course =
      api_.Call("POST", "/courses", teacher, R"({"code": "A1", "title": "A"})").body["id"].dump();
  ASSERT_EQ(api_.Call("POST", "/courses/" + course + "/enrollments", teacher,
                      R"({"email": "s@example.edu", "role": "student"})")
                .status,
            200);
  auto assignment = api_.Call("POST", "/assignments", teacher,
                              Json{{"title", "Heat"},
                                   {"rubric", Json::parse(kRubric)},
                                   {"reference_answer", "Friction."},
                                   {"course_id", std::stoll(course)}}
                                  .dump());
  ASSERT_EQ(assignment.status, 200) << assignment.raw;
  const std::string a = assignment.body["id"].dump();
  auto seen = api_.Call("GET", "/assignments/" + a, student);
  EXPECT_FALSE(seen.body.contains("reference_answer"));
  EXPECT_EQ(api_.Call("GET", "/assignments/" + a, teacher).body["reference_answer"], "Friction.");
  EXPECT_FALSE(api_.Call("GET", "/assignments", student).body[0].contains("reference_answer"));

  auto submitted = api_.Call("POST", "/submissions", student,
                             Json{{"assignment_id", std::stoll(a)},
                                  {"content", "It heats up."},
                                  {"student_id", "someone else"}}
                                 .dump());
  ASSERT_EQ(submitted.status, 200) << submitted.raw;
  EXPECT_EQ(submitted.body["student_id"], "s@example.edu") << "a student submits as themselves";
  const std::string s = submitted.body["id"].dump();
  ASSERT_EQ(api_.Call("PUT", "/submissions/" + s + "/grade", teacher,
                      R"({"breakdown": {"c": 2}, "feedback": "Right."})")
                .status,
            200);
  EXPECT_EQ(api_.Call("GET", "/submissions/" + s + "/grade", student).status, 403);
  auto mine = api_.Call("GET", "/submissions/" + s, student);
  EXPECT_EQ(mine.body["status"], "done");
  EXPECT_TRUE(mine.body["score"].is_null());
  EXPECT_TRUE(mine.body["feedback"].is_null());
  EXPECT_EQ(api_.Call("GET", "/submissions/" + s, teacher).body["score"], 2);

  EXPECT_EQ(api_.Call("POST", "/assignments/" + a + "/release", teacher).status, 200);
  EXPECT_EQ(api_.Call("GET", "/submissions/" + s + "/grade", student).body["score"], 2);
  EXPECT_EQ(api_.Call("GET", "/submissions/" + s, student).body["feedback"], "Right.");
  EXPECT_EQ(api_.Call("GET", "/submissions/assignment/" + a, student).body[0]["score"], 2);
  EXPECT_EQ(api_.Call("DELETE", "/assignments/" + a + "/release", teacher).status, 200);
  EXPECT_EQ(api_.Call("GET", "/submissions/" + s + "/grade", student).status, 403);
  EXPECT_TRUE(api_.Call("GET", "/submissions/assignment/" + a, student).body[0]["score"].is_null());
}

TEST(AuthLimits, LoginAttemptsAreLimitedPerAccountAndPerAddress) {
  ManualClock clock;
  testing::AuthApiOptions o;
  o.auth.login_per_account = {1.0 / 60, 3};
  o.auth.login_per_address = {1.0 / 60, 5};
  AuthApi api(clock, o);
  api.AddUser("s@example.edu", Role::kStudent);
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(api.Login("s@example.edu", "wrong password").first.empty());
  // The account's bucket is empty: even the right password waits.
  auto limited =
      api.Call("POST", "/auth/login", "",
               Json{{"email", "s@example.edu"}, {"password", testing::kTestPassword}}.dump());
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.Header("Retry-After"), "60");
  // The address is checked first (the refused try took its fourth token): one try is left for
  // any account, then the address is refused too.
  EXPECT_EQ(api.Login("ghost@example.edu").second["detail"], "Incorrect email or password");
  EXPECT_EQ(api.Call("POST", "/auth/login", "",
                     R"({"email": "ghost2@example.edu", "password": "whatever it is"})")
                .status,
            429);
  clock.Advance(61s);
  EXPECT_FALSE(api.Login("s@example.edu").first.empty());
}

TEST(AuthLimits, RequestsAreLimitedPerAddressAndPerAccountWithRetryAfter) {
  ManualClock clock;
  testing::AuthApiOptions o;
  o.user_limit = {1, 2};
  o.address_limit = {10, 4};
  AuthApi api(clock, o);
  api.AddUser("s@example.edu", Role::kStudent);
  const std::string token = api.Login("s@example.edu").first;  // 1 of the address's 4
  EXPECT_EQ(api.Call("GET", "/auth/me", token).status, 200);
  EXPECT_EQ(api.Call("GET", "/auth/me", token).status, 200);
  auto refused = api.Call("GET", "/auth/me", token);
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(refused.Header("Retry-After"), "1");
  EXPECT_EQ(api.Call("GET", "/openapi.json", "").status, 429) << "the address's bucket is empty";
  EXPECT_EQ(api.Call("GET", "/health/ready", "").status, 200) << "probes are never limited";
  clock.Advance(1s);
  EXPECT_EQ(api.Call("GET", "/auth/me", token).status, 200);
  auto metrics = api.Call("GET", "/metrics", "");
  EXPECT_NE(metrics.raw.find("http_rate_limited_total{limit=\"user\"}"), std::string::npos);
  EXPECT_NE(metrics.raw.find("http_rate_limited_total{limit=\"address\"}"), std::string::npos);
}

TEST(AuthEdge, CorsNamesOnlyListedOriginsAndNeverStarWithCredentials) {
  SystemClock clock;
  testing::AuthApiOptions listed;
  listed.cors_origins = {"https://ui.example"};
  AuthApi api(clock, listed);
  auto ok = api.Call("GET", "/health", "", "", "", {{"origin", "https://ui.example"}});
  EXPECT_EQ(ok.Header("Access-Control-Allow-Origin"), "https://ui.example");
  EXPECT_EQ(ok.Header("Access-Control-Allow-Credentials"), "true");
  auto other = api.Call("GET", "/health", "", "", "", {{"origin", "https://evil.example"}});
  EXPECT_EQ(other.Header("Access-Control-Allow-Origin"), "");
  auto preflight =
      api.Call("OPTIONS", "/assignments", "", "", "",
               {{"origin", "https://evil.example"}, {"access-control-request-method", "POST"}});
  EXPECT_EQ(preflight.status, 403);

  testing::AuthApiOptions any;
  any.cors_origins = {"*"};
  AuthApi open(clock, any);
  auto star = open.Call("GET", "/health", "", "", "", {{"origin", "https://evil.example"}});
  EXPECT_EQ(star.Header("Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(star.Header("Access-Control-Allow-Credentials"), "");
}

TEST(AuthEdge, EveryAnswerCarriesTheSecurityHeaders) {
  SystemClock clock;
  AuthApi api(clock);
  for (const char* path : {"/", "/health", "/auth/me", "/nowhere"}) {
    auto r = api.Call("GET", path, "");
    EXPECT_EQ(r.Header("X-Content-Type-Options"), "nosniff") << path;
    EXPECT_EQ(r.Header("X-Frame-Options"), "DENY") << path;
    EXPECT_EQ(r.Header("Referrer-Policy"), "no-referrer") << path;
  }
}

TEST(AuthEdge, TheApiDocumentSaysWhoMayCallEachRoute) {
  SystemClock clock;
  AuthApi api(clock);
  auto doc = api.Call("GET", "/openapi.json", "").body;
  EXPECT_EQ(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
  for (const Route& r : api.api().router().routes()) {
    std::string method = r.method;
    for (char& c : method) c = static_cast<char>(std::tolower(c));
    const Json& op = doc["paths"][r.pattern][method];
    ASSERT_TRUE(op.contains("responses")) << r.method << " " << r.pattern;
    EXPECT_EQ(op.contains("security"), r.access != Access::kPublic) << r.pattern;
    if (r.access != Access::kPublic) {
      EXPECT_TRUE(op["responses"].contains("401")) << r.pattern;
      EXPECT_EQ(op["x-access"], std::string(ToString(r.access))) << r.pattern;
    }
  }
  testing::ExpectEveryRefResolves(doc);
}

}  // namespace
}  // namespace ag
