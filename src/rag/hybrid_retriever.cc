#include "rag/hybrid_retriever.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "core/text.h"

namespace ag {
namespace {

constexpr std::size_t kEmbedBatch = 256;

bool IsZero(const std::vector<float>& v) {
  return std::all_of(v.begin(), v.end(), [](float x) { return x == 0.0f; });
}

}  // namespace

HybridRetriever::HybridRetriever(Store& store, Embedder* embedder, VectorIndex* index,
                                 HybridRetrieverOptions options)
    : store_(store),
      embedder_(embedder && index ? embedder : nullptr),
      index_(embedder && index ? index : nullptr),
      options_(options),
      cache_(options_.cached_assignments) {}

Result<std::shared_ptr<const HybridRetriever::Corpus>> HybridRetriever::Build(
    AssignmentId assignment, ChunksVersion version) {
  auto c = std::make_shared<Corpus>();
  c->version = version;
  ASSIGN_OR_RETURN(c->chunks, store_.ListChunks(assignment));
  c->length.resize(c->chunks.size());
  double total = 0;
  for (std::size_t i = 0; i < c->chunks.size(); ++i) {
    std::unordered_map<std::string, int> tf;
    for (auto& w : ContentWords(c->chunks[i].heading + "\n" + c->chunks[i].text)) ++tf[w];
    for (const auto& [w, n] : tf) {
      c->postings[w].emplace_back(static_cast<std::uint32_t>(i), static_cast<float>(n));
      c->length[i] += static_cast<float>(n);
    }
    total += c->length[i];
  }
  if (!c->chunks.empty())
    c->avg_length = std::max(1.0, total / static_cast<double>(c->chunks.size()));

  if (index_) {
    for (std::size_t start = 0; start < c->chunks.size(); start += kEmbedBatch) {
      const std::size_t end = std::min(c->chunks.size(), start + kEmbedBatch);
      std::vector<std::string> texts;
      for (std::size_t i = start; i < end; ++i) {
        texts.push_back(c->chunks[i].heading + "\n" + c->chunks[i].text);
      }
      ASSIGN_OR_RETURN(auto vectors, embedder_->Embed(texts));
      std::vector<VectorPoint> points;
      for (std::size_t i = start; i < end; ++i) {
        points.push_back(
            {c->chunks[i].id, assignment, c->chunks[i].material_id, std::move(vectors[i - start])});
      }
      RETURN_IF_ERROR(index_->Upsert(points));
    }
  }
  return std::shared_ptr<const Corpus>(std::move(c));
}

Result<std::shared_ptr<const HybridRetriever::Corpus>> HybridRetriever::CorpusFor(
    AssignmentId assignment) {
  ASSIGN_OR_RETURN(ChunksVersion version, store_.GetChunksVersion(assignment));
  {
    std::lock_guard lock(mu_);
    const auto* cached = cache_.Find(assignment.value());
    if (cached && (*cached)->version == version) return *cached;
  }
  // Built outside the lock; two workers may both build after a change, with the same result.
  ASSIGN_OR_RETURN(auto corpus, Build(assignment, version));
  std::lock_guard lock(mu_);
  cache_.Put(assignment.value(), corpus);
  return corpus;
}

std::vector<std::pair<double, std::uint32_t>> HybridRetriever::Lexical(const Corpus& c,
                                                                       const std::string& text,
                                                                       int n) const {
  std::unordered_set<std::string> terms;
  for (auto& w : ContentWords(text)) terms.insert(std::move(w));
  std::unordered_map<std::uint32_t, double> scores;
  const double docs = static_cast<double>(c.chunks.size());
  for (const std::string& t : terms) {
    auto it = c.postings.find(t);
    if (it == c.postings.end()) continue;
    const double df = static_cast<double>(it->second.size());
    const double idf = std::log(1 + (docs - df + 0.5) / (df + 0.5));
    for (const auto& [doc, f] : it->second) {
      scores[doc] +=
          idf * f * (options_.k1 + 1) /
          (f + options_.k1 * (1 - options_.b + options_.b * c.length[doc] / c.avg_length));
    }
  }
  std::vector<std::pair<double, std::uint32_t>> ranked;
  ranked.reserve(scores.size());
  for (const auto& [doc, s] : scores) {
    if (s > 0) ranked.emplace_back(s, doc);
  }
  const std::size_t keep = std::min(ranked.size(), static_cast<std::size_t>(std::max(0, n)));
  std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(keep),
                    ranked.end(), [](const auto& a, const auto& b) {
                      return a.first != b.first ? a.first > b.first : a.second < b.second;
                    });
  ranked.resize(keep);
  return ranked;
}

Result<Retrieval> HybridRetriever::Retrieve(AssignmentId assignment,
                                            const std::vector<RetrievalQuery>& queries, int top_k) {
  Retrieval out;
  for (const auto& q : queries) out.by_query[q.label];
  if (top_k <= 0) return out;
  ASSIGN_OR_RETURN(auto corpus, CorpusFor(assignment));
  const Corpus& c = *corpus;
  if (c.chunks.empty()) return out;
  const int candidates = std::max(top_k, options_.candidates);

  std::vector<std::vector<float>> query_vectors;
  if (index_) {
    std::vector<std::string> texts;
    for (const auto& q : queries) texts.push_back(q.text);
    ASSIGN_OR_RETURN(query_vectors, embedder_->Embed(texts));
  }
  std::unordered_map<std::int64_t, std::uint32_t> by_id;
  if (index_) {
    for (std::size_t i = 0; i < c.chunks.size(); ++i)
      by_id[c.chunks[i].id.value()] = static_cast<std::uint32_t>(i);
  }

  auto by_score = [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  };
  std::unordered_map<std::uint32_t, double> fused;
  for (std::size_t qi = 0; qi < queries.size(); ++qi) {
    std::unordered_map<std::uint32_t, double> per_query;
    const auto lexical = Lexical(c, queries[qi].text, candidates);
    for (std::size_t rank = 0; rank < lexical.size(); ++rank) {
      per_query[lexical[rank].second] += 1.0 / (options_.rrf_k + static_cast<double>(rank) + 1);
    }
    if (index_ && qi < query_vectors.size() && !IsZero(query_vectors[qi])) {
      ASSIGN_OR_RETURN(auto hits, index_->Search(assignment, query_vectors[qi], candidates));
      std::size_t rank = 0;
      for (const auto& h : hits) {
        auto it = by_id.find(h.chunk.value());
        if (h.score <= 0 || it == by_id.end()) continue;  // a chunk the store no longer has
        per_query[it->second] += 1.0 / (options_.rrf_k + static_cast<double>(rank++) + 1);
      }
    }
    std::vector<std::pair<double, std::uint32_t>> ranked;
    for (const auto& [doc, s] : per_query) ranked.emplace_back(s, doc);
    std::sort(ranked.begin(), ranked.end(), by_score);
    if (ranked.size() > static_cast<std::size_t>(top_k))
      ranked.resize(static_cast<std::size_t>(top_k));
    auto& ids = out.by_query[queries[qi].label];
    for (std::size_t rank = 0; rank < ranked.size(); ++rank) {
      ids.push_back(c.chunks[ranked[rank].second].id);
      fused[ranked[rank].second] += 1.0 / (options_.rrf_k + static_cast<double>(rank) + 1);
    }
  }
  std::vector<std::pair<double, std::uint32_t>> order;
  for (const auto& [doc, s] : fused) order.emplace_back(s, doc);
  std::sort(order.begin(), order.end(), by_score);
  for (const auto& [score, doc] : order) {
    const Chunk& ch = c.chunks[doc];
    out.chunks.push_back({ch.id, ch.heading, ch.filename, ch.text, score});
  }
  return out;
}

}  // namespace ag
