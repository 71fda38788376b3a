#include "core/rubric.h"

#include <gtest/gtest.h>

namespace ag {
namespace {

Json J(const char* text) { return Json::parse(text); }

TEST(RubricTest, ReadsTheOriginalShapeInOrder) {
  auto r = Rubric::FromJson(J(R"({"intro": {"description": "Thesis", "max_points": 20},
                                   "analysis": {"description": "Evidence", "max_points": 40.5}})"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->criteria().size(), 2u);
  EXPECT_EQ(r->criteria()[0].key, "intro");
  EXPECT_EQ(r->criteria()[1].key, "analysis");
  EXPECT_DOUBLE_EQ(r->max_score(), 60.5);
  EXPECT_EQ(r->Find("analysis")->description, "Evidence");
  EXPECT_EQ(r->Find("missing"), nullptr);
}

TEST(RubricTest, ReadsLevelDescriptors) {
  auto r = Rubric::FromJson(J(R"({"c": {"description": "d", "max_points": 4,
      "levels": [{"points": 4, "description": "all"}, {"points": 0, "description": "none"}]}})"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->criteria()[0].levels.size(), 2u);
  EXPECT_EQ(r->criteria()[0].levels[1].description, "none");
}

struct BadRubric {
  const char* json;
  std::vector<std::string> field;
};

class RubricErrorTest : public ::testing::TestWithParam<BadRubric> {};

TEST_P(RubricErrorTest, NamesTheOffendingKey) {
  auto r = Rubric::FromJson(J(GetParam().json), {"body", "rubric"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().field(), GetParam().field) << r.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RubricErrorTest,
    ::testing::Values(
        BadRubric{R"([1, 2])", {"body", "rubric"}}, BadRubric{R"({})", {"body", "rubric"}},
        BadRubric{R"({"a": 5})", {"body", "rubric", "a"}},
        BadRubric{R"({"a": {"max_points": 5}})", {"body", "rubric", "a", "description"}},
        BadRubric{R"({"a": {"description": " ", "max_points": 5}})",
                  {"body", "rubric", "a", "description"}},
        BadRubric{R"({"a": {"description": "d"}})", {"body", "rubric", "a", "max_points"}},
        BadRubric{R"({"a": {"description": "d", "max_points": "5"}})",
                  {"body", "rubric", "a", "max_points"}},
        BadRubric{R"({"a": {"description": "d", "max_points": true}})",
                  {"body", "rubric", "a", "max_points"}},
        BadRubric{R"({"a": {"description": "d", "max_points": 0}})",
                  {"body", "rubric", "a", "max_points"}},
        BadRubric{R"({"a": {"description": "d", "max_points": -3}})",
                  {"body", "rubric", "a", "max_points"}},
        BadRubric{R"({"a": {"description": "d", "max_points": 1e9}})",
                  {"body", "rubric", "a", "max_points"}},
        BadRubric{
            R"({"ok": {"description": "d", "max_points": 1}, " ": {"description": "d", "max_points": 1}})",
            {"body", "rubric", " "}},
        BadRubric{R"({"a": {"description": "d", "max_points": 4, "levels": {"x": 1}}})",
                  {"body", "rubric", "a", "levels"}},
        BadRubric{
            R"({"a": {"description": "d", "max_points": 4, "levels": [{"points": 5, "description": "x"}]}})",
            {"body", "rubric", "a", "levels", "0", "points"}},
        BadRubric{R"({"a": {"description": "d", "max_points": 4, "levels": [{"points": 1}]}})",
                  {"body", "rubric", "a", "levels", "0", "description"}}));

TEST(RubricTest, RejectsTooManyCriteria) {
  Json j = Json::object();
  for (int i = 0; i <= static_cast<int>(Rubric::kMaxCriteria); ++i) {
    std::string key = "c";
    key += std::to_string(i);
    j[key] = {{"description", "d"}, {"max_points", 1}};
  }
  EXPECT_FALSE(Rubric::FromJson(j).ok());
}

}  // namespace
}  // namespace ag
