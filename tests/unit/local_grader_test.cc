#include "grading/local_grader.h"

#include <gtest/gtest.h>

#include "support/grading_fixture.h"

namespace ag {
namespace {

using testing::GradingFixture;

Rubric BulbRubric() {
  return Rubric::FromJson(Json::parse(
                              R"({"outcome": {"description": "Says what happens to the other bulbs",
                                  "max_points": 2}})"))
      .value();
}

struct LocalGraderTest : ::testing::Test {
  GradingFixture f;
  Rubric rubric = BulbRubric();
  Retrieval evidence;
  AssignmentId assignment;

  void SetUp() override {
    NewAssignment a{
        "Bulbs", "What happens to the other bulbs if the middle one burns out?",
        "The other two bulbs stay lit because the circuit is parallel.",
        Json::parse(R"({"outcome": {"description": "Says what happens to the other bulbs",
                                    "max_points": 2}})")};
    assignment = f.store->CreateAssignment(a, f.clock.Now())->id;
  }

  Result<GraderOutput> Grade(LocalGrader& g, std::string_view answer) {
    GradingRequest r{"What happens to the other bulbs if the middle one burns out?",
                     "The other two bulbs stay lit because the circuit is parallel.",
                     rubric,
                     answer,
                     evidence,
                     assignment,
                     1};
    return g.Grade(r, std::stop_token());
  }
};

TEST_F(LocalGraderTest, WithoutGradedAnswersScoresByTheReference) {
  LocalGrader g(*f.store, nullptr, nullptr);
  auto good = Grade(g, "The two other bulbs stay lit, since it is a parallel circuit.");
  auto bad = Grade(g, "I do not know.");
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  ASSERT_TRUE(bad.ok());
  ASSERT_EQ(good->proposal.breakdown.size(), 1u);
  EXPECT_EQ(good->proposal.breakdown[0].second.points, 2);
  EXPECT_EQ(bad->proposal.breakdown[0].second.points, 0);
  EXPECT_EQ(good->grader, "local");
  EXPECT_NE(good->proposal.breakdown[0].second.comment.find("reference"), std::string::npos);
  EXPECT_NE(bad->proposal.breakdown[0].second.comment.find("not mentioned"), std::string::npos)
      << bad->proposal.breakdown[0].second.comment;
  EXPECT_EQ(good->parameters["graded_examples"], 0);
}

TEST_F(LocalGraderTest, SaysWhichWordContradictsTheReference) {
  const scoring::Antonyms antonyms = scoring::Antonyms::FromWords({{"lit", "unlit"}});
  LocalGraderOptions o;
  o.scorer.antonyms = &antonyms;
  LocalGrader g(*f.store, nullptr, nullptr, o);
  auto wrong = Grade(g, "The other two bulbs are unlit because the circuit is parallel.");
  ASSERT_TRUE(wrong.ok()) << wrong.status().ToString();
  const std::string& comment = wrong->proposal.breakdown[0].second.comment;
  EXPECT_NE(comment.find("it says \"unlit\" where the reference says \"lit\""), std::string::npos)
      << comment;
  auto right = Grade(g, "The other two bulbs stay lit because the circuit is parallel.");
  ASSERT_TRUE(right.ok());
  EXPECT_EQ(right->proposal.breakdown[0].second.comment.find("where the reference says"),
            std::string::npos);
}

TEST_F(LocalGraderTest, LearnsFromImportedGradedAnswersAndRetrainsWhenTheyChange) {
  LocalGrader g(*f.store, nullptr, nullptr);
  const std::string before = Grade(g, "they all stay on")->prompt_hash;
  // People grade "stay on" answers 1 (no reason given) and "go out" answers 0.
  std::vector<NewGradedAnswer> graded;
  const char* one[] = {"they stay on", "the others stay on", "both stay on", "still on"};
  const char* two[] = {"they stay lit because it is parallel", "parallel, so they stay lit",
                       "lit, the circuit is parallel", "the parallel circuit keeps them lit"};
  const char* zero[] = {"they go out", "all go out", "both go dark", "every bulb goes out"};
  for (int r = 0; r < 3; ++r) {
    const std::string tail = r ? " indeed" + std::to_string(r) : "";
    for (const char* t : one) graded.push_back({t + tail, 1.0, {}, "import", std::nullopt});
    for (const char* t : two)
      graded.push_back({t + tail, std::nullopt, {{"outcome", 2}}, "import", std::nullopt});
    for (const char* t : zero) graded.push_back({t + tail, 0.0, {}, "import", std::nullopt});
  }
  ASSERT_TRUE(f.store->AddGradedAnswers(assignment, graded, f.clock.Now()).ok());

  auto out = Grade(g, "they all stay on");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->parameters["graded_examples"], 36);
  EXPECT_NE(out->prompt_hash, before);  // the examples are part of what produced the grade
  EXPECT_EQ(out->proposal.breakdown[0].second.points, 1);
  EXPECT_NE(out->proposal.breakdown[0].second.comment.find("closest"), std::string::npos)
      << out->proposal.breakdown[0].second.comment;
  EXPECT_EQ(Grade(g, "all of them go out")->proposal.breakdown[0].second.points, 0);
}

TEST(PeerPoolSize, GrowsInPowersOfTwoFromEightUpToTheMaximum) {
  EXPECT_EQ(PeerPoolSize(0), 0);
  EXPECT_EQ(PeerPoolSize(7), 0);
  EXPECT_EQ(PeerPoolSize(8), 8);
  EXPECT_EQ(PeerPoolSize(15), 8);
  EXPECT_EQ(PeerPoolSize(16), 16);
  EXPECT_EQ(PeerPoolSize(700), 512);
  EXPECT_EQ(PeerPoolSize(1024), static_cast<int>(scoring::kMaxPeers));
  EXPECT_EQ(PeerPoolSize(1'000'000), static_cast<int>(scoring::kMaxPeers));
}

// The assignment's submissions, graded or not, are the peers an answer is ranked among; the
// models retrain when the pool grows to its next size, and the grade says how many it read.
TEST_F(LocalGraderTest, RanksAnAnswerAmongTheAssignmentsFirstSubmissions) {
  LocalGrader g(*f.store, nullptr, nullptr);
  auto submit = [&](int n) {
    for (int i = 0; i < n; ++i) {
      NewSubmission s{assignment, {}, "a.txt", "k", "sha", i % 2 ? "they stay lit" : "they go out"};
      s.student_id = std::to_string(i);
      ASSERT_TRUE(f.store->CreateSubmission(s, f.clock.Now()).ok());
    }
  };
  submit(7);
  auto seven = Grade(g, "they stay lit, it is parallel");
  ASSERT_TRUE(seven.ok()) << seven.status().ToString();
  EXPECT_EQ(seven->parameters["peer_answers"], 0);
  submit(1);
  auto eight = Grade(g, "they stay lit, it is parallel");
  ASSERT_TRUE(eight.ok());
  EXPECT_EQ(eight->parameters["peer_answers"], 8);
  EXPECT_NE(eight->prompt_hash, seven->prompt_hash);
  submit(3);  // 11: still the first 8
  auto eleven = Grade(g, "they stay lit, it is parallel");
  EXPECT_EQ(eleven->parameters["peer_answers"], 8);
  EXPECT_EQ(eleven->prompt_hash, eight->prompt_hash);
  EXPECT_EQ(eleven->proposal.breakdown[0].second.points,
            eight->proposal.breakdown[0].second.points);
}

// Graded answers of other assignments teach how graders score agreement with a reference; an
// assignment with none of its own is read that way.
TEST_F(LocalGraderTest, LearnsAcrossAssignmentsForOneWithoutGradedAnswers) {
  LocalGrader g(*f.store, nullptr, nullptr);
  const char* refs[] = {"Water boils at one hundred degrees at sea level.",
                        "Plants need sunlight and water to make their food.",
                        "Iron rusts when it is exposed to oxygen and water."};
  for (const char* ref : refs) {
    NewAssignment other{"Other", "Question?", ref,
                        Json::parse(R"({"outcome": {"description": "Answers the question",
                                        "max_points": 2}})")};
    const AssignmentId id = f.store->CreateAssignment(other, f.clock.Now())->id;
    std::vector<NewGradedAnswer> graded;
    for (int r = 0; r < 4; ++r) {
      const std::string tail(static_cast<std::size_t>(r), '!');  // distinct answers
      graded.push_back({std::string(ref) + tail, 2.0, {}, "import", std::nullopt});
      graded.push_back({"I am not sure about this" + tail, 0.0, {}, "import", std::nullopt});
      graded.push_back({"something else entirely" + tail, 0.0, {}, "import", std::nullopt});
    }
    ASSERT_TRUE(f.store->AddGradedAnswers(id, graded, f.clock.Now()).ok());
  }
  auto good = Grade(g, "The other two bulbs stay lit because the circuit is parallel.");
  auto bad = Grade(g, "I am not sure.");
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(good->parameters["methods"], Json::array({"cross-question-model"}));
  EXPECT_EQ(good->parameters["graded_examples"], 0);  // none of its own
  EXPECT_GT(*good->proposal.breakdown[0].second.points, *bad->proposal.breakdown[0].second.points);
}

TEST_F(LocalGraderTest, CitesTheRetrievedMaterial) {
  LocalGrader g(*f.store, nullptr, nullptr);
  evidence.chunks.push_back({ChunkId(7), "Circuits", "notes.md",
                             "In a parallel circuit each bulb has its own path, so the others "
                             "stay lit.",
                             1.0});
  evidence.by_query["outcome"] = {ChunkId(7)};
  auto out = Grade(g, "They stay lit because each bulb has its own path.");
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->proposal.citations.size(), 1u);
  EXPECT_EQ(out->proposal.citations[0].chunk_id, 7);
}

}  // namespace
}  // namespace ag
