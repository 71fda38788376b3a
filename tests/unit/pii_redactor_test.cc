// Personal data kept from the LLM: e-mail addresses and student numbers out of the answer, the
// originals back in the feedback; the numbers an answer is about left alone.
#include "grading/pii_redactor.h"

#include <gtest/gtest.h>

#include "grading/redacting_grader.h"

namespace ag {
namespace {

TEST(PiiRedactor, ReplacesEmailsAndStudentNumbersWithPlaceholders) {
  const std::string answer =
      "Name: J. Doe, student number 20231234, jane.doe+bio@uni.example.edu. Ask Jane.Doe+bio"
      "@uni.example.edu or my TA (ta_1@dept.uni.ac.uk). Matric: 7654321; ID 8812345; s1234567; "
      "A01234567.";
  const Redaction r = RedactPii(answer);
  for (const char* gone : {"20231234", "jane.doe+bio@uni.example.edu", "ta_1@dept.uni.ac.uk",
                           "7654321", "8812345", "s1234567", "A01234567"}) {
    EXPECT_EQ(r.text.find(gone), std::string::npos) << gone << " in " << r.text;
  }
  EXPECT_NE(r.text.find("student number [STUDENT_ID_1]"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("[EMAIL_1]. Ask"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("[EMAIL_2]"), std::string::npos) << "case differs: another address";
  EXPECT_NE(r.text.find("[EMAIL_3]"), std::string::npos) << r.text;
  EXPECT_EQ(RestorePii(r.text, r), answer);
}

TEST(PiiRedactor, TheSameValueGetsTheSamePlaceholder) {
  const Redaction r = RedactPii("a@b.io wrote to a@b.io and c@d.io");
  EXPECT_EQ(r.text, "[EMAIL_1] wrote to [EMAIL_1] and [EMAIL_2]");
  ASSERT_EQ(r.replaced.size(), 2u);
}

TEST(PiiRedactor, LeavesTheNumbersAndSymbolsAnAnswerIsAbout) {
  for (const char* text : {
           "The population grew to 8000000 people by 1950.",
           "Avogadro's number is 6.02214076e23, and pi is 3.1415926535.",
           "The total was 1,234,567 units, or 12345678.5 dollars.",
           "x = 1234567 + 1",
           "Water is H2O; E = mc2.",
           "Write to someone@localhost or at@ or @home.",
           "The void pointer 0x7ffd12345678 and the hash a3f5c9e1 are data.",
           "Avoid 1234567 as a password, said the lecture on identity.",
       }) {
    EXPECT_EQ(RedactPii(text).text, text);
  }
  // Two letters and seven digits is an id's shape, whatever it names.
  EXPECT_EQ(RedactPii("EC3141592").text, "[STUDENT_ID_1]");
}

TEST(PiiRedactor, TheSubmittersKnownIdIsTakenOutWhenItLooksLikeOne) {
  EXPECT_EQ(RedactPii("I am u1234x, see u1234x.", "u1234x").text,
            "I am [STUDENT_ID_1], see [STUDENT_ID_1].");
  EXPECT_EQ(RedactPii("Alice in Wonderland", "alice").text, "Alice in Wonderland");
  EXPECT_EQ(RedactPii("by alice, about alice", "alice").text, "by alice, about alice");
}

// Records what it was asked, and answers with the placeholders it saw.
class EchoGrader final : public Grader {
 public:
  Result<GraderOutput> Grade(const GradingRequest& request, std::stop_token) override {
    seen_answer = std::string(request.answer);
    seen_student_id = std::string(request.student_id);
    GraderOutput out;
    out.proposal.feedback = "Thanks [EMAIL_1]; [STUDENT_ID_1] noted.";
    out.proposal.breakdown.push_back({"c", {1.0, "For [EMAIL_1]"}});
    out.proposal.citations.push_back({7, "[STUDENT_ID_1]", "quoted"});
    return out;
  }
  std::string seen_answer, seen_student_id;
};

TEST(RedactingGrader, TheInnerGraderSeesNoPersonalDataAndTheFeedbackGetsItBack) {
  EchoGrader inner;
  RedactingGrader grader(inner);
  const Rubric rubric =
      Rubric::FromJson(Json::parse(R"({"c": {"description": "d", "max_points": 1}})")).value();
  Retrieval evidence;
  GradingRequest request{"Q", "", rubric, "Me: jo@uni.edu, student id 99112233. Answer: heat.",
                         evidence};
  request.student_id = "jo@uni.edu";
  auto out = grader.Grade(request, {});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(inner.seen_answer, "Me: [EMAIL_1], student id [STUDENT_ID_1]. Answer: heat.");
  EXPECT_EQ(inner.seen_student_id, "");
  EXPECT_EQ(out->proposal.feedback, "Thanks jo@uni.edu; 99112233 noted.");
  EXPECT_EQ(out->proposal.breakdown[0].second.comment, "For jo@uni.edu");
  EXPECT_EQ(out->proposal.citations[0].text, "99112233");

  std::optional<Result<GraderOutput>> async;
  grader.GradeAsync(request, {}, [&](Result<GraderOutput> r) { async = std::move(r); });
  ASSERT_TRUE(async && async->ok());
  EXPECT_EQ((*async)->proposal.feedback, "Thanks jo@uni.edu; 99112233 noted.");
}

}  // namespace
}  // namespace ag
