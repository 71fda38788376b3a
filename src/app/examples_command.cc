// `autograder examples import`: graded answers from a CSV into an assignment, the examples the
// local grader learns from (the command-line twin of POST /assignments/{id}/graded-answers).
#include <cstdio>
#include <random>

#include "app/commands.h"
#include "app/wiring.h"
#include "core/csv.h"
#include "core/files.h"
#include "service/assignment_service.h"

namespace ag {
namespace {

constexpr std::string_view kPointsPrefix = "points:";

int Fail(const std::string& message) {
  std::fprintf(stderr, "autograder examples import: %s\n", message.c_str());
  return 1;
}

// The CSV as the graded-answers document: the answer column, the score column when present,
// and a "points:<criterion>" column per criterion graded separately. Empty cells are absent.
Result<Json> CsvToDocument(const std::vector<CsvRow>& rows, const ExamplesFlags& f) {
  if (rows.empty()) return InvalidArgumentError("the CSV is empty");
  const CsvRow& header = rows[0];
  int answer = -1, score = -1;
  std::vector<std::pair<int, std::string>> points;
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == f.answer_column) answer = static_cast<int>(i);
    if (header[i] == f.score_column) score = static_cast<int>(i);
    if (header[i].rfind(kPointsPrefix, 0) == 0) {
      points.emplace_back(static_cast<int>(i), header[i].substr(kPointsPrefix.size()));
    }
  }
  if (answer < 0) return InvalidArgumentError("no column named '" + f.answer_column + "'");
  if (score < 0 && points.empty()) {
    return InvalidArgumentError("no column named '" + f.score_column +
                                "' and no points:<criterion> columns");
  }
  Json list = Json::array();
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const CsvRow& row = rows[r];
    auto cell = [&](int i) -> std::string {
      return i >= 0 && static_cast<std::size_t>(i) < row.size() ? row[static_cast<std::size_t>(i)]
                                                                : "";
    };
    auto number = [&](int i, const std::string& column) -> Result<Json> {
      const std::string text = cell(i);
      if (text.empty()) return Json();
      try {
        std::size_t used = 0;
        const double v = std::stod(text, &used);
        if (used == text.size()) return Json(v);
      } catch (const std::exception&) {
      }
      return InvalidArgumentError("line " + std::to_string(r + 1) + ", column " + column + ": '" +
                                  text + "' is not a number");
    };
    Json e{{"answer", cell(answer)}};
    if (score >= 0) {
      ASSIGN_OR_RETURN(Json v, number(score, f.score_column));
      if (!v.is_null()) e["score"] = v;
    }
    for (const auto& [i, key] : points) {
      ASSIGN_OR_RETURN(Json v, number(i, std::string(kPointsPrefix) + key));
      if (!v.is_null()) e["points"][key] = v;
    }
    list.push_back(std::move(e));
  }
  return Json{{"answers", std::move(list)}};
}

}  // namespace

int RunExamplesImport(const CommonFlags& common, const ExamplesFlags& f) {
  auto config = LoadConfigOrReport(common);
  if (!config) return 2;
  auto text = ReadWholeFile(f.csv);
  if (!text.ok()) return Fail(text.status().message());
  auto rows = ParseCsv(*text);
  if (!rows.ok()) return Fail(rows.status().message());
  auto doc = CsvToDocument(*rows, f);
  if (!doc.ok()) return Fail(doc.status().message());

  SystemClock clock;
  Logger log(clock, config->log_level);
  SeededRandom random(std::random_device{}());
  auto built = BuildQueueAdmin(*config, clock, log, random);
  if (!built.ok()) return Fail(built.status().ToString());
  Services& s = **built;
  auto assignment = s.store->GetAssignment(AssignmentId(f.assignment));
  if (!assignment.ok()) return Fail(assignment.status().message());
  // Answer i of the document is line i + 2 of the CSV (after the header).
  auto answers = ParseGradedAnswers(*doc, assignment->rubric, {});
  if (!answers.ok()) return Fail(answers.status().ToString());
  auto added = s.store->AddGradedAnswers(assignment->id, *answers, clock.Now());
  if (!added.ok()) return Fail(added.status().ToString());
  auto version = s.store->GetGradedAnswersVersion(assignment->id);
  std::printf("added %d graded answers to assignment %lld (%lld in all)\n", *added,
              static_cast<long long>(f.assignment),
              static_cast<long long>(version.ok() ? version->count : 0));
  return 0;
}

}  // namespace ag
