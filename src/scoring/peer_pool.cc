#include "scoring/peer_pool.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace ag::scoring {
namespace {

constexpr std::size_t kTopPeers = 5;
// Similarities are taken with an even sample of this many peers: the time of a grade grows
// with it, and a few hundred peers give the same means (ranks use every peer: they cost a
// binary search each).
constexpr std::size_t kSimilarityPeers = 128;

}  // namespace

PeerPool::PeerPool(std::vector<Peer> peers, std::vector<std::size_t> ranked)
    : size_(peers.size()), ranked_(std::move(ranked)), sorted_(ranked_.size()) {
  const std::size_t step = (peers.size() + kSimilarityPeers - 1) / kSimilarityPeers;
  for (std::size_t i = 0; i < peers.size(); ++i) {
    const Peer& p = peers[i];
    if (i % step == 0) similar_.Add(p.vector);
    if (!p.embedding.empty()) {
      centroid_.resize(p.embedding.size(), 0.0);
      if (p.embedding.size() == centroid_.size()) {
        for (std::size_t d = 0; d < centroid_.size(); ++d) centroid_[d] += p.embedding[d];
      }
    }
    for (std::size_t r = 0; r < ranked_.size(); ++r) {
      sorted_[r].push_back(ranked_[r] < p.features.size() ? p.features[ranked_[r]] : 0.0);
    }
  }
  for (auto& v : sorted_) std::sort(v.begin(), v.end());
  double norm = 0;
  for (double x : centroid_) norm += x * x;
  norm = std::sqrt(norm);
  if (norm > 0) {
    for (double& x : centroid_) x /= norm;
  } else {
    centroid_.clear();
  }
}

std::vector<double> PeerPool::Features(const SparseVector& vector,
                                       const std::vector<float>& embedding,
                                       const std::vector<double>& features) const {
  std::vector<double> out;
  out.reserve(FeatureCount(ranked_.size()));
  std::vector<double> sims = similar_.Dots(vector);
  // The most similar first (only the top few need ordering).
  const std::size_t head = std::min(kTopPeers + 1, sims.size());
  std::partial_sort(sims.begin(), sims.begin() + static_cast<std::ptrdiff_t>(head), sims.end(),
                    std::greater<>());
  if (!sims.empty() && sims.front() >= 0.9999) sims.erase(sims.begin());
  const std::size_t top = std::min(kTopPeers, sims.size());
  double top_mean = 0, mean = 0;
  for (std::size_t i = 0; i < top; ++i) top_mean += sims[i];
  for (double s : sims) mean += s;
  out.push_back(top ? top_mean / static_cast<double>(top) : 0);
  out.push_back(sims.empty() ? 0 : mean / static_cast<double>(sims.size()));
  double meaning = 0;
  if (!centroid_.empty() && embedding.size() == centroid_.size()) {
    for (std::size_t d = 0; d < centroid_.size(); ++d) meaning += centroid_[d] * embedding[d];
  }
  out.push_back(meaning);
  for (std::size_t r = 0; r < ranked_.size(); ++r) {
    const auto& v = sorted_[r];
    double rank = 0;
    if (!v.empty()) {
      const double x = ranked_[r] < features.size() ? features[ranked_[r]] : 0.0;
      const auto below = std::lower_bound(v.begin(), v.end(), x - 1e-9);
      const auto above = std::upper_bound(v.begin(), v.end(), x + 1e-9);
      rank = (static_cast<double>(below - v.begin()) + 0.5 * static_cast<double>(above - below)) /
             static_cast<double>(v.size());
    }
    out.push_back(rank);
  }
  return out;
}

}  // namespace ag::scoring
