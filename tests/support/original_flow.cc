#include "support/original_flow.h"

#include <gtest/gtest.h>

namespace ag::testing {

const char* const kOriginalRubric = R"({
  "introduction": {"description": "Clear introduction with thesis statement", "max_points": 20},
  "analysis": {"description": "Deep analysis with supporting evidence", "max_points": 40},
  "conclusion": {"description": "Strong conclusion that synthesizes main points", "max_points": 20},
  "citations": {"description": "Proper citations and bibliography", "max_points": 20}})";

const char* const kOriginalReference =
    "Climate Change: Key Points\n\n"
    "Climate change refers to long-term shifts in global temperatures and weather patterns.\n"
    "The primary cause is human activities, particularly burning fossil fuels.\n\n"
    "# Impacts\nRising global temperatures. Melting ice caps and glaciers. Rising sea levels.\n\n"
    "# Mitigation\nRenewable energy adoption. Energy efficiency improvements. Reforestation.\n\n"
    "# Citations\nCitations give credit to original authors and let readers verify information.\n";

const char* const kOriginalEssay =
    "Introduction: climate change is one of the most pressing challenges; my thesis is that "
    "burning fossil fuels drives it.\nAnalysis: human activities release greenhouse gases, "
    "leading to rising sea levels and melting glaciers, as the evidence shows.\nConclusion: "
    "renewable energy adoption and energy efficiency synthesize the main points.\n"
    "References: Smith, J. (2023). Climate Science Today.";

std::int64_t RunOriginalClientFlow(const HttpClient& writer, const HttpClient& reader,
                                   const std::string& prefix) {
  EXPECT_EQ(writer.Get(prefix + "/health").json()["status"], "healthy");
  auto created = writer.PostJson(
      prefix + "/assignments/",
      Json{{"title", "Essay on Climate Change"}, {"rubric", Json::parse(kOriginalRubric)}});
  EXPECT_EQ(created.status, 200) << created.body;
  if (created.status != 200) return 0;
  const std::int64_t a = created.json()["id"].get<std::int64_t>();
  auto ref = writer.PostFile(prefix + "/assignments/" + std::to_string(a) + "/references",
                             "reference.txt", kOriginalReference);
  EXPECT_EQ(ref.status, 200) << ref.body;
  if (ref.status != 200) return 0;
  EXPECT_GT(ref.json()["chunks_created"].get<int>(), 0);
  auto sub = writer.PostFile(prefix + "/submissions/?assignment_id=" + std::to_string(a),
                             "submission.txt", kOriginalEssay);
  EXPECT_EQ(sub.status, 200) << sub.body;
  if (sub.status != 200) return 0;
  const std::int64_t id = sub.json()["id"].get<std::int64_t>();
  EXPECT_EQ(sub.json()["status"], "queued");

  Json done = WaitForStatus(reader, id, "done", std::chrono::seconds(60), prefix);
  EXPECT_EQ(done["status"], "done") << done.dump();
  if (done["status"] != "done") return 0;
  auto grade_r = reader.Get(prefix + "/submissions/" + std::to_string(id) + "/grade");
  EXPECT_EQ(grade_r.status, 200);
  if (grade_r.status != 200) return 0;
  Json grade = grade_r.json();
  double total = 0;
  const Json rubric = Json::parse(kOriginalRubric);
  for (const auto& [key, c] : rubric.items()) {
    EXPECT_TRUE(grade["breakdown"].contains(key)) << key;
    if (!grade["breakdown"].contains(key)) return 0;
    const double points = grade["breakdown"][key]["points"].get<double>();
    EXPECT_GE(points, 0);
    EXPECT_LE(points, c["max_points"].get<double>());
    EXPECT_FALSE(grade["breakdown"][key]["comment"].get<std::string>().empty());
    total += points;
  }
  EXPECT_NEAR(grade["score"].get<double>(), total, 0.011);
  EXPECT_EQ(done["score"], grade["score"]);
  EXPECT_EQ(done["feedback"], grade["feedback"]);
  // Citations resolve to chunks of this assignment's material.
  EXPECT_FALSE(grade["citations"].empty());
  for (const auto& c : grade["citations"]) {
    const std::int64_t chunk = c["reference_id"].get<std::int64_t>();
    bool retrieved = false;
    for (const auto& r : grade["provenance"]["retrieved_chunk_ids"]) retrieved |= r == chunk;
    EXPECT_TRUE(retrieved) << chunk;
    EXPECT_TRUE(c["verified"].get<bool>());
    EXPECT_NE(std::string(kOriginalReference).find(c["text"].get<std::string>()),
              std::string::npos);
  }
  auto list = reader.Get(prefix + "/submissions/assignment/" + std::to_string(a)).json();
  EXPECT_EQ(list.size(), 1u);
  if (list.size() != 1u) return 0;
  EXPECT_EQ(list[0]["status"], "done");
  return a;
}

}  // namespace ag::testing
