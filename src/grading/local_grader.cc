#include "grading/local_grader.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "core/sha256.h"
#include "core/text.h"
#include "scoring/tokens.h"

namespace ag {
namespace {

std::string FormatPoints(double v) {
  std::ostringstream s;
  s << RoundPoints(v);
  return s.str();
}

// Levels when the rubric gives them; whole points up to 10 when the maximum is whole; else a
// continuous scale.
scoring::ScoreScale ScaleFor(const Criterion& c) {
  scoring::ScoreScale s;
  s.min = 0;
  s.max = c.max_points;
  if (!c.levels.empty()) {
    std::set<double> levels = {0};
    for (const auto& l : c.levels) levels.insert(std::clamp(l.points, 0.0, c.max_points));
    s.levels.assign(levels.begin(), levels.end());
  } else if (c.max_points <= 10 && std::floor(c.max_points) == c.max_points) {
    for (int p = 0; p <= static_cast<int>(c.max_points); ++p) s.levels.push_back(p);
  }
  return s;
}

scoring::QuestionContext ContextFor(std::string_view question, std::string_view reference_answer,
                                    const Criterion& c) {
  scoring::QuestionContext ctx;
  ctx.question = std::string(question);
  // The whole reference answer, and each of its lines when it lists several points: an answer
  // covering one listed point should match that point well.
  const std::string reference(reference_answer);
  if (!reference.empty()) ctx.references.push_back(reference);
  std::istringstream lines(reference);
  std::vector<std::string> parts;
  for (std::string line; std::getline(lines, line);) {
    if (line.find_first_not_of(" \t\r-*") != std::string::npos) parts.push_back(line);
  }
  if (parts.size() > 1) ctx.references.insert(ctx.references.end(), parts.begin(), parts.end());
  ctx.rubric = c.description;
  for (const auto& l : c.levels) ctx.rubric += "\n" + l.description;
  if (ctx.references.empty()) ctx.references.push_back(ctx.rubric);
  return ctx;
}

// The graded answers' normalized points for one criterion: its own points when the grader of
// record gave them, otherwise the total's share of the maximum.
std::vector<scoring::GradedExample> ExamplesFor(const std::vector<GradedAnswer>& answers,
                                                const Criterion& c, double max_score) {
  std::vector<scoring::GradedExample> out;
  for (const auto& a : answers) {
    if (auto it = a.points.find(c.key); it != a.points.end() && c.max_points > 0) {
      out.push_back({a.answer_text, std::clamp(it->second / c.max_points, 0.0, 1.0)});
    } else if (a.score && max_score > 0) {
      out.push_back({a.answer_text, std::clamp(*a.score / max_score, 0.0, 1.0)});
    }
  }
  return out;
}

std::string Explain(const scoring::Prediction& p, const scoring::AnswerScorer& scorer,
                    const Criterion& c, std::string_view answer, double max_points) {
  std::string out = FormatPoints(p.score) + " of " + FormatPoints(max_points) + ": ";
  const auto& profile = scorer.profile();
  if (p.method == "question-model" && !p.nearest.empty()) {
    const auto& near = profile.examples()[static_cast<std::size_t>(p.nearest.front().example)];
    out += "scored like the graded answers it is closest to (the closest earned " +
           FormatPoints(near.normalized * c.max_points) + ", similarity " +
           FormatPoints(p.nearest.front().similarity) + ")";
  } else if (p.method == "cross-question-model") {
    out +=
        "scored from its agreement with the reference answer, as graders scored other "
        "questions";
  } else {
    out += "scored by how much of the reference answer it covers";
  }
  if (!p.references.empty()) {
    const int best = p.references.front().reference;
    out += "; covers " +
           std::to_string(static_cast<int>(std::lround(p.references.front().recall * 100))) +
           "% of the reference";
    // Reference words the answer lacks, as the reference spells them.
    std::set<std::string> have;
    for (const auto& t : scoring::ContentTokens(answer)) have.insert(t.stem);
    std::vector<std::string> missing;
    std::set<std::string> seen;
    for (const auto& t :
         scoring::ContentTokens(profile.context().references[static_cast<std::size_t>(best)])) {
      if (!have.count(t.stem) && seen.insert(t.stem).second) missing.push_back(t.word);
    }
    if (!missing.empty() && p.score < max_points)
      out += "; not mentioned: " + JoinWords(missing, 6);
  }
  if (p.contradiction) {  // worth a reviewer's look whatever the points
    out += "; it says \"" + p.contradiction->first + "\" where the reference says \"" +
           p.contradiction->second + "\"";
  }
  return out + ".";
}

}  // namespace

int PeerPoolSize(std::int64_t submissions) {
  if (submissions < 8) return 0;
  std::int64_t size = 8;
  while (size * 2 <= submissions) size *= 2;
  return static_cast<int>(std::min<std::int64_t>(size, scoring::kMaxPeers));
}

LocalGrader::LocalGrader(Store& store, Embedder* embedder, const WordVectors* word_vectors,
                         LocalGraderOptions options)
    : store_(store), options_(std::move(options)), cache_(options_.cached_assignments) {
  options_.scorer.embedder = embedder;
  options_.scorer.word_vectors = word_vectors;
}

Result<std::shared_ptr<const LocalGrader::CrossQuestion>> LocalGrader::CrossQuestionModel() {
  ASSIGN_OR_RETURN(GradedAnswersVersion version, store_.GetAllGradedAnswersVersion());
  {
    std::lock_guard lock(mu_);
    if (cross_question_ && cross_question_->version == version) return cross_question_;
  }
  auto cross = std::make_shared<CrossQuestion>();
  cross->version = version;
  if (static_cast<std::size_t>(version.count) >= options_.min_cross_question_answers) {
    ASSIGN_OR_RETURN(std::vector<AssignmentId> graded, store_.ListGradedAssignments());
    if (graded.size() > options_.cross_question_assignments) {
      graded.erase(graded.begin(),
                   graded.end() - static_cast<std::ptrdiff_t>(options_.cross_question_assignments));
    }
    // Each criterion of each assignment is one "question" with its graded answers.
    std::vector<scoring::GenericScorer::Question> questions;
    for (AssignmentId id : graded) {
      auto assignment = store_.GetAssignment(id);
      if (!assignment.ok()) continue;  // deleted meanwhile
      ASSIGN_OR_RETURN(std::vector<GradedAnswer> answers, store_.ListGradedAnswers(id));
      if (answers.size() > options_.cross_question_answers_each) {
        answers.erase(answers.begin(), answers.end() - static_cast<std::ptrdiff_t>(
                                                           options_.cross_question_answers_each));
      }
      for (const Criterion& c : assignment->rubric.criteria()) {
        scoring::GenericScorer::Question q;
        q.context = ContextFor(assignment->question, assignment->reference_answer, c);
        // Its graded answers are the peers here: the model reads standings among answers, and
        // a sample of them stands in for all the assignment's submissions.
        for (const auto& a : answers) q.context.peers.push_back(a.answer_text);
        q.examples = ExamplesFor(answers, c, assignment->rubric.max_score());
        if (!q.examples.empty()) questions.push_back(std::move(q));
      }
    }
    auto trained = scoring::GenericScorer::Train(questions, /*categorical=*/false, options_.scorer);
    if (trained.ok()) {
      cross->scorer = std::make_shared<const scoring::GenericScorer>(std::move(trained).value());
    }
  }
  std::lock_guard lock(mu_);
  cross_question_ = cross;
  return std::shared_ptr<const CrossQuestion>(cross);
}

Result<std::shared_ptr<const LocalGrader::Models>> LocalGrader::Train(
    const GradingRequest& request, GradedAnswersVersion version, int peers,
    std::shared_ptr<const CrossQuestion> cross) {
  std::vector<GradedAnswer> answers;
  std::vector<std::string> peer_texts;
  if (request.assignment.valid()) {
    ASSIGN_OR_RETURN(answers, store_.ListGradedAnswers(request.assignment));
    if (peers > 0) {
      ASSIGN_OR_RETURN(peer_texts, store_.ListFirstAnswerTexts(request.assignment, peers));
    }
  }
  auto models = std::make_shared<Models>();
  models->rubric_version = request.rubric_version;
  models->version = version;
  models->examples = static_cast<int>(answers.size());
  models->peers = static_cast<int>(peer_texts.size());
  models->cross_question = cross;
  for (const Criterion& c : request.rubric.criteria()) {
    scoring::QuestionContext context = ContextFor(request.question, request.reference_answer, c);
    context.peers = peer_texts;
    ASSIGN_OR_RETURN(
        scoring::AnswerScorer scorer,
        scoring::AnswerScorer::Build(
            std::move(context), ExamplesFor(answers, c, request.rubric.max_score()), ScaleFor(c),
            cross && cross->scorer ? cross->scorer.get() : nullptr, options_.scorer));
    models->by_criterion.emplace(c.key, std::make_unique<scoring::AnswerScorer>(std::move(scorer)));
  }
  return std::shared_ptr<const Models>(std::move(models));
}

Result<std::shared_ptr<const LocalGrader::Models>> LocalGrader::ModelsFor(
    const GradingRequest& request) {
  GradedAnswersVersion version;
  int peers = 0;
  ASSIGN_OR_RETURN(auto cross, CrossQuestionModel());
  if (request.assignment.valid()) {
    ASSIGN_OR_RETURN(version, store_.GetGradedAnswersVersion(request.assignment));
    ASSIGN_OR_RETURN(std::int64_t submissions, store_.CountSubmissions(request.assignment));
    peers = PeerPoolSize(submissions);
    std::lock_guard lock(mu_);
    const auto* cached = cache_.Find(request.assignment.value());
    if (cached && (*cached)->rubric_version == request.rubric_version &&
        (*cached)->version == version && (*cached)->peers == peers &&
        (*cached)->cross_question == cross) {
      return *cached;
    }
  }
  // Trained outside the lock: two workers may both train after a change; the result is the same.
  ASSIGN_OR_RETURN(auto models, Train(request, version, peers, cross));
  if (request.assignment.valid()) {
    std::lock_guard lock(mu_);
    cache_.Put(request.assignment.value(), models);
  }
  return models;
}

Result<GraderOutput> LocalGrader::Grade(const GradingRequest& request, std::stop_token stop) {
  if (stop.stop_requested()) return CancelledError("grading cancelled");
  ASSIGN_OR_RETURN(auto models, ModelsFor(request));
  // Citations: the retrieved material's sentences that best support each criterion.
  GraderOutput out;
  out.proposal.citations = citations_.Citations(request);
  out.grader = "local";
  // v2: the contradiction feature, and no example prior in the per-question model.
  // v3: ordinal cut points tuned on repeated cross-validation when examples are few.
  // v4: the answer's standing among the assignment's other answers (scoring/peer_pool.h).
  // v5: without a pool of peers yet, the cross-question model trained without their features.
  // v6: its neighbour features learnt from groups of at most 19 graded answers a question.
  out.model = "local-scorer-v6";
  out.parameters = {{"graded_examples", models->examples},
                    {"peer_answers", models->peers},
                    {"word_vectors", options_.scorer.word_vectors != nullptr}};

  double confidence = 1.0;
  std::string strongest, weakest;
  double best_ratio = -1, worst_ratio = 2;
  std::set<std::string> methods;
  for (const Criterion& c : request.rubric.criteria()) {
    const auto& scorer = *models->by_criterion.at(c.key);
    const scoring::Prediction p = scorer.Score(request.answer);
    methods.insert(p.method);
    confidence = std::min(confidence, p.confidence);
    out.proposal.breakdown.push_back(
        {c.key, ProposedCriterion{p.score, Explain(p, scorer, c, request.answer, c.max_points)}});
    const double ratio = c.max_points > 0 ? p.score / c.max_points : 0;
    if (ratio > best_ratio) best_ratio = ratio, strongest = c.key;
    if (ratio < worst_ratio) worst_ratio = ratio, weakest = c.key;
  }
  std::string feedback;
  if (!strongest.empty()) feedback = "Strongest: " + strongest + ". ";
  if (!weakest.empty() && weakest != strongest && worst_ratio < 1) {
    feedback += "Needs the most work: " + weakest + ". ";
  }
  feedback += models->examples > 0
                  ? "Scored by the local grader against " + std::to_string(models->examples) +
                        " graded answers and the reference; review before release."
                  : "Scored by the local grader against the reference answer (no graded answers "
                    "yet); review before release.";
  out.proposal.feedback = feedback;
  out.parameters["methods"] = std::vector<std::string>(methods.begin(), methods.end());
  out.confidence = confidence;
  out.prompt_hash = Sha256Hex(
      std::string(request.answer) + "\x1f" + std::string(request.reference_answer) + "\x1f" +
      std::string(request.question) + "\x1f" + std::to_string(request.rubric_version) + "\x1f" +
      std::to_string(models->version.count) + "." + std::to_string(models->version.last_id) +
      "\x1f" + std::to_string(models->peers) + "\x1f" +
      std::to_string(models->cross_question->version.count) + "." +
      std::to_string(models->cross_question->version.last_id));
  return out;
}

}  // namespace ag
