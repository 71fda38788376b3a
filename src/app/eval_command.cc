// `autograder eval`: agreement of a grader (the local one, or the LLM grader) with human graders
// on a dataset.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "app/commands.h"
#include "app/wiring.h"
#include "app/wordnet.h"
#include "core/json.h"
#include "eval/port_question_grader.h"
#include "eval/runner.h"
#include "rag/local_embedder.h"

namespace ag {
namespace {

std::string Fixed(double v, int digits = 3) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

double Round3(double v) { return std::round(v * 1000) / 1000; }

void PrintAgreement(const eval::Dataset& d, const eval::Agreement& a) {
  std::printf("%-24s %6s %8s %8s %8s  %s\n", "question", "n", "qwk", "r", "acc", "method");
  for (const auto& q : a.per_question) {
    std::printf("%-24s %6d %8s %8s %8s  %s\n", q.id.c_str(), q.n,
                d.kind == eval::ScaleKind::kOrdinal ? Fixed(q.qwk).c_str() : "-",
                d.kind == eval::ScaleKind::kCategorical ? "-" : Fixed(q.pearson_r).c_str(),
                Fixed(q.accuracy).c_str(), q.method.c_str());
  }
  std::printf("\nanswers graded: %d\n", a.n_test);
  if (a.qwk_fisher_mean)
    std::printf("QWK, Fisher-z mean over questions: %s\n", Fixed(*a.qwk_fisher_mean).c_str());
  if (a.pearson_r)
    std::printf("Pearson r: %s   RMSE: %s\n", Fixed(*a.pearson_r).c_str(), Fixed(*a.rmse).c_str());
  if (a.accuracy) {
    std::printf("accuracy: %s   macro-F1: %s   weighted-F1: %s\n", Fixed(*a.accuracy).c_str(),
                Fixed(*a.macro_f1).c_str(), Fixed(*a.weighted_f1).c_str());
  }
  std::printf("time: %.1f s training, %.1f s grading (%.3f ms an answer)\n", a.seconds_train,
              a.seconds_grade, a.n_test ? a.seconds_grade * 1000 / a.n_test : 0.0);
}

Json ToJson(const eval::Dataset& d, const eval::Agreement& a, const std::string& grader,
            const EvalFlags& flags) {
  Json j = {{"dataset", d.name}, {"grader", grader}, {"n_test", a.n_test}};
  if (grader == "local") {
    j["word_vectors"] = !flags.no_word_vectors;
    j["antonyms"] = !flags.no_antonyms;
    j["peers"] = !flags.no_peers;
    j["test_peers"] = !flags.no_peers && !flags.no_test_peers;
    j["cross_question_all"] = flags.cross_question_all;
  }
  j["examples"] = a.examples < 0 ? Json("all") : Json(a.examples);
  if (a.qwk_fisher_mean) j["qwk_fisher_mean"] = Round3(*a.qwk_fisher_mean);
  if (a.pearson_r) j["pearson_r"] = Round3(*a.pearson_r);
  if (a.rmse) j["rmse"] = Round3(*a.rmse);
  if (a.accuracy) j["accuracy"] = Round3(*a.accuracy);
  if (a.macro_f1) j["macro_f1"] = Round3(*a.macro_f1);
  if (a.weighted_f1) j["weighted_f1"] = Round3(*a.weighted_f1);
  Json per = Json::object();
  for (const auto& q : a.per_question) {
    Json e = {{"n", q.n}};
    if (d.kind == eval::ScaleKind::kOrdinal) e["qwk"] = Round3(q.qwk);
    if (d.kind != eval::ScaleKind::kCategorical) e["pearson_r"] = Round3(q.pearson_r);
    e["accuracy"] = Round3(q.accuracy);
    per[q.id] = e;
  }
  j["per_question"] = per;
  return j;
}

}  // namespace

int RunEval(const CommonFlags& common, const EvalFlags& flags) {
  // --grader llm: the LLM grader of the configuration (LLM_PROVIDER and its settings).
  const bool llm = flags.grader == "llm";
  SystemClock clock;
  SeededRandom random(flags.seed);
  std::optional<Logger> log;
  std::unique_ptr<Services> llm_services;
  std::optional<eval::PortQuestionGrader> llm_grader;
  if (llm) {
    auto config = LoadConfigOrReport(common);
    if (!config) return 2;
    log.emplace(clock, std::max(config->log_level, LogLevel::kWarn));
    auto built = BuildLlmGraderOnly(*config, clock, *log, random);
    if (!built.ok()) {
      std::fprintf(stderr, "autograder eval: --grader llm: %s\n", built.status().message().c_str());
      return 2;
    }
    llm_services = std::move(built).value();
    eval::PortQuestionGraderOptions o;
    o.examples_shown = flags.no_retrieval ? 0 : flags.examples_shown;
    o.max_in_flight = config->llm_max_in_flight;
    llm_grader.emplace(llm_services->grader(), o);
  }
  auto train = eval::ReadDataset(flags.dataset, flags.train);
  if (!train.ok()) {
    std::fprintf(stderr, "autograder eval: --train: %s\n", train.status().message().c_str());
    return 2;
  }
  eval::Dataset train_set, test_set;
  if (flags.test) {
    auto test = eval::ReadDataset(flags.dataset, *flags.test);
    if (!test.ok()) {
      std::fprintf(stderr, "autograder eval: --test: %s\n", test.status().message().c_str());
      return 2;
    }
    train_set = std::move(train).value();
    test_set = std::move(test).value();
  } else {
    auto split = flags.split_by == "questions"
                     ? eval::SplitDatasetByQuestion(*train, flags.split, flags.seed)
                     : eval::SplitDataset(*train, flags.split, flags.seed);
    train_set = std::move(split.train);
    test_set = std::move(split.test);
  }
  std::printf(
      "dataset %s: %zu training answers over %zu questions, %zu test answers over %zu "
      "questions%s\n\n",
      flags.dataset.c_str(), train_set.answers.size(), train_set.questions.size(),
      test_set.answers.size(), test_set.questions.size(),
      flags.test ? ""
                 : (" (split " + Fixed(flags.split, 2) + " by " + flags.split_by + ", seed " +
                    std::to_string(flags.seed) + ")")
                       .c_str());

  eval::EvalOptions options;
  // Word vectors give the scorer meaning beyond shared words; --no-word-vectors measures
  // what they add.
  std::unique_ptr<LocalEmbedder> embedder;
  std::unique_ptr<WordVectors> word_vectors;
  if (!flags.no_word_vectors && !llm) {
    LocalEmbedderOptions eo;
    eo.path = flags.word_vectors;
    auto opened = LocalEmbedder::Open(eo);
    auto vectors = WordVectors::Open(flags.word_vectors);
    if (!opened.ok() || !vectors.ok()) {
      std::fprintf(stderr, "autograder eval: %s\n",
                   (!opened.ok() ? opened.status() : vectors.status()).message().c_str());
      return 2;
    }
    embedder = std::move(opened).value();
    word_vectors = std::move(vectors).value();
    options.scorer.embedder = embedder.get();
    options.scorer.word_vectors = word_vectors.get();
  }
  std::optional<scoring::Antonyms> antonyms;
  if (!flags.no_antonyms && !llm) {
    auto loaded = LoadWordNetAntonyms(flags.wordnet);
    if (!loaded.ok()) {
      std::fprintf(stderr, "autograder eval: --wordnet: %s\n", loaded.status().message().c_str());
      return 2;
    }
    antonyms.emplace(std::move(loaded).value());
    options.scorer.antonyms = &*antonyms;
  }
  options.seed = flags.seed;
  options.peers = !flags.no_peers;
  options.test_peers = !flags.no_test_peers;
  options.cross_question_all = flags.cross_question_all;
  options.scorer.ordinal_expectation = !flags.argmax;

  // The learning curve: the same evaluation with 0, 10, 50, 200 and all graded examples per
  // question, unless one number was asked for.
  std::vector<std::optional<int>> curve;
  if (flags.examples) {
    curve.push_back(*flags.examples < 0 ? std::nullopt : std::optional<int>(*flags.examples));
  } else if (flags.no_curve || llm) {  // each point of an LLM's curve costs a full run of calls
    curve.push_back(std::nullopt);
  } else {
    curve = {0, 10, 50, 200, std::nullopt};
  }
  Json learning = Json::object();
  Json headline;
  for (const auto& n : curve) {
    options.examples = n;
    auto agreement =
        eval::Evaluate(train_set, test_set, options, llm_grader ? &*llm_grader : nullptr);
    if (!agreement.ok()) {
      std::fprintf(stderr, "autograder eval: %s\n", agreement.status().message().c_str());
      return 1;
    }
    const std::string label = n ? std::to_string(*n) : "all";
    learning[label] = Round3(eval::Headline(test_set, *agreement));
    if (!n || curve.size() == 1) {
      std::printf("== graded examples per question: %s\n", label.c_str());
      PrintAgreement(test_set, *agreement);
      std::printf("\n");
      headline = ToJson(test_set, *agreement, flags.grader, flags);
      if (llm_grader) {
        std::printf("LLM: %lld prompt and %lld completion tokens; %d answers not graded%s%s\n\n",
                    llm_grader->input_tokens(), llm_grader->output_tokens(), llm_grader->failures(),
                    llm_grader->failures() ? " (scored as the minimum): " : "",
                    llm_grader->last_failure().c_str());
        headline["retrieval"] = !flags.no_retrieval && flags.examples_shown > 0;
        headline["examples_shown"] = flags.no_retrieval ? 0 : flags.examples_shown;
        headline["failed"] = llm_grader->failures();
      }
    } else {
      std::printf("== graded examples per question: %s -> %s %s\n\n", label.c_str(),
                  test_set.kind == eval::ScaleKind::kOrdinal       ? "QWK mean"
                  : test_set.kind == eval::ScaleKind::kCategorical ? "weighted F1"
                                                                   : "Pearson r",
                  Fixed(eval::Headline(test_set, *agreement)).c_str());
    }
    std::fflush(stdout);
  }
  if (curve.size() > 1) {
    std::printf("learning curve (%s by graded examples per question):\n",
                test_set.kind == eval::ScaleKind::kOrdinal       ? "QWK mean"
                : test_set.kind == eval::ScaleKind::kCategorical ? "weighted F1"
                                                                 : "Pearson r");
    for (const auto& [k, v] : learning.items())
      std::printf("  %-5s %s\n", k.c_str(), Fixed(v.get<double>()).c_str());
    headline["learning_curve"] = learning;
  }
  std::cout << DumpJson(headline) << std::endl;
  return 0;
}

}  // namespace ag
