// Requests parsed from raw bytes as the server parses them (http/wire.h, also the HTTP fuzz
// target's entry point).
#include "http/wire.h"

#include <gtest/gtest.h>

namespace ag {
namespace {

TEST(WireTest, ParsesARequestAsTheServerDoes) {
  auto r = ParseHttpRequest(
      "POST /api/submissions/%7Ex?assignment_id=3&student_id=a+b HTTP/1.1\r\nHost: h\r\n"
      "Content-Type: application/json\r\nAuthorization: Bearer t\r\nContent-Length: 2\r\n\r\n{}");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->method, "POST");
  EXPECT_EQ(r->path, "/api/submissions/~x");
  EXPECT_EQ(r->Query("student_id"), "a b");
  EXPECT_EQ(r->Header("authorization"), "Bearer t");
  EXPECT_EQ(r->body, "{}");
  auto chunked = ParseHttpRequest(
      "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
  ASSERT_TRUE(chunked.ok()) << chunked.status().ToString();
  EXPECT_EQ(chunked->body, "hello");
}

TEST(WireTest, RefusesMalformedIncompleteAndOversizedRequests) {
  EXPECT_EQ(ParseHttpRequest("GARBAGE\r\n\r\n").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseHttpRequest("GET / HTTP/1.1\r\nHost: h\r\n").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseHttpRequest("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nshort").status().code(),
            StatusCode::kInvalidArgument);
  WireLimits small;
  small.max_body_bytes = 4;
  EXPECT_EQ(ParseHttpRequest("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789", small)
                .status()
                .code(),
            StatusCode::kResourceExhausted);
  small.max_header_bytes = 32;
  EXPECT_EQ(
      ParseHttpRequest("GET / HTTP/1.1\r\nX-Long: " + std::string(100, 'a') + "\r\n\r\n", small)
          .status()
          .code(),
      StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace ag
