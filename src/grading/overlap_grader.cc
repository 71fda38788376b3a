#include "grading/overlap_grader.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>

#include "core/sha256.h"
#include "core/text.h"

namespace ag {
namespace {

std::set<std::string> WordSet(std::string_view text) {
  auto words = ContentWords(text);
  return {words.begin(), words.end()};
}

std::string FormatPoints(double v) {
  std::ostringstream s;
  s << RoundPoints(v);
  return s.str();
}

struct Evidence {
  ChunkId chunk;
  std::string sentence;
  double overlap = 0;
};

// The sentence of the criterion's chunks that shares the most words with the answer.
std::optional<Evidence> BestSentence(const std::vector<const RetrievedChunk*>& chunks,
                                     const std::set<std::string>& answer_words) {
  std::optional<Evidence> best;
  for (const RetrievedChunk* c : chunks) {
    for (std::string_view sentence : Sentences(c->text)) {
      if (sentence.size() < 12) continue;
      const auto words = WordSet(sentence);
      if (words.empty()) continue;
      double shared = 0;
      for (const auto& w : words) shared += answer_words.count(w);
      const double score = shared / std::sqrt(static_cast<double>(words.size()));
      if (shared > 0 && (!best || score > best->overlap)) {
        best = Evidence{c->id, std::string(Utf8Prefix(sentence, 400)), score};
      }
    }
  }
  return best;
}

void Cite(const std::vector<const RetrievedChunk*>& chunks,
          const std::set<std::string>& answer_words, const Criterion& criterion,
          std::set<std::int64_t>& cited, std::vector<ProposedCitation>& citations) {
  if (auto ev = BestSentence(chunks, answer_words); ev && !cited.count(ev->chunk.value())) {
    cited.insert(ev->chunk.value());
    citations.push_back(
        {ev->chunk.value(), ev->sentence, "supports criterion '" + criterion.key + "'"});
  }
}

}  // namespace

std::vector<const RetrievedChunk*> OverlapGrader::CriterionChunks(
    const GradingRequest& request, const Criterion& criterion) const {
  std::vector<const RetrievedChunk*> chunks;
  if (auto it = request.evidence.by_query.find(criterion.key);
      it != request.evidence.by_query.end()) {
    for (ChunkId id : it->second) {
      if (static_cast<int>(chunks.size()) >= options_.material_chunks) break;
      if (const RetrievedChunk* rc = request.evidence.Find(id)) chunks.push_back(rc);
    }
  }
  return chunks;
}

std::vector<ProposedCitation> OverlapGrader::Citations(const GradingRequest& request) const {
  const std::set<std::string> answer_words = WordSet(request.answer);
  std::set<std::int64_t> cited;
  std::vector<ProposedCitation> citations;
  for (const Criterion& c : request.rubric.criteria()) {
    Cite(CriterionChunks(request, c), answer_words, c, cited, citations);
  }
  return citations;
}

Result<GraderOutput> OverlapGrader::Grade(const GradingRequest& request, std::stop_token stop) {
  if (stop.stop_requested()) return CancelledError("grading cancelled");
  const std::set<std::string> answer_words = WordSet(request.answer);
  const std::set<std::string> reference_words = WordSet(request.reference_answer);

  GraderOutput out;
  out.grader = "local-overlap";
  out.model = "word-overlap-v1";
  out.parameters = {{"full_marks_coverage", options_.full_marks_coverage},
                    {"material_weight", options_.material_weight},
                    {"material_chunks", options_.material_chunks}};

  std::set<std::int64_t> cited;
  struct Summary {
    std::string key;
    double ratio;
  };
  std::vector<Summary> summaries;
  for (const Criterion& c : request.rubric.criteria()) {
    std::map<std::string, double> weights;
    auto add = [&](const std::set<std::string>& words, double w) {
      for (const auto& word : words) weights[word] = std::max(weights[word], w);
    };
    std::string criterion_text = c.description;
    for (const auto& l : c.levels) criterion_text += "\n" + l.description;
    add(WordSet(criterion_text), options_.criterion_weight);
    add(reference_words, options_.reference_weight);

    const std::vector<const RetrievedChunk*> chunks = CriterionChunks(request, c);
    std::unordered_map<std::string, int> material_freq;
    for (const RetrievedChunk* rc : chunks) {
      for (auto& w : ContentWords(rc->text)) ++material_freq[w];
    }
    std::vector<std::pair<int, std::string>> frequent;
    for (auto& [w, n] : material_freq) frequent.emplace_back(n, w);
    std::sort(frequent.begin(), frequent.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    if (frequent.size() > static_cast<std::size_t>(options_.material_words)) {
      frequent.resize(static_cast<std::size_t>(options_.material_words));
    }
    std::set<std::string> material_words;
    for (auto& [n, w] : frequent) material_words.insert(w);
    add(material_words, options_.material_weight);

    double total = 0, covered = 0;
    std::vector<std::pair<double, std::string>> hits, misses;
    for (const auto& [word, w] : weights) {
      total += w;
      if (answer_words.count(word)) {
        covered += w;
        hits.emplace_back(w, word);
      } else {
        misses.emplace_back(w, word);
      }
    }
    const double coverage = total > 0 ? covered / total : 0;
    const double ratio = std::min(1.0, coverage / options_.full_marks_coverage);
    const double points = c.max_points * ratio;
    auto by_weight = [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    };
    std::sort(hits.begin(), hits.end(), by_weight);
    std::sort(misses.begin(), misses.end(), by_weight);
    std::vector<std::string> hit_words, miss_words;
    for (auto& [w, word] : hits) hit_words.push_back(word);
    for (auto& [w, word] : misses) miss_words.push_back(word);

    std::string comment = FormatPoints(points) + " of " + FormatPoints(c.max_points) + ": ";
    if (hit_words.empty()) {
      comment += "the answer does not address this criterion's key terms";
    } else {
      comment += "addresses " + JoinWords(hit_words, 6);
    }
    if (!miss_words.empty() && ratio < 1.0) comment += "; not covered: " + JoinWords(miss_words, 6);
    comment += ".";
    out.proposal.breakdown.push_back({c.key, ProposedCriterion{points, comment}});
    summaries.push_back({c.key, ratio});

    Cite(chunks, answer_words, c, cited, out.proposal.citations);
  }

  std::sort(summaries.begin(), summaries.end(),
            [](const Summary& a, const Summary& b) { return a.ratio > b.ratio; });
  std::string feedback;
  if (!summaries.empty()) {
    feedback = "Strongest: " + summaries.front().key + ". ";
    if (summaries.size() > 1 && summaries.back().ratio < 1.0) {
      feedback += "Needs the most work: " + summaries.back().key + ". ";
    }
  }
  feedback +=
      "Scored by word coverage of the rubric, the reference answer and the course "
      "material; review before release.";
  out.proposal.feedback = feedback;

  const bool has_material = !request.evidence.chunks.empty();
  const bool has_reference = !reference_words.empty();
  out.confidence = has_material || has_reference ? 0.5 : 0.3;
  out.prompt_hash =
      Sha256Hex(std::string(request.answer) + "\x1f" + std::string(request.reference_answer) +
                "\x1f" + std::string(request.question));
  return out;
}

}  // namespace ag
