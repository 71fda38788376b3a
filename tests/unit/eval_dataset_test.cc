#include "eval/dataset.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "eval/runner.h"
#include "support/temp_dir.h"

namespace ag::eval {
namespace {

using ag::testing::TempDir;
using ag::testing::WriteFile;

TEST(ReadAsapSas, ReadsAnswersRubricRangeAndKeyElements) {
  TempDir dir;
  std::filesystem::create_directories(dir.File("answers"));
  std::filesystem::create_directories(dir.File("rubrics"));
  std::filesystem::create_directories(dir.File("prompts"));
  WriteFile(dir.File("answers/train_prompt1.tsv"),
            "ItemId\tPromptId\tScore1\tAnswerText\n1_1\t1\t2\tHow much vinegar, what container\n"
            "1_2\t1\t0\tNo idea\n");
  WriteFile(dir.File("rubrics/Q1.txt"),
            "# Rubric\n\nRubric Range: 0-3\n\nScore 0: nothing\n\n# Possible Correct Responses:\n\n"
            "You need to know how much vinegar was used.\nOther acceptable responses.\n");
  WriteFile(dir.File("prompts/essay_1_description.txt"), "Describe what else you need.\n");
  WriteFile(dir.File("prompts/essay_1_key.txt"), "what type of vinegar was used\n");

  auto d = ReadAsapSas(dir.path());
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_EQ(d->answers.size(), 2u);
  EXPECT_EQ(d->answers[0].score, 2);
  EXPECT_EQ(d->answers[0].question_id, "1");
  const Question& q = d->questions.at("1");
  EXPECT_EQ(q.max_score, 3);  // from the rubric's range, not the highest score seen
  EXPECT_EQ(q.levels, (std::vector<double>{0, 1, 2, 3}));
  EXPECT_EQ(q.references,
            (std::vector<std::string>{"what type of vinegar was used",
                                      "You need to know how much vinegar was used."}));
  EXPECT_EQ(q.text, "Describe what else you need.\n");
}

TEST(ReadAsapSas, NamesTheLineOfABadScore) {
  TempDir dir;
  WriteFile(dir.File("a.tsv"), "ItemId\tPromptId\tScore1\tAnswerText\n1_1\t1\tx\ttext\n");
  auto d = ReadAsapSas(dir.File("a.tsv"));
  ASSERT_EQ(d.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(d.status().message().find("line 2"), std::string::npos) << d.status().ToString();
}

TEST(ReadSemEval, ReadsQuestionsReferencesAndLabels) {
  TempDir dir;
  WriteFile(dir.File("q.xml"), R"(<?xml version="1.0"?>
<question id="ME_65a" module="ME">
  <questionText>What happens to the other bulbs?</questionText>
  <referenceAnswers><referenceAnswer id="r1">They stay lit.</referenceAnswer></referenceAnswers>
  <studentAnswers>
    <studentAnswer id="a1" accuracy="correct">They will stay lit.</studentAnswer>
    <studentAnswer id="a2" accuracy="contradictory">All go out.</studentAnswer>
    <studentAnswer id="a3" accuracy="incorrect">Series.</studentAnswer>
  </studentAnswers>
</question>)");
  auto d = ReadSemEval(dir.path());
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->kind, ScaleKind::kCategorical);
  ASSERT_EQ(d->answers.size(), 3u);
  EXPECT_EQ(d->label_names[static_cast<std::size_t>(d->answers[0].score)], "correct");
  EXPECT_EQ(d->label_names[static_cast<std::size_t>(d->answers[1].score)], "contradictory");
  EXPECT_EQ(d->questions.at("ME_65a").references, (std::vector<std::string>{"They stay lit."}));
}

TEST(ReadSemEval, RejectsAnUnknownLabelAndBrokenXml) {
  TempDir dir;
  WriteFile(dir.File("q.xml"), R"(<question id="q"><studentAnswers>
    <studentAnswer id="a1" accuracy="great">x</studentAnswer></studentAnswers></question>)");
  EXPECT_EQ(ReadSemEval(dir.path()).status().code(), StatusCode::kInvalidArgument);
  WriteFile(dir.File("q.xml"), "<question id=");
  EXPECT_EQ(ReadSemEval(dir.path()).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadSemEval(dir.File("missing")).status().code(), StatusCode::kNotFound);
}

TEST(ReadMohler, ReadsScoresAndRepairsSpreadsheetDamage) {
  TempDir dir;
  WriteFile(dir.File("mohler_dataset_edited.csv"),
            "id,question,desired_answer,student_answer,score_me,score_other,score_avg\n"
            "1.1,What is a prototype?,A simulation.,\"A quick, small program\",4,3,3.5\n"
            "1.1,What is a prototype?,A simulation.,#NAME?,5,5,5\n");
  WriteFile(dir.File("metzler_answers.tsv"), "1.1\tfirst\t4\t3\t3.5\n1.1\t- a model\t5\t5\t5\n");
  auto d = ReadMohler(dir.path());
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_EQ(d->answers.size(), 2u);
  EXPECT_EQ(d->answers[0].text, "A quick, small program");
  EXPECT_EQ(d->answers[0].score, 3.5);
  EXPECT_EQ(d->answers[1].text, "- a model");
  EXPECT_EQ(d->questions.at("1.1").references, (std::vector<std::string>{"A simulation."}));
  EXPECT_EQ(d->questions.at("1.1").max_score, 5);
}

TEST(ReadSaf, ReadsScoresAndVerificationLabels) {
  TempDir dir;
  WriteFile(dir.File("q.xml"), R"(<?xml version='1.0' encoding='utf-8'?>
<question id="2.1" module="DLL">
  <questionText>Name the 3 service classes.</questionText>
  <referenceAnswers><referenceAnswer id="r">unconfirmed, confirmed, connection-oriented</referenceAnswer></referenceAnswers>
  <studentAnswers><studentAnswer id="s1">
    <response>unconfirmed and confirmed</response>
    <response_feedback>One is missing.</response_feedback>
    <score> 0.5</score>
    <verification_feedback>Partially correct</verification_feedback>
  </studentAnswer></studentAnswers>
</question>)");
  auto d = ReadSaf(dir.path());
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_EQ(d->answers.size(), 1u);
  EXPECT_EQ(d->answers[0].score, 0.5);
  EXPECT_EQ(d->answers[0].label, "Partially correct");
  EXPECT_EQ(d->kind, ScaleKind::kContinuous);
}

TEST(ReadDataset, NamesTheFlagForAnUnknownDataset) {
  auto d = ReadDataset("imdb", "/nowhere");
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
}

TEST(SplitDataset, IsSeededPerQuestionAndKeepsEveryAnswerOnce) {
  Dataset all;
  all.name = "t";
  all.questions["a"] = Question{};
  all.questions["b"] = Question{};
  for (int i = 0; i < 10; ++i) {
    all.answers.push_back({"a" + std::to_string(i), "a", "text", 0, ""});
    all.answers.push_back({"b" + std::to_string(i), "b", "text", 0, ""});
  }
  const auto one = SplitDataset(all, 0.8, 7);
  const auto two = SplitDataset(all, 0.8, 7);
  const auto other = SplitDataset(all, 0.8, 8);
  EXPECT_EQ(one.train.answers.size(), 16u);
  EXPECT_EQ(one.test.answers.size(), 4u);
  std::vector<std::string> a, b, c;
  for (const auto& x : one.test.answers) a.push_back(x.id);
  for (const auto& x : two.test.answers) b.push_back(x.id);
  for (const auto& x : other.test.answers) c.push_back(x.id);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

// A grader that reports 1,000 s of training inside each Score() call, without spending them.
class ReportsTrainingInScore final : public QuestionGrader {
 public:
  Status Prepare(const Dataset&, const ExamplesByQuestion&) override { return OkStatus(); }
  Result<std::vector<double>> Score(const Dataset&, const Question&,
                                    const std::vector<const Answer*>&,
                                    const std::vector<const Answer*>& answers,
                                    std::string& method) override {
    method = "fixed";
    trained += 1000;
    return std::vector<double>(answers.size(), 1.0);
  }
  double SecondsTrainingInScore() const override { return trained; }
  double trained = 0;
};

TEST(Evaluate, CountsTrainingInsideScoreAsTrainingNotGrading) {
  Dataset all;
  all.name = "t";
  for (const std::string id : {"a", "b"}) {
    all.questions[id] = Question{id, "text", {}, "", 0, 2, {0, 1, 2}};
    for (int i = 0; i < 6; ++i)
      all.answers.push_back({id + std::to_string(i), id, "answer", static_cast<double>(i % 3), ""});
  }
  const auto split = SplitDataset(all, 0.5, 3);
  ReportsTrainingInScore grader;
  grader.trained = 5000;  // from an earlier evaluation: not this one's
  auto a = Evaluate(split.train, split.test, {}, &grader);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->n_test, 6);
  EXPECT_EQ(grader.trained, 7000);
  // The 2,000 s reported exceed the time spent scoring: none of it is left as grading.
  EXPECT_EQ(a->seconds_grade, 0);
  EXPECT_GT(a->seconds_train, 0);
}

TEST(PeersOf, AreEveryAnswerToTheQuestionInTrainingAndTest) {
  Dataset all;
  all.name = "t";
  for (const std::string id : {"a", "b"}) {
    all.questions[id] = Question{id, "text", {}, "", 0, 1, {}};
    for (int i = 0; i < 5; ++i)
      all.answers.push_back({id + std::to_string(i), id, id + std::to_string(i), 0, ""});
  }
  const auto split = SplitDataset(all, 0.6, 1);
  auto peers = PeersOf(split.train, split.test);
  ASSERT_EQ(peers.size(), 2u);
  std::sort(peers["a"].begin(), peers["a"].end());
  EXPECT_EQ(peers["a"], (std::vector<std::string>{"a0", "a1", "a2", "a3", "a4"}));
  EXPECT_EQ(PeersOf(all, all)["b"].size(), 5u);  // one set: each answer once
  // Without the test answers: the training share only, and nothing for an unseen question.
  EXPECT_EQ(PeersOf(split.train, split.test, /*test_peers=*/false)["a"].size(), 3u);
  const auto unseen = SplitDatasetByQuestion(all, 0.5, 1);
  const auto pools = PeersOf(unseen.train, unseen.test, /*test_peers=*/false);
  ASSERT_EQ(pools.size(), 1u);
  EXPECT_EQ(pools.count(unseen.test.questions.begin()->first), 0u);
}

TEST(SplitDatasetByQuestion, PutsEachQuestionWhollyInOnePart) {
  Dataset all;
  all.name = "t";
  for (int q = 0; q < 10; ++q) {
    const std::string id = "q" + std::to_string(q);
    all.questions[id] = Question{id, "text", {}, "", 0, 1, {}};
    for (int i = 0; i < 3; ++i)
      all.answers.push_back({id + "_" + std::to_string(i), id, "x", 0, ""});
  }
  const auto one = SplitDatasetByQuestion(all, 0.8, 7);
  const auto two = SplitDatasetByQuestion(all, 0.8, 7);
  const auto other = SplitDatasetByQuestion(all, 0.8, 8);
  EXPECT_EQ(one.train.questions.size(), 8u);
  EXPECT_EQ(one.test.questions.size(), 2u);
  EXPECT_EQ(one.train.answers.size(), 24u);
  EXPECT_EQ(one.test.answers.size(), 6u);
  for (const auto& a : one.test.answers) {
    EXPECT_TRUE(one.test.questions.count(a.question_id));
    EXPECT_FALSE(one.train.questions.count(a.question_id)) << a.question_id;
  }
  std::vector<std::string> a, b, c;
  for (const auto& [id, q] : one.test.questions) a.push_back(id);
  for (const auto& [id, q] : two.test.questions) b.push_back(id);
  for (const auto& [id, q] : other.test.questions) c.push_back(id);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

}  // namespace
}  // namespace ag::eval
