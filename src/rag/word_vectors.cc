#include "rag/word_vectors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <numeric>
#include <set>

namespace ag {
namespace {

static_assert(std::endian::native == std::endian::little, "the file format is little-endian");

constexpr char kMagic[8] = {'A', 'G', 'W', 'V', 'E', 'C', '\0', '\0'};
constexpr std::uint32_t kVersion = 1;
constexpr std::uint32_t kEncodingInt8 = 1;
constexpr std::size_t kHeaderSize = 128;
constexpr std::size_t kNameOffset = 80;
constexpr std::size_t kNameSize = 48;

// The header's fields at their offsets (scripts/convert-word-vectors.js writes them).
struct Header {
  std::uint32_t version, dimension, count, encoding;
  std::uint64_t strings, strings_size, offsets, sorted, scales, vectors, file_size;
};

template <typename T>
T Load(const unsigned char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

Header ReadHeader(const unsigned char* p) {
  Header h;
  h.version = Load<std::uint32_t>(p + 8);
  h.dimension = Load<std::uint32_t>(p + 12);
  h.count = Load<std::uint32_t>(p + 16);
  h.encoding = Load<std::uint32_t>(p + 20);
  h.strings = Load<std::uint64_t>(p + 24);
  h.strings_size = Load<std::uint64_t>(p + 32);
  h.offsets = Load<std::uint64_t>(p + 40);
  h.sorted = Load<std::uint64_t>(p + 48);
  h.scales = Load<std::uint64_t>(p + 56);
  h.vectors = Load<std::uint64_t>(p + 64);
  h.file_size = Load<std::uint64_t>(p + 72);
  return h;
}

std::uint64_t Align8(std::uint64_t x) { return (x + 7) / 8 * 8; }

// The section layout the converter produces for these sizes.
Header Layout(std::uint32_t dimension, std::uint32_t count, std::uint64_t strings_size) {
  Header h{};
  h.version = kVersion;
  h.dimension = dimension;
  h.count = count;
  h.encoding = kEncodingInt8;
  h.strings = kHeaderSize;
  h.strings_size = strings_size;
  h.offsets = Align8(h.strings + strings_size);
  h.sorted = Align8(h.offsets + 4ull * (count + 1ull));
  h.scales = Align8(h.sorted + 4ull * count);
  h.vectors = Align8(h.scales + 4ull * count);
  h.file_size = Align8(h.vectors + std::uint64_t{count} * dimension);
  return h;
}

Status Corrupt(const std::string& path, std::string_view why) {
  return FailedPreconditionError("word vectors file " + path + " is not usable (" +
                                 std::string(why) + "); run scripts/setup to reinstall it");
}

}  // namespace

WordVectors::~WordVectors() {
  if (base_ != nullptr) ::munmap(const_cast<unsigned char*>(base_), mapped_size_);
}

Result<std::unique_ptr<WordVectors>> WordVectors::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) {
      return FailedPreconditionError("word vectors file " + path +
                                     " is missing; run scripts/setup to install it (or set "
                                     "WORD_VECTORS_PATH)");
    }
    return FailedPreconditionError("cannot open word vectors file " + path + ": " +
                                   std::strerror(err));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return FailedPreconditionError("cannot stat " + path + ": " + std::strerror(err));
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size < kHeaderSize) {
    ::close(fd);
    return Corrupt(path, "shorter than its header");
  }
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  const int err = errno;
  ::close(fd);
  if (map == MAP_FAILED) {
    return FailedPreconditionError("cannot map " + path + ": " + std::strerror(err));
  }
  std::unique_ptr<WordVectors> wv(new WordVectors());
  wv->base_ = static_cast<const unsigned char*>(map);
  wv->mapped_size_ = size;
  RETURN_IF_ERROR(wv->Validate(path));
  return wv;
}

Status WordVectors::Validate(const std::string& path) {
  if (std::memcmp(base_, kMagic, sizeof kMagic) != 0) return Corrupt(path, "bad magic");
  const Header h = ReadHeader(base_);
  if (h.version != kVersion) {
    return Corrupt(path, "format version " + std::to_string(h.version) + ", expected " +
                             std::to_string(kVersion));
  }
  if (h.encoding != kEncodingInt8) return Corrupt(path, "unknown encoding");
  if (h.dimension == 0 || h.dimension > 4096) return Corrupt(path, "bad dimension");
  if (h.count == 0) return Corrupt(path, "no words");
  if (h.strings_size > mapped_size_) return Corrupt(path, "bad strings size");
  const Header expected = Layout(h.dimension, h.count, h.strings_size);
  if (h.strings != expected.strings || h.offsets != expected.offsets ||
      h.sorted != expected.sorted || h.scales != expected.scales || h.vectors != expected.vectors ||
      h.file_size != expected.file_size) {
    return Corrupt(path, "bad section offsets");
  }
  if (h.file_size != mapped_size_) {
    return Corrupt(path, "size " + std::to_string(mapped_size_) + " bytes, header says " +
                             std::to_string(h.file_size));
  }
  const char* name = reinterpret_cast<const char*>(base_ + kNameOffset);
  name_.assign(name, strnlen(name, kNameSize));
  if (name_.empty() || name_.size() == kNameSize) return Corrupt(path, "bad name");

  dimension_ = static_cast<int>(h.dimension);
  count_ = h.count;
  strings_ = reinterpret_cast<const char*>(base_ + h.strings);
  offsets_ = reinterpret_cast<const std::uint32_t*>(base_ + h.offsets);
  sorted_ = reinterpret_cast<const std::uint32_t*>(base_ + h.sorted);
  scales_ = reinterpret_cast<const float*>(base_ + h.scales);
  vectors_ = reinterpret_cast<const std::int8_t*>(base_ + h.vectors);

  // Binary search needs increasing offsets and a strictly sorted index of valid ranks: a few
  // milliseconds for the 341,479 words of the installed file.
  if (offsets_[0] != 0 || offsets_[count_] != h.strings_size) return Corrupt(path, "bad offsets");
  for (std::size_t i = 0; i < count_; ++i) {
    if (offsets_[i + 1] <= offsets_[i]) return Corrupt(path, "bad offsets");
  }
  for (std::size_t i = 0; i < count_; ++i) {
    if (sorted_[i] >= count_) return Corrupt(path, "bad index");
    if (i > 0 && !(Word(sorted_[i - 1]) < Word(sorted_[i]))) return Corrupt(path, "unsorted index");
  }
  for (std::size_t i = 0; i < count_; ++i) {
    if (!std::isfinite(scales_[i]) || scales_[i] < 0) return Corrupt(path, "bad scale");
  }
  return OkStatus();
}

std::string_view WordVectors::Word(std::size_t rank) const {
  return std::string_view(strings_ + offsets_[rank], offsets_[rank + 1] - offsets_[rank]);
}

std::int64_t WordVectors::Find(std::string_view word) const {
  std::size_t lo = 0, hi = count_;
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    const int c = Word(sorted_[mid]).compare(word);
    if (c == 0) return sorted_[mid];
    if (c < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return -1;
}

void WordVectors::AddTo(std::size_t rank, float weight, float* out) const {
  const std::int8_t* v = vectors_ + rank * static_cast<std::size_t>(dimension_);
  const float w = weight * scales_[rank];
  for (int d = 0; d < dimension_; ++d) out[d] += w * static_cast<float>(v[d]);
}

Status WriteWordVectors(const std::string& path, const WordVectorsContent& content) {
  const std::size_t n = content.words.size();
  const int dim = content.dimension;
  if (dim <= 0 || dim > 4096) return InvalidArgumentError("bad dimension", {"dimension"});
  if (n == 0) return InvalidArgumentError("no words", {"words"});
  if (content.vectors.size() != n * static_cast<std::size_t>(dim)) {
    return InvalidArgumentError("vectors: expected words * dimension values", {"vectors"});
  }
  if (content.name.empty() || content.name.size() >= kNameSize) {
    return InvalidArgumentError("name: 1 to 47 bytes", {"name"});
  }
  std::set<std::string_view> seen;
  std::uint64_t strings_size = 0;
  for (const auto& w : content.words) {
    if (w.empty()) return InvalidArgumentError("an empty word", {"words"});
    if (!seen.insert(w).second) return InvalidArgumentError("word twice: " + w, {"words"});
    strings_size += w.size();
  }
  const Header h =
      Layout(static_cast<std::uint32_t>(dim), static_cast<std::uint32_t>(n), strings_size);
  std::string out(h.file_size, '\0');
  auto put = [&out](std::uint64_t at, const auto& v) {
    std::memcpy(out.data() + at, &v, sizeof v);
  };
  std::memcpy(out.data(), kMagic, sizeof kMagic);
  put(8, h.version);
  put(12, h.dimension);
  put(16, h.count);
  put(20, h.encoding);
  put(24, h.strings);
  put(32, h.strings_size);
  put(40, h.offsets);
  put(48, h.sorted);
  put(56, h.scales);
  put(64, h.vectors);
  put(72, h.file_size);
  std::memcpy(out.data() + kNameOffset, content.name.data(), content.name.size());

  std::uint32_t pos = 0;
  for (std::size_t i = 0; i < n; ++i) {
    put(h.offsets + 4 * i, pos);
    std::memcpy(out.data() + h.strings + pos, content.words[i].data(), content.words[i].size());
    pos += static_cast<std::uint32_t>(content.words[i].size());
  }
  put(h.offsets + 4 * n, pos);

  std::vector<std::uint32_t> ranks(n);
  std::iota(ranks.begin(), ranks.end(), 0u);
  std::sort(ranks.begin(), ranks.end(),
            [&](std::uint32_t a, std::uint32_t b) { return content.words[a] < content.words[b]; });
  for (std::size_t i = 0; i < n; ++i) put(h.sorted + 4 * i, ranks[i]);

  for (std::size_t i = 0; i < n; ++i) {
    const float* v = content.vectors.data() + i * static_cast<std::size_t>(dim);
    float max_abs = 0;
    for (int d = 0; d < dim; ++d) {
      if (!std::isfinite(v[d])) return InvalidArgumentError("a value is not finite", {"vectors"});
      max_abs = std::max(max_abs, std::fabs(v[d]));
    }
    const float scale = max_abs / 127;
    put(h.scales + 4 * i, scale);
    for (int d = 0; d < dim; ++d) {
      const float q = scale == 0 ? 0 : std::clamp(std::round(v[d] / scale), -127.0f, 127.0f);
      out[h.vectors + i * static_cast<std::size_t>(dim) + static_cast<std::size_t>(d)] =
          static_cast<char>(static_cast<std::int8_t>(q));
    }
  }

  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f.write(out.data(), static_cast<std::streamsize>(out.size()));
    f.close();
    if (!f) return UnavailableError("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return UnavailableError("rename " + tmp + ": " + std::strerror(errno));
  }
  return OkStatus();
}

}  // namespace ag
