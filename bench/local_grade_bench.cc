// The local grading path in process: retrieval over a 10,000-chunk corpus (BM25 + vectors,
// fused), then the local grader on three rubric criteria, with and without graded answers to
// learn from. Google Benchmark; recorded in docs/benchmarks.md.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <memory>
#include <random>

#include "app/wordnet.h"
#include "grading/local_grader.h"
#include "rag/hybrid_retriever.h"
#include "rag/local_embedder.h"
#include "store/sqlite_db.h"
#include "store/sqlite_store.h"
#include "vector/hnsw_vector_index.h"

namespace ag {
namespace {

constexpr int kChunks = 10000;

const char* kRubric = R"({
  "causes": {"description": "Names the causes of climate change", "max_points": 4},
  "effects": {"description": "Describes the effects on oceans and ice", "max_points": 4},
  "policy": {"description": "Proposes a policy and says why it works", "max_points": 2}})";

const char* kAnswer =
    "Burning fossil fuels releases carbon dioxide that traps heat, so the planet warms. As a "
    "result glaciers melt and sea levels rise, which floods coasts. A carbon tax would make "
    "polluting expensive and push companies towards renewable energy.";

// Sentences drawn from a fixed vocabulary, so every run indexes the same corpus.
std::string Paragraph(std::mt19937& rng) {
  static const std::vector<std::string> words = {
      "carbon",  "dioxide",  "ocean",      "ice",     "glacier",     "warming",   "energy",
      "policy",  "tax",      "renewable",  "solar",   "wind",        "coal",      "oil",
      "gas",     "emission", "atmosphere", "heat",    "temperature", "sea",       "level",
      "flood",   "drought",  "forest",     "methane", "agriculture", "transport", "city",
      "climate", "model",    "record",     "century", "average",     "rise",      "the",
      "and",     "of",       "in",         "to",      "a",           "is",        "that",
      "by",      "with",     "for",        "on"};
  std::uniform_int_distribution<std::size_t> pick(0, words.size() - 1);
  std::string out;
  for (int w = 0; w < 120; ++w) {
    out += words[pick(rng)];
    out += (w % 15 == 14) ? ". " : " ";
  }
  return out;
}

struct Corpus {
  Corpus() {
    std::string pattern = "/tmp/ag-grade-bench-XXXXXX";
    dir = mkdtemp(pattern.data());
    db = std::move(SqliteDb::Open({dir + "/a.db"}).value());
    (void)db->Migrate(SqliteMigrations());
    store = std::make_unique<SqliteStore>(*db, SqliteStoreOptions{});
    NewAssignment a{"Climate", "Explain climate change, its effects and a policy.",
                    "Fossil fuels release carbon dioxide.\nOceans warm, ice melts, seas rise.\n"
                    "A carbon tax cuts emissions.",
                    Json::parse(kRubric)};
    assignment = store->CreateAssignment(a, clock.Now())->id;
    rubric = Rubric::FromJson(Json::parse(kRubric)).value();
    std::mt19937 rng(7);
    std::vector<NewChunk> chunks;
    for (int i = 0; i < kChunks; ++i)
      chunks.push_back({i, "Section " + std::to_string(i / 20), Paragraph(rng)});
    (void)store->AddMaterial({assignment, "notes.md", "k", "s", "text/markdown", 1}, chunks,
                             clock.Now());

    embedder = std::move(LocalEmbedder::Open({}).value());
    vectors_file = std::move(WordVectors::Open(std::string(kDefaultWordVectorsPath)).value());
    // The service's configuration: WordNet's antonyms when wordnet-base is installed.
    if (auto a = LoadWordNetAntonyms(std::string(kDefaultWordNetDir)); a.ok()) {
      antonyms = std::make_unique<scoring::Antonyms>(std::move(a).value());
      options.scorer.antonyms = antonyms.get();
    }
    HnswVectorIndexOptions o;
    o.dir = dir + "/vectors";
    o.space = {embedder->model(), embedder->dimension()};
    index = std::move(HnswVectorIndex::Open(o).value());
    retriever = std::make_unique<HybridRetriever>(*store, embedder.get(), index.get());
    (void)Retrieve();  // builds the BM25 index and files the vectors once
  }
  ~Corpus() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  Result<Retrieval> Retrieve() {
    std::vector<RetrievalQuery> q = {{"answer", kAnswer}};
    for (const auto& c : rubric.criteria()) q.push_back({c.key, c.description});
    return retriever->Retrieve(assignment, q, 5);
  }
  void AddGradedAnswers(int n) {
    std::mt19937 rng(11);
    std::vector<NewGradedAnswer> graded;
    for (int i = 0; i < n; ++i) {
      graded.push_back(
          {Paragraph(rng).substr(0, 300), static_cast<double>(i % 11), {}, "import", std::nullopt});
    }
    (void)store->AddGradedAnswers(assignment, graded, clock.Now());
  }
  void AddSubmissions(int n) {
    std::mt19937 rng(12);
    for (int i = 0; i < n; ++i) {
      NewSubmission s{assignment, {}, "answer.txt", "key", "sha", Paragraph(rng).substr(0, 300)};
      (void)store->CreateSubmission(s, clock.Now());
    }
  }

  ManualClock clock;
  std::string dir;
  std::unique_ptr<SqliteDb> db;
  std::unique_ptr<SqliteStore> store;
  AssignmentId assignment;
  Rubric rubric = Rubric::FromJson(Json::parse(kRubric)).value();
  std::unique_ptr<LocalEmbedder> embedder;
  std::unique_ptr<WordVectors> vectors_file;
  std::unique_ptr<scoring::Antonyms> antonyms;
  LocalGraderOptions options;
  std::unique_ptr<HnswVectorIndex> index;
  std::unique_ptr<HybridRetriever> retriever;
};

Corpus& Shared() {
  static Corpus corpus;
  return corpus;
}

void BM_Retrieve10kChunks(benchmark::State& state) {
  Corpus& c = Shared();
  for (auto _ : state) benchmark::DoNotOptimize(c.Retrieve());
}
BENCHMARK(BM_Retrieve10kChunks)->Unit(benchmark::kMicrosecond);

// The grader alone, on the retrieval result; range(0) graded answers to learn from, range(1)
// submissions it ranks an answer among (the model is trained on the first call and cached, as
// in the service). Run in order: each stage adds to the shared corpus.
void BM_LocalGrade(benchmark::State& state) {
  Corpus& c = Shared();
  static bool graded = false, submitted = false;
  if (state.range(0) > 0 && !graded) {
    c.AddGradedAnswers(static_cast<int>(state.range(0)));
    graded = true;
  }
  if (state.range(1) > 0 && !submitted) {
    c.AddSubmissions(static_cast<int>(state.range(1)));
    submitted = true;
  }
  LocalGrader grader(*c.store, c.embedder.get(), c.vectors_file.get(), c.options);
  const Retrieval evidence = c.Retrieve().value();
  Assignment a = c.store->GetAssignment(c.assignment).value();
  GradingRequest r{a.question, a.reference_answer, c.rubric, kAnswer, evidence, c.assignment, 1};
  (void)grader.Grade(r, std::stop_token());  // trains and caches
  for (auto _ : state) benchmark::DoNotOptimize(grader.Grade(r, std::stop_token()));
}
BENCHMARK(BM_LocalGrade)
    ->Args({0, 0})
    ->Args({200, 0})
    ->Args({200, 1024})
    ->Unit(benchmark::kMicrosecond);

void BM_RetrieveAndGrade(benchmark::State& state) {
  Corpus& c = Shared();
  LocalGrader grader(*c.store, c.embedder.get(), c.vectors_file.get(), c.options);
  Assignment a = c.store->GetAssignment(c.assignment).value();
  {
    const Retrieval evidence = c.Retrieve().value();
    GradingRequest r{a.question, a.reference_answer, c.rubric, kAnswer, evidence, c.assignment, 1};
    (void)grader.Grade(r, std::stop_token());  // trains and caches
  }
  for (auto _ : state) {
    const Retrieval evidence = c.Retrieve().value();
    GradingRequest r{a.question, a.reference_answer, c.rubric, kAnswer, evidence, c.assignment, 1};
    benchmark::DoNotOptimize(grader.Grade(r, std::stop_token()));
  }
}
BENCHMARK(BM_RetrieveAndGrade)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace ag

BENCHMARK_MAIN();
