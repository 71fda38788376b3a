// Human-graded short-answer datasets for `autograder eval`, read from the formats of the public
// sets: ASAP-SAS (TSV + rubric and key files), SemEval-2013 Task 7 (XML per question), Mohler
// (CSV) and SAF (XML per question).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/status.h"

namespace ag::eval {

enum class ScaleKind { kOrdinal, kContinuous, kCategorical };

struct Question {
  std::string id;
  std::string text;
  std::vector<std::string> references;  // reference answers and key elements
  std::string rubric;                   // level descriptors, when the set has them
  double min_score = 0, max_score = 1;
  std::vector<double> levels;  // allowed scores (ordinal, categorical); empty when continuous
};

struct Answer {
  std::string id;
  std::string question_id;
  std::string text;
  double score = 0;   // human score; for categorical sets the label's code
  std::string label;  // categorical sets (and SAF's verification label)
};

struct Dataset {
  std::string name;  // asap-sas | semeval | mohler | saf
  ScaleKind kind = ScaleKind::kOrdinal;
  std::map<std::string, Question> questions;
  std::vector<Answer> answers;
  std::vector<std::string> label_names;  // categorical: name of each code 0..n-1
};

// `path` is a folder or a file in the dataset's own format. NotFound when it does not exist,
// InvalidArgument (naming the file and line or element) when it does not parse.
Result<Dataset> ReadAsapSas(const std::string& path);
Result<Dataset> ReadSemEval(const std::string& path);
Result<Dataset> ReadMohler(const std::string& path);
Result<Dataset> ReadSaf(const std::string& path);
Result<Dataset> ReadDataset(const std::string& name, const std::string& path);

}  // namespace ag::eval
