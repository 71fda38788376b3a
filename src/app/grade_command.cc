// `autograder grade`: the grading pipeline offline, on an in-memory database, for a CSV or a
// folder of answers. Nothing is written but the output.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/commands.h"
#include "app/wiring.h"
#include "core/csv.h"
#include "core/files.h"
#include "http/views.h"

namespace ag {
namespace {

struct Answer {
  std::string id;
  std::string filename;
  std::string text;
};

struct Outcome {
  std::string id;
  Status status;
  std::optional<Grade> grade;
};

std::string Location(const std::vector<std::string>& field) {
  std::string out;
  for (const auto& f : field) out += (out.empty() ? "" : ".") + f;
  return out;
}

Result<std::vector<Answer>> AnswersFromCsv(const std::string& path, const GradeFlags& f) {
  ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  auto rows = ParseCsv(text);
  if (!rows.ok()) return InvalidArgumentError(path + ": " + rows.status().message());
  if (rows->empty()) return InvalidArgumentError(path + ": no header row");
  const CsvRow& header = rows->front();
  auto column = [&](const std::string& name) -> int {
    auto it = std::find(header.begin(), header.end(), name);
    return it == header.end() ? -1 : static_cast<int>(it - header.begin());
  };
  const int answer_col = column(f.answer_column);
  if (answer_col < 0) {
    return InvalidArgumentError(path + ": no column named '" + f.answer_column +
                                "' (choose one with --answer-column)");
  }
  const int id_col = column(f.id_column);
  std::vector<Answer> out;
  for (std::size_t i = 1; i < rows->size(); ++i) {
    const CsvRow& row = (*rows)[i];
    Answer a;
    a.id = id_col >= 0 && static_cast<std::size_t>(id_col) < row.size() ? row[id_col]
                                                                        : std::to_string(i);
    a.filename = "answer.txt";
    a.text = static_cast<std::size_t>(answer_col) < row.size() ? row[answer_col] : "";
    out.push_back(std::move(a));
  }
  return out;
}

Result<std::vector<Answer>> AnswersFromDir(const std::string& dir) {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().filename().string()[0] != '.') {
      files.push_back(entry.path());
    }
  }
  if (ec) return InvalidArgumentError("cannot list " + dir + ": " + ec.message());
  std::sort(files.begin(), files.end());
  std::vector<Answer> out;
  for (const auto& p : files) {
    ASSIGN_OR_RETURN(std::string text, ReadWholeFile(p.string()));
    out.push_back({p.filename().string(), p.filename().string(), std::move(text)});
  }
  return out;
}

void Progress(std::size_t done, std::size_t total) {
  const int width = 30;
  const int filled = total ? static_cast<int>(width * done / total) : width;
  std::fprintf(stderr, "\rgrading [%s%s] %zu/%zu", std::string(filled, '#').c_str(),
               std::string(width - filled, '.').c_str(), done, total);
  if (done == total) std::fprintf(stderr, "\n");
  std::fflush(stderr);
}

std::string RenderJson(const std::vector<Outcome>& outcomes) {
  Json out = Json::array();
  for (const auto& o : outcomes) {
    if (o.grade) {
      Json g = GradeView(*o.grade);
      out.push_back(Json{{"id", o.id},
                         {"status", "done"},
                         {"score", g["score"]},
                         {"max_score", g["max_score"]},
                         {"breakdown", g["breakdown"]},
                         {"feedback", g["feedback"]},
                         {"citations", g["citations"]}});
    } else {
      out.push_back(Json{{"id", o.id}, {"status", "error"}, {"error", o.status.message()}});
    }
  }
  return DumpJson(out) + "\n";
}

std::string RenderCsv(const Rubric& rubric, const std::vector<Outcome>& outcomes) {
  CsvRow header = {"id", "status", "score", "max_score"};
  for (const auto& c : rubric.criteria()) header.push_back(c.key);
  header.push_back("feedback");
  header.push_back("error");
  std::string out = CsvLine(header);
  for (const auto& o : outcomes) {
    CsvRow row = {o.id, o.grade ? "done" : "error"};
    if (o.grade) {
      row.push_back(JsonNumber(o.grade->result.score).dump());
      row.push_back(JsonNumber(o.grade->result.max_score).dump());
      for (const auto& c : o.grade->result.breakdown) row.push_back(JsonNumber(c.points).dump());
      row.push_back(o.grade->result.feedback);
      row.push_back("");
    } else {
      row.insert(row.end(), rubric.criteria().size() + 3, "");
      row.push_back(o.status.message());
    }
    out += CsvLine(row);
  }
  return out;
}

}  // namespace

int RunGrade(const CommonFlags& common, const GradeFlags& f) {
  auto config = LoadConfigOrReport(common);
  if (!config) return 2;
  auto usage = [](const std::string& message) {
    std::fprintf(stderr, "autograder grade: %s\n", message.c_str());
    return 2;
  };

  auto doc_text = ReadWholeFile(f.assignment_file);
  if (!doc_text.ok()) return usage(doc_text.status().message());
  const Json doc = ParseJsonOrDiscarded(*doc_text);
  if (doc.is_discarded()) return usage(f.assignment_file + " is not JSON");
  auto parsed = ParseAssignment(doc, {});
  if (!parsed.ok()) {
    return usage(f.assignment_file + ": " + Location(parsed.status().field()) + ": " +
                 parsed.status().message());
  }
  auto answers = f.csv ? AnswersFromCsv(*f.csv, f) : AnswersFromDir(*f.dir);
  if (!answers.ok()) return usage(answers.status().message());

  SystemClock clock;
  Logger log(clock, std::max(config->log_level, LogLevel::kWarn));
  SeededRandom random(1);
  auto built = BuildOfflineServices(*config, clock, log, random);
  if (!built.ok()) return usage(built.status().ToString());
  Services& s = **built;

  auto assignment = s.assignments->Create(*parsed);
  if (!assignment.ok()) return usage(assignment.status().ToString());
  if (auto refs = doc.find("references"); refs != doc.end()) {
    if (!refs->is_array()) return usage(f.assignment_file + ": references must be a list of files");
    const auto base = std::filesystem::path(f.assignment_file).parent_path();
    for (const auto& r : *refs) {
      if (!r.is_string()) return usage(f.assignment_file + ": references must be file names");
      const auto path = base / r.get<std::string>();
      auto bytes = ReadWholeFile(path.string());
      if (!bytes.ok()) return usage(bytes.status().message());
      auto added = s.assignments->AddReference(assignment->id, path.filename().string(), *bytes);
      if (!added.ok()) return usage(path.string() + ": " + added.status().message());
    }
  }

  const bool progress = f.progress && ::isatty(2);
  std::vector<Outcome> outcomes;
  for (std::size_t i = 0; i < answers->size(); ++i) {
    const Answer& a = (*answers)[i];
    Outcome o{a.id, OkStatus(), std::nullopt};
    auto sub = s.submissions->Submit({assignment->id, a.id, a.filename, a.text, std::nullopt});
    if (!sub.ok()) {
      o.status = sub.status();
    } else {
      o.status = s.pipeline->Run(sub->id, JobContext{JobId(), 1}, std::stop_token());
      if (o.status.ok()) {
        auto grade = s.store->GetGrade(sub->id);
        if (grade.ok())
          o.grade = std::move(grade).value();
        else
          o.status = grade.status();
      }
    }
    outcomes.push_back(std::move(o));
    if (progress) Progress(i + 1, answers->size());
  }

  const std::string rendered =
      f.format == "csv" ? RenderCsv(assignment->rubric, outcomes) : RenderJson(outcomes);
  if (f.output) {
    std::ofstream out(*f.output, std::ios::binary);
    out << rendered;
    if (!out) return usage("cannot write " + *f.output);
  } else {
    std::fwrite(rendered.data(), 1, rendered.size(), stdout);
  }
  const auto failed =
      std::count_if(outcomes.begin(), outcomes.end(), [](const Outcome& o) { return !o.grade; });
  if (failed > 0) {
    std::fprintf(stderr, "autograder grade: %ld of %zu answers could not be graded\n",
                 static_cast<long>(failed), outcomes.size());
    return 1;
  }
  return 0;
}

}  // namespace ag
