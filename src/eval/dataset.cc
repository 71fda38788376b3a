#include "eval/dataset.h"

#include <pugixml.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <optional>
#include <set>
#include <sstream>

#include "core/csv.h"
#include "core/files.h"

namespace ag::eval {
namespace fs = std::filesystem;
namespace {

std::string Trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

std::vector<std::string> Lines(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = text.find('\n', start);
    out.push_back(Trim(text.substr(start, end == std::string_view::npos ? end : end - start)));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

std::vector<std::string> Split(std::string_view line, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto end = line.find(sep, start);
    out.emplace_back(line.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

Result<double> ParseNumber(const std::string& text, const std::string& where) {
  try {
    std::size_t used = 0;
    const double v = std::stod(text, &used);
    if (Trim(text.substr(used)).empty()) return v;
  } catch (const std::exception&) {
  }
  return InvalidArgumentError(where + ": '" + text + "' is not a number");
}

// The files of `path` with the extension (sorted, recursive), or `path` itself.
Result<std::vector<fs::path>> FilesOf(const std::string& path, const std::string& extension) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return NotFoundError(path + ": no such file or folder");
  if (!fs::is_directory(path, ec)) return std::vector<fs::path>{fs::path(path)};
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(path, ec)) {
    if (e.is_regular_file() && e.path().extension() == extension) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) return NotFoundError(path + ": no " + extension + " files");
  return files;
}

std::string OptionalFile(const fs::path& p) {
  auto r = ReadWholeFile(p.string());
  return r.ok() ? *r : std::string();
}

// The acceptable answers and key elements listed under a rubric's "#" sections after the
// score descriptors ("# Key Elements:", "# Possible Correct Responses:", ...).
std::vector<std::string> RubricExamples(const std::string& rubric) {
  std::vector<std::string> out;
  int section = 0;
  for (const auto& line : Lines(rubric)) {
    if (line.rfind("#", 0) == 0) {
      ++section;
      continue;
    }
    if (section < 2 || line.empty() || line.back() == ':') continue;
    std::string lower = line;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    if (lower.rfind("other ", 0) == 0) continue;
    out.push_back(line);
  }
  return out;
}

// The top of "Rubric Range: 0-3" (any case, spaces allowed).
std::optional<double> RubricRangeTop(const std::string& rubric) {
  std::string lower = rubric;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  const auto at = lower.find("range:");
  if (at == std::string::npos) return std::nullopt;
  const auto dash = lower.find('-', at);
  const auto eol = lower.find('\n', at);
  if (dash == std::string::npos || (eol != std::string::npos && dash > eol)) return std::nullopt;
  std::size_t i = dash + 1;
  while (i < lower.size() && lower[i] == ' ') ++i;
  std::size_t j = i;
  while (j < lower.size() && std::isdigit(static_cast<unsigned char>(lower[j]))) ++j;
  if (j == i) return std::nullopt;
  return std::stod(lower.substr(i, j - i));
}

}  // namespace

Result<Dataset> ReadAsapSas(const std::string& path) {
  Dataset d;
  d.name = "asap-sas";
  d.kind = ScaleKind::kOrdinal;
  // The set's root holds answers/, rubrics/ and prompts/; `path` may be the root, answers/ or
  // one TSV file.
  fs::path root = path;
  if (fs::is_directory(root / "answers")) {
    root = root / "answers";
  }
  ASSIGN_OR_RETURN(auto files, FilesOf(root.string(), ".tsv"));
  const fs::path set_root =
      fs::is_directory(root) ? root.parent_path() : root.parent_path().parent_path();

  std::set<std::string> prompts;
  for (const auto& file : files) {
    ASSIGN_OR_RETURN(std::string text, ReadWholeFile(file.string()));
    const auto lines = Lines(text);
    for (std::size_t n = 0; n < lines.size(); ++n) {
      const std::string& line = lines[n];
      if (line.empty() || (n == 0 && line.rfind("ItemId", 0) == 0)) continue;
      const auto cols = Split(line, '\t');
      const std::string where = file.filename().string() + " line " + std::to_string(n + 1);
      if (cols.size() < 4)
        return InvalidArgumentError(where + ": expected 4 tab-separated columns");
      Answer a;
      a.id = cols[0];
      a.question_id = cols[1];
      ASSIGN_OR_RETURN(a.score, ParseNumber(cols[2], where));
      a.text = cols[3];
      prompts.insert(a.question_id);
      d.answers.push_back(std::move(a));
    }
  }
  for (const auto& id : prompts) {
    Question q;
    q.id = id;
    q.text = OptionalFile(set_root / "prompts" / ("essay_" + id + "_description.txt"));
    q.rubric = OptionalFile(set_root / "rubrics" / ("Q" + id + ".txt"));
    for (const auto& line :
         Lines(OptionalFile(set_root / "prompts" / ("essay_" + id + "_key.txt")))) {
      if (!line.empty()) q.references.push_back(line);
    }
    for (auto& r : RubricExamples(q.rubric)) q.references.push_back(std::move(r));
    double max = 0;
    for (const auto& a : d.answers) {
      if (a.question_id == id) max = std::max(max, a.score);
    }
    if (auto top = RubricRangeTop(q.rubric)) max = *top;
    q.max_score = max > 0 ? max : 1;
    for (int l = 0; l <= static_cast<int>(q.max_score); ++l) q.levels.push_back(l);
    d.questions.emplace(id, std::move(q));
  }
  return d;
}

namespace {

Result<pugi::xml_document> LoadXml(const fs::path& file) {
  pugi::xml_document doc;
  const auto r = doc.load_file(file.c_str(), pugi::parse_default, pugi::encoding_utf8);
  if (!r) {
    return InvalidArgumentError(file.filename().string() + ": not XML (" + r.description() +
                                " at byte " + std::to_string(r.offset) + ")");
  }
  return doc;
}

// Calls `fill(file, question_node, question)` for each XML file's <question>, with its id,
// text and reference answers read, and files the question in `d`.
template <typename Fill>
Status ForEachQuestionXml(const std::string& path, Dataset& d, Fill fill) {
  ASSIGN_OR_RETURN(auto files, FilesOf(path, ".xml"));
  for (const auto& file : files) {
    ASSIGN_OR_RETURN(pugi::xml_document doc, LoadXml(file));
    const pugi::xml_node qn = doc.child("question");
    if (!qn) return InvalidArgumentError(file.filename().string() + ": no <question> element");
    Question q;
    q.id = qn.attribute("id").as_string();
    q.text = Trim(qn.child_value("questionText"));
    for (auto r : qn.child("referenceAnswers").children("referenceAnswer")) {
      q.references.push_back(Trim(r.text().as_string()));
    }
    RETURN_IF_ERROR(fill(file, qn, q));
    d.questions.emplace(q.id, std::move(q));
  }
  return OkStatus();
}

}  // namespace

Result<Dataset> ReadSemEval(const std::string& path) {
  Dataset d;
  d.name = "semeval";
  d.kind = ScaleKind::kCategorical;
  // Codes in order of how much of the reference the answer gets right.
  d.label_names = {"incorrect", "contradictory", "correct"};
  RETURN_IF_ERROR(ForEachQuestionXml(
      path, d, [&](const fs::path& file, const pugi::xml_node& qn, Question& q) -> Status {
        q.max_score = 2;
        q.levels = {0, 1, 2};
        for (auto s : qn.child("studentAnswers").children("studentAnswer")) {
          Answer a;
          a.id = s.attribute("id").as_string();
          a.question_id = q.id;
          a.text = Trim(s.text().as_string());
          a.label = s.attribute("accuracy").as_string();
          const auto it = std::find(d.label_names.begin(), d.label_names.end(), a.label);
          if (it == d.label_names.end()) {
            return InvalidArgumentError(file.filename().string() + ": answer " + a.id +
                                        " has the unknown accuracy '" + a.label + "'");
          }
          a.score = static_cast<double>(it - d.label_names.begin());
          d.answers.push_back(std::move(a));
        }
        return OkStatus();
      }));
  return d;
}

Result<Dataset> ReadMohler(const std::string& path) {
  Dataset d;
  d.name = "mohler";
  d.kind = ScaleKind::kContinuous;
  fs::path file = path;
  if (fs::is_directory(file)) file /= "mohler_dataset_edited.csv";
  ASSIGN_OR_RETURN(std::string text, ReadWholeFile(file.string()));
  ASSIGN_OR_RETURN(auto rows, ParseCsv(text));
  if (rows.empty()) return InvalidArgumentError(file.filename().string() + ": empty");
  auto column = [&](const std::string& name) -> int {
    const auto& h = rows[0];
    const auto it = std::find(h.begin(), h.end(), name);
    return it == h.end() ? -1 : static_cast<int>(it - h.begin());
  };
  const int id = column("id"), question = column("question"), desired = column("desired_answer"),
            student = column("student_answer"), score = column("score_avg");
  if (id < 0 || question < 0 || desired < 0 || student < 0 || score < 0) {
    return InvalidArgumentError(file.filename().string() +
                                ": expected columns id, question, desired_answer, "
                                "student_answer, score_avg");
  }
  // Answers that start with "-" were turned into "#NAME?" by a spreadsheet; the cleaned copy
  // beside it has their text, in the same order within the question.
  std::map<std::string, std::vector<std::string>> cleaned;
  const std::string tsv = OptionalFile(file.parent_path() / "metzler_answers.tsv");
  for (const auto& line : Lines(tsv)) {
    const auto cols = Split(line, '\t');
    if (cols.size() >= 2) cleaned[cols[0]].push_back(cols[1]);
  }
  std::map<std::string, int> seen;
  for (std::size_t n = 1; n < rows.size(); ++n) {
    const auto& r = rows[n];
    if (r.size() < rows[0].size()) continue;
    const std::string where = file.filename().string() + " row " + std::to_string(n + 1);
    Answer a;
    a.question_id = r[static_cast<std::size_t>(id)];
    const int index = seen[a.question_id]++;
    a.id = a.question_id + "." + std::to_string(index + 1);
    a.text = Trim(r[static_cast<std::size_t>(student)]);
    if (a.text == "#NAME?") {
      const auto& c = cleaned[a.question_id];
      if (static_cast<std::size_t>(index) < c.size())
        a.text = Trim(c[static_cast<std::size_t>(index)]);
    }
    ASSIGN_OR_RETURN(a.score, ParseNumber(r[static_cast<std::size_t>(score)], where));
    if (!d.questions.count(a.question_id)) {
      Question q;
      q.id = a.question_id;
      q.text = r[static_cast<std::size_t>(question)];
      q.references.push_back(Trim(r[static_cast<std::size_t>(desired)]));
      q.max_score = 5;
      d.questions.emplace(q.id, std::move(q));
    }
    d.answers.push_back(std::move(a));
  }
  return d;
}

Result<Dataset> ReadSaf(const std::string& path) {
  Dataset d;
  d.name = "saf";
  d.kind = ScaleKind::kContinuous;
  d.label_names = {"Incorrect", "Partially correct", "Correct"};
  RETURN_IF_ERROR(ForEachQuestionXml(
      path, d, [&](const fs::path& file, const pugi::xml_node& qn, Question& q) -> Status {
        q.max_score = 1;
        for (auto s : qn.child("studentAnswers").children("studentAnswer")) {
          Answer a;
          a.id = s.attribute("id").as_string();
          a.question_id = q.id;
          a.text = Trim(s.child_value("response"));
          a.label = Trim(s.child_value("verification_feedback"));
          ASSIGN_OR_RETURN(a.score, ParseNumber(Trim(s.child_value("score")),
                                                file.filename().string() + " answer " + a.id));
          d.answers.push_back(std::move(a));
        }
        return OkStatus();
      }));
  return d;
}

Result<Dataset> ReadDataset(const std::string& name, const std::string& path) {
  if (name == "asap-sas") return ReadAsapSas(path);
  if (name == "semeval") return ReadSemEval(path);
  if (name == "mohler") return ReadMohler(path);
  if (name == "saf") return ReadSaf(path);
  return InvalidArgumentError("unknown dataset '" + name + "': asap-sas, semeval, mohler or saf",
                              {"dataset"});
}

}  // namespace ag::eval
