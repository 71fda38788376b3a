#include "grading/overlap_grader.h"

#include "core/text.h"

#include <gtest/gtest.h>

namespace ag {
namespace {

Rubric TestRubric() {
  return *Rubric::FromJson(Json::parse(R"({
    "causes": {"description": "Explains that burning fossil fuels releases greenhouse gases",
               "max_points": 10},
    "effects": {"description": "Describes rising sea levels and melting glaciers", "max_points": 10}})"));
}

Retrieval Evidence() {
  Retrieval r;
  r.chunks = {
      {ChunkId(1), "Causes", "n.md", "Burning fossil fuels releases greenhouse gases. It warms.",
       1},
      {ChunkId(2), "Effects", "n.md", "Glaciers are melting. Sea levels are rising fast.", 1}};
  r.by_query["causes"] = {ChunkId(1)};
  r.by_query["effects"] = {ChunkId(2)};
  r.by_query["answer"] = {ChunkId(1), ChunkId(2)};
  return r;
}

// The climate question, both criteria's chunks retrieved, and an answer that uses them.
struct ClimateCase {
  const Rubric rubric = TestRubric();
  const Retrieval evidence = Evidence();
  GradingRequest request{"Why is the climate changing?", "", rubric,
                         "Burning fossil fuels releases greenhouse gases, so glaciers are melting.",
                         evidence};
};

TEST(OverlapGraderTest, ProposesEveryCriterionWithCitationsOfRetrievedChunks) {
  OverlapGrader g;
  const ClimateCase c;
  const Rubric& rubric = c.rubric;
  const Retrieval& evidence = c.evidence;
  auto out = g.Grade(c.request, std::stop_token());
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->proposal.breakdown.size(), 2u);
  for (const auto& [key, c] : out->proposal.breakdown) {
    ASSERT_TRUE(c.points.has_value()) << key;
    EXPECT_GE(*c.points, 0);
    EXPECT_LE(*c.points, 10);
    EXPECT_FALSE(c.comment.empty());
  }
  ASSERT_FALSE(out->proposal.citations.empty());
  std::map<ChunkId, std::string> texts = {{ChunkId(1), evidence.chunks[0].text},
                                          {ChunkId(2), evidence.chunks[1].text}};
  ValidationNotes notes;
  auto valid = ValidateGrade(rubric, out->proposal, texts, &notes);
  ASSERT_TRUE(valid.ok());
  EXPECT_EQ(notes.dropped_citations, 0);
  for (const auto& c : valid->citations) EXPECT_TRUE(c.verified) << c.text;
  EXPECT_EQ(out->grader, "local-overlap");
  EXPECT_EQ(out->prompt_hash.size(), 64u);
}

TEST(OverlapGraderTest, CitationsAloneAreTheOnesGradeGives) {
  OverlapGrader g;
  const ClimateCase c;
  auto out = g.Grade(c.request, std::stop_token());
  ASSERT_TRUE(out.ok());
  const auto alone = g.Citations(c.request);
  ASSERT_EQ(alone.size(), 2u);
  ASSERT_EQ(alone.size(), out->proposal.citations.size());
  for (std::size_t i = 0; i < alone.size(); ++i) {
    EXPECT_EQ(alone[i].chunk_id, out->proposal.citations[i].chunk_id);
    EXPECT_EQ(alone[i].text, out->proposal.citations[i].text);
    EXPECT_EQ(alone[i].relevance, out->proposal.citations[i].relevance);
  }
}

TEST(OverlapGraderTest, ABetterAnswerScoresHigher) {
  OverlapGrader g;
  const Rubric rubric = TestRubric();
  const Retrieval evidence = Evidence();
  auto good = g.Grade({"", "", rubric,
                       "Burning fossil fuels releases greenhouse gases. Sea levels are rising and "
                       "glaciers melting.",
                       evidence},
                      std::stop_token());
  auto poor = g.Grade({"", "", rubric, "I like turtles.", evidence}, std::stop_token());
  ASSERT_TRUE(good.ok() && poor.ok());
  double good_total = 0, poor_total = 0;
  for (const auto& [k, c] : good->proposal.breakdown) good_total += *c.points;
  for (const auto& [k, c] : poor->proposal.breakdown) poor_total += *c.points;
  EXPECT_GT(good_total, poor_total);
  EXPECT_DOUBLE_EQ(poor_total, 0);
}

TEST(OverlapGraderTest, IsDeterministic) {
  OverlapGrader g;
  const Rubric rubric = TestRubric();
  const Retrieval evidence = Evidence();
  GradingRequest req{"", "", rubric, "fossil fuels and glaciers", evidence};
  auto a = g.Grade(req, std::stop_token());
  auto b = g.Grade(req, std::stop_token());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a->proposal.breakdown[0].second.points, *b->proposal.breakdown[0].second.points);
  EXPECT_EQ(a->proposal.feedback, b->proposal.feedback);
}

TEST(OverlapGraderTest, LongQuotesStayValidUtf8) {
  OverlapGrader g;
  const Rubric rubric = TestRubric();
  std::string sentence = "Glaciers";
  while (sentence.size() < 399) sentence += " melting";
  sentence += " \xE2\x80\x94 fossil fuels.";  // an em dash straddles byte 400
  Retrieval evidence;
  evidence.chunks = {{ChunkId(1), "", "n.md", sentence, 1}};
  evidence.by_query["causes"] = {ChunkId(1)};
  auto out =
      g.Grade({"", "", rubric, "glaciers melting fossil fuels", evidence}, std::stop_token());
  ASSERT_TRUE(out.ok());
  ASSERT_FALSE(out->proposal.citations.empty());
  EXPECT_TRUE(IsValidUtf8(out->proposal.citations[0].text));
  EXPECT_LE(out->proposal.citations[0].text.size(), 400u);
}

TEST(OverlapGraderTest, StopsWhenAsked) {
  OverlapGrader g;
  const Rubric rubric = TestRubric();
  const Retrieval evidence = Evidence();
  std::stop_source stop;
  stop.request_stop();
  auto r = g.Grade({"", "", rubric, "x", evidence}, stop.get_token());
  EXPECT_EQ(r.status().code(), StatusCode::kCancelled);
}

}  // namespace
}  // namespace ag
