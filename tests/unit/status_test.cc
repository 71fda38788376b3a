#include "core/status.h"

#include <gtest/gtest.h>

namespace ag {
namespace {

Result<int> Half(int v) {
  if (v % 2) return InvalidArgumentError("odd", {"body", "v"});
  return v / 2;
}

Result<int> Quarter(int v) {
  ASSIGN_OR_RETURN(int half, Half(v));
  ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

Status CheckEven(int v) {
  RETURN_IF_ERROR(Half(v));
  return OkStatus();
}

// The status of a temporary Result: the macro must not read it after the Result is gone
// (ASan's use-after-free check guards this in the sanitizer build).
Status CheckEvenThroughStatus(int v) {
  RETURN_IF_ERROR(Half(v).status());
  return OkStatus();
}

TEST(StatusTest, OkHasNoMessage) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, ErrorsCarryCodeMessageAndField) {
  Status s = InvalidArgumentError("bad", {"body", "title"});
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.ToString(), "INVALID_ARGUMENT: bad");
  EXPECT_EQ(s.field(), (std::vector<std::string>{"body", "title"}));
  Status c = s.WithContext("parsing");
  EXPECT_EQ(c.message(), "parsing: bad");
  EXPECT_EQ(c.field(), s.field());
}

TEST(StatusTest, AReasonRefinesTheCodeAndSurvivesContext) {
  EXPECT_EQ(InvalidArgumentError("bad").reason(), ErrorReason::kNone);
  Status s = UnsupportedMediaTypeError("Unsupported file type: .exe");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);  // retried or not as bad input
  EXPECT_EQ(s.reason(), ErrorReason::kUnsupportedMediaType);
  EXPECT_EQ(s.WithContext("upload").reason(), ErrorReason::kUnsupportedMediaType);
  EXPECT_TRUE(OkStatus().WithReason(ErrorReason::kUnsupportedMediaType).ok());
}

TEST(StatusTest, MacrosPropagateTheFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> r = Quarter(6);  // 6 -> 3 is odd
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "odd");
  EXPECT_TRUE(CheckEven(4).ok());
  EXPECT_EQ(CheckEven(5).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(CheckEvenThroughStatus(4).ok());
  const Status odd = CheckEvenThroughStatus(5);
  EXPECT_EQ(odd.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(odd.message(), "odd");
  EXPECT_EQ(odd.field(), (std::vector<std::string>{"body", "v"}));
}

TEST(StatusTest, ResultValueOr) {
  EXPECT_EQ(Half(3).value_or(-1), -1);
  EXPECT_EQ(Half(4).value_or(-1), 2);
}

}  // namespace
}  // namespace ag
