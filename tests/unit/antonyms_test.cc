#include "scoring/antonyms.h"

#include <gtest/gtest.h>

#include "scoring/answer_scorer.h"
#include "scoring/question_profile.h"

namespace ag::scoring {
namespace {

// Lines in WordNet 3.0's data-file format: the licence header (indented), synsets with antonym
// pointers ("!" offset pos source/target), a satellite adjective, a phrase, a broken line.
constexpr const char* kAdjectives =
    "  1 This software and database is being provided to you, the LICENSEE, by\n"
    "00001740 00 a 01 high 0 001 ! 00002098 a 0101 | greater than normal\n"
    "00002098 00 a 02 low 0 short 0 001 ! 00001740 a 0101 | less than normal\n"
    "00003000 00 s 01 galore(ip) 0 000 | in abundance\n"
    "00004000 00 a 01 broken\n";
constexpr const char* kVerbs =
    "00100000 30 v 02 increase 0 go_up 0 002 ! 00200000 v 0101 ! 00200000 v 0202 | become "
    "bigger\n"
    "00200000 30 v 02 decrease 0 go_down 0 002 ! 00100000 v 0101 ! 00100000 v 0202 | become "
    "smaller\n";

TEST(Antonyms, ReadsWordNetPointersAsStems) {
  const Antonyms parsed = Antonyms::FromWordNet({kAdjectives, kVerbs});
  const Antonyms* a = &parsed;
  // high/low, increase/decrease; "go up"/"go down" are phrases, which single words cannot
  // oppose.
  EXPECT_EQ(a->pairs(), 2u);
  EXPECT_TRUE(a->Opposed("high", "low"));
  EXPECT_TRUE(a->Opposed("low", "high"));
  EXPECT_TRUE(a->Opposed("increas", "decreas"));  // Snowball stems
  EXPECT_FALSE(a->Opposed("high", "decreas"));
  EXPECT_FALSE(a->Opposed("short", "high"));  // the pointer names word 1 only
  EXPECT_TRUE(a->OppositesOf("galor").empty());
}

std::size_t FeatureIndex(const std::string& name) {
  const auto& names = RelationalFeatureNames();
  return static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin());
}

TEST(RelationalFeatures, TheExamplePriorIndexNamesIt) {
  // The per-question model blanks this feature by its index (it leaks an example's own score).
  ASSERT_LT(kExamplePriorFeature, RelationalFeatureNames().size());
  EXPECT_EQ(RelationalFeatureNames()[kExamplePriorFeature], "example_prior");
  ASSERT_LT(kFirstPeerFeature, RelationalFeatureNames().size());
  EXPECT_EQ(RelationalFeatureNames()[kFirstPeerFeature], "peer_top");
  EXPECT_EQ(RelationalFeatureNames()[kFirstPeerFeature - 1], "opposes_reference");
}

TEST(Antonyms, AnAnswerSayingTheOppositeOfTheReferenceIsFlagged) {
  const Antonyms antonyms = Antonyms::FromWords({{"increase", "decrease"}, {"high", "low"}});
  const QuestionContext context{
      "What happens to the temperature of the water?", {"The temperature increases."}, "", {}};
  const QuestionProfile profile(context, {}, {}, nullptr, nullptr, &antonyms);
  const std::size_t opposes = FeatureIndex("opposes_reference");
  ASSERT_LT(opposes, RelationalFeatureNames().size());
  auto feature = [&](const char* answer) {
    const auto f = profile.Features(profile.Analyze(answer));
    EXPECT_EQ(f.size(), RelationalFeatureNames().size());
    return f.at(opposes);
  };
  EXPECT_EQ(feature("It decreases."), 1.0);
  EXPECT_EQ(feature("The temperature increases."), 0.0);
  // Both words: a comparison, not a contradiction.
  EXPECT_EQ(feature("It increases at first and decreases later."), 0.0);
  EXPECT_EQ(feature("It gets hot."), 0.0);

  const QuestionProfile without(context, {}, {});
  EXPECT_EQ(without.Features(without.Analyze("It decreases.")).at(opposes), 0.0);
}

}  // namespace
}  // namespace ag::scoring
