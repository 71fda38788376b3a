#include "http/multipart.h"

#include <gtest/gtest.h>

#include "http/message.h"

namespace ag {
namespace {

TEST(MultipartTest, ReadsFileAndTextFields) {
  const std::string body =
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"student_id\"\r\n\r\n"
      "s-42\r\n"
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"file\"; filename=\"essay.txt\"\r\n"
      "Content-Type: text/plain\r\n\r\n"
      "line 1\r\nline 2 with --XyZ inside\r\n"
      "--XyZ--\r\n";
  auto boundary = MultipartBoundary("multipart/form-data; boundary=XyZ");
  ASSERT_TRUE(boundary.ok());
  auto parts = ParseMultipart(body, *boundary);
  ASSERT_TRUE(parts.ok()) << parts.status().ToString();
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].name, "student_id");
  EXPECT_FALSE((*parts)[0].filename.has_value());
  EXPECT_EQ((*parts)[0].data, "s-42");
  EXPECT_EQ((*parts)[1].name, "file");
  EXPECT_EQ(*(*parts)[1].filename, "essay.txt");
  EXPECT_EQ((*parts)[1].content_type, "text/plain");
  EXPECT_EQ((*parts)[1].data, "line 1\r\nline 2 with --XyZ inside");
}

TEST(MultipartTest, QuotedBoundaryPreambleAndExtendedFilename) {
  const std::string body =
      "preamble to ignore\r\n"
      "--a b\r\n"
      "Content-Disposition: form-data; name=file; filename=\"x.txt\"; "
      "filename*=UTF-8''r%C3%A9sum%C3%A9.txt\r\n\r\n"
      "data\r\n--a b--";
  auto boundary = MultipartBoundary("Multipart/Form-Data; charset=utf-8; boundary=\"a b\"");
  ASSERT_TRUE(boundary.ok());
  EXPECT_EQ(*boundary, "a b");
  auto parts = ParseMultipart(body, *boundary);
  ASSERT_TRUE(parts.ok()) << parts.status().ToString();
  EXPECT_EQ(*(*parts)[0].filename, "r\xC3\xA9sum\xC3\xA9.txt");
}

TEST(MultipartTest, RejectsMalformedBodies) {
  EXPECT_FALSE(MultipartBoundary("application/json").ok());
  EXPECT_FALSE(MultipartBoundary("multipart/form-data").ok());
  EXPECT_FALSE(ParseMultipart("no boundary at all", "b").ok());
  EXPECT_FALSE(
      ParseMultipart("--b\r\nContent-Disposition: form-data; name=file\r\n\r\ntruncated", "b")
          .ok());
  EXPECT_FALSE(ParseMultipart("--b\r\nX-Other: 1\r\n\r\ndata\r\n--b--", "b").ok());
}

TEST(MultipartTest, SanitizesFilenames) {
  EXPECT_EQ(SanitizeFilename("C:\\fakepath\\essay.txt"), "essay.txt");
  EXPECT_EQ(SanitizeFilename("../../etc/passwd"), "passwd");
  EXPECT_EQ(SanitizeFilename("bad\x01name\n.txt"), "badname.txt");
  EXPECT_EQ(SanitizeFilename(""), "upload");
  EXPECT_EQ(SanitizeFilename(std::string(300, 'a')).size(), 255u);
}

TEST(QueryTest, DecodesPairs) {
  auto q = ParseQuery("assignment_id=3&name=a%20b+c&flag&&x=%zz");
  ASSERT_EQ(q.size(), 4u);
  EXPECT_EQ(q[0], (std::pair<std::string, std::string>{"assignment_id", "3"}));
  EXPECT_EQ(q[1].second, "a b c");
  EXPECT_EQ(q[2].first, "flag");
  EXPECT_EQ(q[3].second, "%zz");
}

}  // namespace
}  // namespace ag
