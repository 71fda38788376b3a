#include "rag/lexical_retriever.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include "core/text.h"

namespace ag {

Result<Retrieval> LexicalRetriever::Retrieve(AssignmentId assignment,
                                             const std::vector<RetrievalQuery>& queries,
                                             int top_k) {
  ASSIGN_OR_RETURN(std::vector<Chunk> chunks, store_.ListChunks(assignment));
  Retrieval out;
  if (chunks.empty() || top_k <= 0) {
    for (const auto& q : queries) out.by_query[q.label];
    return out;
  }

  // Term frequencies per chunk and document frequencies.
  std::vector<std::unordered_map<std::string, int>> tf(chunks.size());
  std::vector<double> length(chunks.size());
  std::unordered_map<std::string, int> df;
  double total_length = 0;
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    for (auto& w : ContentWords(chunks[i].heading + "\n" + chunks[i].text)) ++tf[i][w];
    for (const auto& [w, n] : tf[i]) {
      ++df[w];
      length[i] += n;
    }
    total_length += length[i];
  }
  const double n_docs = static_cast<double>(chunks.size());
  const double avg_length = std::max(1.0, total_length / n_docs);

  std::unordered_map<std::size_t, double> fused;
  for (const RetrievalQuery& q : queries) {
    std::unordered_set<std::string> terms;
    for (auto& w : ContentWords(q.text)) terms.insert(std::move(w));
    std::vector<std::pair<double, std::size_t>> scored;
    for (std::size_t i = 0; i < chunks.size(); ++i) {
      double score = 0;
      for (const std::string& t : terms) {
        auto it = tf[i].find(t);
        if (it == tf[i].end()) continue;
        const double d = df[t];
        const double idf = std::log(1 + (n_docs - d + 0.5) / (d + 0.5));
        const double f = it->second;
        score += idf * f * (options_.k1 + 1) /
                 (f + options_.k1 * (1 - options_.b + options_.b * length[i] / avg_length));
      }
      if (score > 0) scored.emplace_back(score, i);
    }
    std::sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    if (scored.size() > static_cast<std::size_t>(top_k))
      scored.resize(static_cast<std::size_t>(top_k));
    auto& ids = out.by_query[q.label];
    for (std::size_t rank = 0; rank < scored.size(); ++rank) {
      const std::size_t i = scored[rank].second;
      ids.push_back(chunks[i].id);
      fused[i] += 1.0 / (options_.rrf_k + static_cast<double>(rank) + 1);
    }
  }
  std::vector<std::pair<double, std::size_t>> order;
  for (const auto& [i, s] : fused) order.emplace_back(s, i);
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  for (const auto& [score, i] : order) {
    out.chunks.push_back(
        {chunks[i].id, chunks[i].heading, chunks[i].filename, chunks[i].text, score});
  }
  return out;
}

}  // namespace ag
