#include "rag/local_embedder.h"

#include <cmath>
#include <cstdio>

#include "core/text.h"

namespace ag {
namespace {

bool IsWordByte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

char Lower(unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); }

// Length of the apostrophe at text[i]: 1 for ', 3 for U+2019 (’), 0 for none.
std::size_t ApostropheAt(std::string_view text, std::size_t i) {
  if (text[i] == '\'') return 1;
  if (text.compare(i, 3, "\xE2\x80\x99") == 0) return 3;
  return 0;
}

bool IsClitic(std::string_view s) {
  return s == "s" || s == "t" || s == "re" || s == "ll" || s == "ve" || s == "d" || s == "m";
}

constexpr float kEulerGamma = 0.5772157f;

}  // namespace

std::vector<std::string> EmbeddingTokens(std::string_view text) {
  std::vector<std::string> tokens;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty()) tokens.push_back(std::move(cur));
    cur.clear();
  };
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t apostrophe = ApostropheAt(text, i);
    if (apostrophe > 0) {
      // A clitic: letters after the apostrophe up to the end of the word.
      std::size_t j = i + apostrophe;
      std::string suffix;
      while (j < text.size() && IsWordByte(static_cast<unsigned char>(text[j])) &&
             ApostropheAt(text, j) == 0) {
        suffix.push_back(Lower(static_cast<unsigned char>(text[j])));
        ++j;
      }
      if (!cur.empty() && IsClitic(suffix)) {
        if (suffix == "t" && cur.size() > 1 && cur.back() == 'n') {
          cur.pop_back();
          flush();
          tokens.emplace_back("n't");
        } else {
          flush();
          tokens.push_back("'" + suffix);
        }
        i = j;
        continue;
      }
      flush();
      i += apostrophe;
      continue;
    }
    const auto c = static_cast<unsigned char>(text[i]);
    if (IsWordByte(c)) {
      cur.push_back(Lower(c));
    } else {
      flush();
    }
    ++i;
  }
  flush();
  return tokens;
}

Result<std::unique_ptr<LocalEmbedder>> LocalEmbedder::Open(const LocalEmbedderOptions& options) {
  if (!(options.sif_a > 0) || !std::isfinite(options.sif_a)) {
    return InvalidArgumentError("sif_a must be positive", {"sif_a"});
  }
  ASSIGN_OR_RETURN(auto vectors, WordVectors::Open(options.path));
  std::unique_ptr<LocalEmbedder> e(new LocalEmbedder());
  e->options_ = options;
  e->zipf_h_ = std::log(static_cast<double>(vectors->size())) + kEulerGamma;
  e->model_ = vectors->name() + "-sif-v1";
  if (options.sif_a != LocalEmbedderOptions{}.sif_a) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "-a%g", options.sif_a);
    e->model_ += buf;
  }
  if (!options.remove_common_component) e->model_ += "-nocc";
  e->vectors_ = std::move(vectors);

  if (options.remove_common_component) {
    // The direction every text shares: the vocabulary's SIF-weighted vectors averaged under the
    // words' corpus probabilities, i.e. the expected weighted word of any text. One pass over
    // the file (about 20 ms for 341,479 words).
    const std::size_t dim = static_cast<std::size_t>(e->vectors_->dimension());
    std::vector<double> sum(dim, 0.0);
    std::vector<float> row(dim);
    for (std::size_t r = 0; r < e->vectors_->size(); ++r) {
      const double p = 1.0 / (static_cast<double>(r + 1) * e->zipf_h_);
      std::fill(row.begin(), row.end(), 0.0f);
      e->vectors_->AddTo(r, 1.0f, row.data());
      const double w = p * options.sif_a / (options.sif_a + p);
      for (std::size_t d = 0; d < dim; ++d) sum[d] += w * row[d];
    }
    double norm = 0;
    for (double v : sum) norm += v * v;
    norm = std::sqrt(norm);
    if (norm > 0) {
      e->common_.resize(dim);
      for (std::size_t d = 0; d < dim; ++d) e->common_[d] = static_cast<float>(sum[d] / norm);
    }
  }
  return e;
}

std::vector<float> LocalEmbedder::EmbedOne(std::string_view text) const {
  const std::size_t dim = static_cast<std::size_t>(vectors_->dimension());
  std::vector<float> v(dim, 0.0f);
  bool any = false;
  for (const std::string& token : EmbeddingTokens(text)) {
    std::int64_t rank = vectors_->Find(token);
    if (rank < 0 && token.size() > 3) rank = vectors_->Find(LightStem(token));
    if (rank < 0) continue;
    const double p = 1.0 / (static_cast<double>(rank + 1) * zipf_h_);
    vectors_->AddTo(static_cast<std::size_t>(rank),
                    static_cast<float>(options_.sif_a / (options_.sif_a + p)), v.data());
    any = true;
  }
  if (!any) return v;
  if (!common_.empty()) {
    float dot = 0;
    for (std::size_t d = 0; d < dim; ++d) dot += v[d] * common_[d];
    for (std::size_t d = 0; d < dim; ++d) v[d] -= dot * common_[d];
  }
  double norm = 0;
  for (float x : v) norm += static_cast<double>(x) * x;
  norm = std::sqrt(norm);
  if (norm < 1e-12) {
    std::fill(v.begin(), v.end(), 0.0f);
    return v;
  }
  for (float& x : v) x = static_cast<float>(x / norm);
  return v;
}

Result<std::vector<std::vector<float>>> LocalEmbedder::Embed(
    const std::vector<std::string>& texts) {
  std::vector<std::vector<float>> out;
  out.reserve(texts.size());
  for (const auto& t : texts) out.push_back(EmbedOne(t));
  return out;
}

}  // namespace ag
