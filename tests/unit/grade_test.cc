#include "core/grade.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace ag {
namespace {

Rubric TwoCriteria() {
  return *Rubric::FromJson(Json::parse(R"({"intro": {"description": "i", "max_points": 10},
                                           "body": {"description": "b", "max_points": 30}})"));
}

ProposedGrade Proposal(std::optional<double> intro, std::optional<double> body) {
  ProposedGrade p;
  if (intro) p.breakdown.push_back({"intro", {intro, "ok"}});
  if (body) p.breakdown.push_back({"body", {body, "fine"}});
  p.feedback = "overall";
  return p;
}

TEST(ValidateGradeTest, RecomputesTheTotalInRubricOrder) {
  ProposedGrade p;
  p.breakdown.push_back({"body", {20.0, "b"}});
  p.breakdown.push_back({"intro", {7.5, "i"}});
  auto g = ValidateGrade(TwoCriteria(), p, {});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_DOUBLE_EQ(g->score, 27.5);
  EXPECT_DOUBLE_EQ(g->max_score, 40);
  ASSERT_EQ(g->breakdown.size(), 2u);
  EXPECT_EQ(g->breakdown[0].key, "intro");
  EXPECT_DOUBLE_EQ(g->breakdown[0].max_points, 10);
}

TEST(ValidateGradeTest, ClampsPointsToTheirBounds) {
  ValidationNotes notes;
  auto g = ValidateGrade(TwoCriteria(), Proposal(-4, 99), {}, &notes);
  ASSERT_TRUE(g.ok());
  EXPECT_DOUBLE_EQ(g->breakdown[0].points, 0);
  EXPECT_DOUBLE_EQ(g->breakdown[1].points, 30);
  EXPECT_DOUBLE_EQ(g->score, 30);
  EXPECT_EQ(notes.clamped, 2);
}

TEST(ValidateGradeTest, DropsUnknownCriteria) {
  ProposedGrade p = Proposal(5, 5);
  p.breakdown.push_back({"bonus", {100.0, "invented"}});
  ValidationNotes notes;
  auto g = ValidateGrade(TwoCriteria(), p, {}, &notes);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->breakdown.size(), 2u);
  EXPECT_DOUBLE_EQ(g->score, 10);
  EXPECT_EQ(notes.dropped_keys, std::vector<std::string>{"bonus"});
}

TEST(ValidateGradeTest, RejectsAMissingCriterionByName) {
  auto g = ValidateGrade(TwoCriteria(), Proposal(5, std::nullopt), {});
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(g.status().field(), (std::vector<std::string>{"breakdown", "body"}));
}

TEST(ValidateGradeTest, RejectsPointsThatAreNotNumbers) {
  ProposedGrade p = Proposal(5, 5);
  p.breakdown[1].second.points = std::nullopt;
  EXPECT_FALSE(ValidateGrade(TwoCriteria(), p, {}).ok());
  p.breakdown[1].second.points = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(ValidateGrade(TwoCriteria(), p, {}).ok());
  p.breakdown[1].second.points = std::numeric_limits<double>::infinity();
  EXPECT_FALSE(ValidateGrade(TwoCriteria(), p, {}).ok());
}

TEST(ValidateGradeTest, RoundsToTwoDecimals) {
  auto g = ValidateGrade(TwoCriteria(), Proposal(10.0 / 3, 20.0 / 3), {});
  ASSERT_TRUE(g.ok());
  EXPECT_DOUBLE_EQ(g->breakdown[0].points, 3.33);
  EXPECT_DOUBLE_EQ(g->breakdown[1].points, 6.67);
  EXPECT_DOUBLE_EQ(g->score, 10);
}

TEST(ValidateGradeTest, MapsCitationsToRealChunks) {
  ProposedGrade p = Proposal(5, 5);
  p.citations.push_back({7, "Fossil fuels   are the PRIMARY cause.", "cause"});
  p.citations.push_back({7, "a sentence that is not there", "invented"});
  p.citations.push_back({99, "anything", "unknown chunk"});
  const std::map<ChunkId, std::string> chunks = {
      {ChunkId(7), "Climate.\nFossil fuels are the primary\ncause. More text."}};
  ValidationNotes notes;
  auto g = ValidateGrade(TwoCriteria(), p, chunks, &notes);
  ASSERT_TRUE(g.ok());
  ASSERT_EQ(g->citations.size(), 2u);
  EXPECT_EQ(g->citations[0].chunk_id, ChunkId(7));
  EXPECT_TRUE(g->citations[0].verified);
  EXPECT_FALSE(g->citations[1].verified);
  EXPECT_EQ(notes.dropped_citations, 1);
}

TEST(GradeJsonTest, BreakdownAndCitationsRoundTrip) {
  std::vector<CriterionScore> b = {{"intro", 7.5, 10, "good"}, {"body", 30, 30, "great"}};
  const Json j = BreakdownToJson(b);
  EXPECT_EQ(j.dump(), R"({"intro":{"points":7.5,"max_points":10,"comment":"good"},)"
                      R"("body":{"points":30,"max_points":30,"comment":"great"}})");
  auto back = BreakdownFromJson(j);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[1].key, "body");

  std::vector<Citation> c = {{ChunkId(3), "quote", "why", true}};
  auto cback = CitationsFromJson(CitationsToJson(c));
  ASSERT_TRUE(cback.ok());
  EXPECT_EQ((*cback)[0].chunk_id, ChunkId(3));
  EXPECT_TRUE((*cback)[0].verified);
  EXPECT_FALSE(CitationsFromJson(Json::parse(R"([{"text": "no id"}])")).ok());
}

}  // namespace
}  // namespace ag
