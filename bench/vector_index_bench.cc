// The vector index and the local embedder, in process: search latency on 10,000 chunks of
// dimension 100 (scan and HNSW graph, with recall@10 against an exact search as a counter),
// build time, reading a partition back, and embedding throughput. Google Benchmark; figures in
// docs/retrieval.md.
//
//   build/release/vector_index_bench --benchmark_counters_tabular=true
//
// Two kinds of data: random Gaussian vectors (no structure: the hard case for a graph) and
// GloVe word vectors (words of frequency rank 1,000 to 11,000, queries from rarer words), which
// cluster as embedded text does. The GloVe cases and the embedder need the word vectors that
// scripts/setup installs.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>

#include "rag/local_embedder.h"
#include "rag/word_vectors.h"
#include "vector/hnsw_vector_index.h"

namespace ag {
namespace {

constexpr int kDim = 100;
constexpr int kQueries = 200;

std::string TempDir() {
  std::string pattern = "/tmp/ag-vector-bench-XXXXXX";
  return mkdtemp(pattern.data());
}

enum Data { kRandom = 0, kGlove = 1 };

const WordVectors* InstalledVectors() {
  static const auto vectors = [] {
    auto r = WordVectors::Open(std::string(kDefaultWordVectorsPath));
    return r.ok() ? std::move(r).value() : nullptr;
  }();
  return vectors.get();
}

// n points and kQueries queries of the given kind; empty when the word vectors are missing.
struct Dataset {
  std::vector<VectorPoint> points;
  std::vector<std::vector<float>> queries;
};

Dataset MakeData(Data data, int n) {
  Dataset d;
  std::mt19937 rng(42);
  std::normal_distribution<float> normal;
  const WordVectors* wv = data == kGlove ? InstalledVectors() : nullptr;
  if (data == kGlove && wv == nullptr) return d;
  auto make = [&](std::size_t rank) {
    std::vector<float> v(kDim, 0.0f);
    if (wv != nullptr) {
      wv->AddTo(rank, 1.0f, v.data());
    } else {
      for (float& x : v) x = normal(rng);
    }
    return v;
  };
  for (int i = 0; i < n; ++i) {
    d.points.push_back({ChunkId(i + 1), AssignmentId(1), MaterialId(1 + i / 100),
                        make(1000 + static_cast<std::size_t>(i))});
  }
  for (int q = 0; q < kQueries; ++q)
    d.queries.push_back(make(30000 + 7 * static_cast<std::size_t>(q)));
  return d;
}

std::vector<float> Unit(std::vector<float> v) {
  double norm = 0;
  for (float x : v) norm += static_cast<double>(x) * x;
  for (float& x : v) x = static_cast<float>(x / std::sqrt(norm));
  return v;
}

// The true top 10 of each query, by a plain scan in double precision.
std::vector<std::vector<std::int64_t>> ExactTop10(const Dataset& d) {
  std::vector<std::vector<float>> unit;
  for (const auto& p : d.points) unit.push_back(Unit(p.vector));
  std::vector<std::vector<std::int64_t>> truth;
  for (const auto& query : d.queries) {
    const auto q = Unit(query);
    std::vector<std::pair<double, std::int64_t>> scored;
    for (std::size_t i = 0; i < unit.size(); ++i) {
      double dot = 0;
      for (int k = 0; k < kDim; ++k) dot += static_cast<double>(q[k]) * unit[i][k];
      scored.emplace_back(dot, d.points[i].chunk.value());
    }
    std::partial_sort(scored.begin(), scored.begin() + 10, scored.end(), std::greater<>());
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 10; ++i) ids.push_back(scored[static_cast<std::size_t>(i)].second);
    truth.push_back(std::move(ids));
  }
  return truth;
}

std::unique_ptr<HnswVectorIndex> OpenIndex(const std::string& dir, bool graph) {
  HnswVectorIndexOptions options;
  options.dir = dir;
  options.space = {"bench", kDim};
  options.exact_below = graph ? 0 : 1 << 30;  // always a graph, or always a scan
  return std::move(HnswVectorIndex::Open(options).value());
}

// Search latency, k = 10, on n points: args (n, graph?, data kind).
void BM_Search(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const bool graph = state.range(1) != 0;
  const Dataset d = MakeData(static_cast<Data>(state.range(2)), n);
  if (d.points.empty()) {
    state.SkipWithError("word vectors missing: run scripts/setup");
    return;
  }
  const std::string dir = TempDir();
  auto index = OpenIndex(dir, graph);
  if (!index->Upsert(d.points).ok()) state.SkipWithError("upsert failed");
  const auto truth = ExactTop10(d);
  int found = 0;
  for (std::size_t q = 0; q < d.queries.size(); ++q) {
    for (const auto& hit : *index->Search(AssignmentId(1), d.queries[q], 10)) {
      found += std::count(truth[q].begin(), truth[q].end(), hit.chunk.value()) > 0 ? 1 : 0;
    }
  }
  std::size_t q = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(index->Search(AssignmentId(1), d.queries[q], 10));
    q = (q + 1) % d.queries.size();
  }
  state.counters["recall@10"] = static_cast<double>(found) / (10.0 * d.queries.size());
  state.SetItemsProcessed(state.iterations());
  index.reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_Search)
    ->ArgNames({"n", "graph", "glove"})
    ->Args({10000, 0, kRandom})
    ->Args({10000, 1, kRandom})
    ->Args({10000, 0, kGlove})
    ->Args({10000, 1, kGlove})
    ->Args({1000, 0, kGlove})
    ->Args({1000, 1, kGlove})
    ->Unit(benchmark::kMicrosecond);

// Building a partition of n points from nothing, in one upsert (graph built, files written);
// args (n, graph?).
void BM_Build(benchmark::State& state) {
  const Dataset d = MakeData(kRandom, static_cast<int>(state.range(0)));
  for (auto _ : state) {
    state.PauseTiming();
    const std::string dir = TempDir();
    auto index = OpenIndex(dir, state.range(1) != 0);
    state.ResumeTiming();
    if (!index->Upsert(d.points).ok()) state.SkipWithError("upsert failed");
    state.PauseTiming();
    index.reset();
    std::filesystem::remove_all(dir);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Build)
    ->ArgNames({"n", "graph"})
    ->Args({10000, 0})
    ->Args({10000, 1})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);

// Adding a material of 100 chunks to a partition of 10,000 (incremental graph insert and the
// partition's files rewritten): args (graph?).
void BM_UpsertMaterial(benchmark::State& state) {
  const Dataset d = MakeData(kRandom, 10000);
  const std::string dir = TempDir();
  auto index = OpenIndex(dir, state.range(0) != 0);
  if (!index->Upsert(d.points).ok()) state.SkipWithError("upsert failed");
  std::mt19937 rng(9);
  std::normal_distribution<float> normal;
  std::int64_t next = 1000000;
  for (auto _ : state) {
    std::vector<VectorPoint> batch;
    for (int i = 0; i < 100; ++i) {
      std::vector<float> v(kDim);
      for (float& x : v) x = normal(rng);
      const std::int64_t chunk = next++;
      batch.push_back({ChunkId(chunk), AssignmentId(1), MaterialId(chunk / 100), std::move(v)});
    }
    benchmark::DoNotOptimize(index->Upsert(batch));
  }
  index.reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_UpsertMaterial)->ArgNames({"graph"})->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// Opening the index and the first search of a 10,000-point partition (read lazily, with its
// graph): what the first grading job of an assignment pays after a restart.
void BM_ReopenAndFirstSearch(benchmark::State& state) {
  const Dataset d = MakeData(kRandom, 10000);
  const std::string dir = TempDir();
  {
    auto index = OpenIndex(dir, state.range(0) != 0);
    if (!index->Upsert(d.points).ok()) state.SkipWithError("upsert failed");
  }
  for (auto _ : state) {
    auto index = OpenIndex(dir, state.range(0) != 0);
    benchmark::DoNotOptimize(index->Search(AssignmentId(1), d.queries[0], 10));
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_ReopenAndFirstSearch)
    ->ArgNames({"graph"})
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond);

// Embedding throughput of the local embedder on chunk-sized texts (about 120 words).
void BM_Embed(benchmark::State& state) {
  auto embedder = LocalEmbedder::Open({});
  if (!embedder.ok()) {
    state.SkipWithError("word vectors missing: run scripts/setup");
    return;
  }
  const std::string paragraph =
      "Photosynthesis is the process by which green plants and some other organisms use "
      "sunlight to synthesize foods from carbon dioxide and water. It generally involves the "
      "green pigment chlorophyll and produces oxygen as a by-product. The light-dependent "
      "reactions take place in the thylakoid membranes, where the energy of absorbed photons "
      "is stored as ATP and NADPH; the Calvin cycle then fixes carbon in the stroma. A student "
      "who explains why the rate depends on light intensity, temperature and the carbon "
      "dioxide concentration, and who names the limiting factor, shows a good understanding.";
  std::vector<std::string> batch(static_cast<std::size_t>(state.range(0)), paragraph);
  std::int64_t bytes = 0;
  for (const auto& t : batch) bytes += static_cast<std::int64_t>(t.size());
  for (auto _ : state) benchmark::DoNotOptimize((*embedder)->Embed(batch));
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.SetBytesProcessed(state.iterations() * bytes);
}
BENCHMARK(BM_Embed)->ArgNames({"texts"})->Arg(64);

void BM_OpenEmbedder(benchmark::State& state) {
  for (auto _ : state) {
    auto embedder = LocalEmbedder::Open({});
    if (!embedder.ok()) state.SkipWithError("word vectors missing: run scripts/setup");
    benchmark::DoNotOptimize(embedder);
  }
}
BENCHMARK(BM_OpenEmbedder)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ag

BENCHMARK_MAIN();
