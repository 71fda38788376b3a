#include "vector/hnsw_vector_index.h"

#include "vector/vector_checks.h"

#include "core/durable_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <shared_mutex>
#include <unordered_map>

// hnswlib 0.6.2 (header-only, libhnswlib-dev), included here alone. Under /usr/include it is a
// system header to GCC, so its warnings do not fail our -Werror build. NO_MANUAL_VECTORIZATION
// turns off its SSE/AVX code: its distance kernels, which we replace with our own (DotLanes),
// the non-inline cpuid helpers it would define in every includer, and the prefetches of its
// graph walk, which read one entry past a neighbour list (AddressSanitizer's
// heap-buffer-overflow in searchBaseLayer); without them a search costs about 3% more.
#define NO_MANUAL_VECTORIZATION
#include <hnswlib/hnswlib.h>

#include "core/json.h"

namespace ag {

static_assert(std::endian::native == std::endian::little, "the file formats are little-endian");

using Graph = hnswlib::HierarchicalNSW<float>;

namespace {

// The inner product of two float vectors, in 8-lane vectors, compiled twice: for AVX2 and for
// the x86-64 baseline (SSE2). DistanceSpace picks one when the index opens, so the binary runs
// on any x86-64 and uses AVX2 where there is one: scans 1.5x faster than with hnswlib's SSE
// kernels. (hnswlib's AVX kernels need the whole file built with -mavx, and then the program
// dies with SIGILL on a CPU without AVX. GCC's target_clones would pick by ifunc, whose
// resolver runs before ThreadSanitizer's runtime is up and crashes a -fsanitize=thread build.)
using Lanes = float __attribute__((vector_size(32)));

[[gnu::always_inline]] inline float DotLanes(const float* a, const float* b, std::size_t n) {
  Lanes acc0 = {}, acc1 = {};
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    Lanes x0, y0, x1, y1;
    std::memcpy(&x0, a + i, sizeof x0);
    std::memcpy(&y0, b + i, sizeof y0);
    std::memcpy(&x1, a + i + 8, sizeof x1);
    std::memcpy(&y1, b + i + 8, sizeof y1);
    acc0 += x0 * y0;
    acc1 += x1 * y1;
  }
  for (; i + 8 <= n; i += 8) {
    Lanes x, y;
    std::memcpy(&x, a + i, sizeof x);
    std::memcpy(&y, b + i, sizeof y);
    acc0 += x * y;
  }
  acc0 += acc1;
  float sum = 0;
  for (int k = 0; k < 8; ++k) sum += acc0[k];
  for (; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

__attribute__((target("avx2"))) float DotAvx2(const float* a, const float* b, std::size_t n) {
  return DotLanes(a, b, n);
}
float DotBaseline(const float* a, const float* b, std::size_t n) { return DotLanes(a, b, n); }

// hnswlib's distance between unit vectors: 1 - cosine, as its InnerProductSpace.
template <float (*Dot)(const float*, const float*, std::size_t)>
float DotDistance(const void* a, const void* b, const void* dimension) {
  return 1.0f - Dot(static_cast<const float*>(a), static_cast<const float*>(b),
                    *static_cast<const std::size_t*>(dimension));
}

bool HasAvx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2");
}

}  // namespace

// hnswlib's distance space, shared by every graph (a graph keeps a pointer to it).
struct HnswVectorIndex::DistanceSpace final : hnswlib::SpaceInterface<float> {
  explicit DistanceSpace(int d)
      : dimension(static_cast<std::size_t>(d)),
        dot(HasAvx2() ? &DotAvx2 : &DotBaseline),
        distance(HasAvx2() ? &DotDistance<DotAvx2> : &DotDistance<DotBaseline>) {}
  std::size_t get_data_size() override { return dimension * sizeof(float); }
  hnswlib::DISTFUNC<float> get_dist_func() override { return distance; }
  void* get_dist_func_param() override { return &dimension; }
  std::size_t dimension;
  float (*const dot)(const float*, const float*, std::size_t);
  const hnswlib::DISTFUNC<float> distance;
};

struct HnswVectorIndex::Partition {
  explicit Partition(AssignmentId a) : assignment(a) {}
  const AssignmentId assignment;
  RwMutex mu;                          // writers first: searches must not starve an upsert
  bool loaded = false;                 // the points below are the partition's
  bool dropped = false;                // no longer in the index: look it up again
  bool on_disk = false;                // a points file exists
  std::uint64_t generation = 0;        // of the points file
  std::uint64_t graph_generation = 0;  // of the graph file; 0: none
  Status scan_error;                   // its header was unreadable at Open
  // The live points, slot by slot; vectors has dimension floats per slot, unit length.
  std::vector<std::int64_t> chunks;
  std::vector<std::int64_t> materials;
  std::vector<float> vectors;
  std::unordered_map<std::int64_t, std::size_t> slot_of;  // chunk -> slot
  std::unique_ptr<Graph> graph;  // labels are chunk ids; null while the partition is small
};

namespace {

namespace fs = std::filesystem;

constexpr int kFormat = 1;
constexpr char kPointsMagic[8] = {'A', 'G', 'V', 'P', 'T', 'S', '\0', '\0'};
constexpr std::uint32_t kPointsVersion = 1;
constexpr std::size_t kPointsHeader = 80;

// Storage failures are retried later.
Status ErrnoStatus(int err, std::string_view what) { return StorageError(err, what); }

Status Corrupt(const std::string& path, std::string_view why) {
  return FailedPreconditionError("vector index file " + path + " is corrupt (" + std::string(why) +
                                 "): delete the assignment's vectors and index it again");
}

// A 64-bit checksum, eight bytes at a time (finds torn and damaged files, not attacks).
std::uint64_t Checksum(const char* data, std::size_t n) {
  constexpr std::uint64_t kMul1 = 0x9E3779B97F4A7C15ull, kMul2 = 0xBF58476D1CE4E5B9ull;
  std::uint64_t h = kMul1 ^ n;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, data + i, 8);
    h = std::rotl(h ^ (w * kMul1), 29) * kMul2;
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, data + i, n - i);
  h = std::rotl(h ^ (tail * kMul1), 29) * kMul2;
  h ^= h >> 31;
  h *= 0x94D049BB133111EBull;
  return h ^ (h >> 29);
}

// Writes path.tmp, then renames it over path.
Status WriteFileAtomic(const std::string& path, std::string_view bytes, bool sync) {
  return ag::WriteFileAtomic(path, path + ".tmp", bytes, sync);
}

// The first `limit` bytes of the file (all of it by default); NotFound when it is absent.
Result<std::string> ReadFile(const std::string& path, std::size_t limit = SIZE_MAX) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFoundError(path + " is missing");
    return ErrnoStatus(errno, "open " + path);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return ErrnoStatus(err, "stat " + path);
  }
  std::string out(std::min(static_cast<std::size_t>(st.st_size), limit), '\0');
  std::size_t got = 0;
  while (got < out.size()) {
    const ssize_t r = ::read(fd, out.data() + got, out.size() - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      const int err = r < 0 ? errno : EIO;
      ::close(fd);
      return ErrnoStatus(err, "read " + path);
    }
    got += static_cast<std::size_t>(r);
  }
  ::close(fd);
  return out;
}

Status RemoveFile(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoStatus(errno, "remove " + path);
  return OkStatus();
}

template <typename T>
T LoadAt(const std::string& bytes, std::size_t at) {
  T v;
  std::memcpy(&v, bytes.data() + at, sizeof v);
  return v;
}

template <typename T>
void StoreAt(std::string& bytes, std::size_t at, T v) {
  std::memcpy(bytes.data() + at, &v, sizeof v);
}

// The points file's header (layout in docs/retrieval.md).
struct PointsHeader {
  std::uint32_t dimension = 0;
  std::int64_t assignment = 0;
  std::uint64_t generation = 0, count = 0, material_count = 0;
  std::uint64_t graph_size = 0, graph_checksum = 0, body_checksum = 0;

  std::uint64_t FileSize() const {
    return kPointsHeader + 8 * material_count + 16 * count + 4ull * dimension * count;
  }
};

std::string EncodeHeader(const PointsHeader& h) {
  std::string b(kPointsHeader, '\0');
  std::memcpy(b.data(), kPointsMagic, 8);
  StoreAt(b, 8, kPointsVersion);
  StoreAt(b, 12, h.dimension);
  StoreAt(b, 16, h.assignment);
  StoreAt(b, 24, h.generation);
  StoreAt(b, 32, h.count);
  StoreAt(b, 40, h.material_count);
  StoreAt(b, 48, h.graph_size);
  StoreAt(b, 56, h.graph_checksum);
  StoreAt(b, 64, h.body_checksum);
  StoreAt(b, 72, Checksum(b.data(), 72));
  return b;
}

Result<PointsHeader> DecodeHeader(const std::string& b, const std::string& path) {
  if (b.size() < kPointsHeader) return Corrupt(path, "shorter than its header");
  if (std::memcmp(b.data(), kPointsMagic, 8) != 0) return Corrupt(path, "bad magic");
  if (LoadAt<std::uint64_t>(b, 72) != Checksum(b.data(), 72)) return Corrupt(path, "bad header");
  if (LoadAt<std::uint32_t>(b, 8) != kPointsVersion) return Corrupt(path, "unknown version");
  PointsHeader h;
  h.dimension = LoadAt<std::uint32_t>(b, 12);
  h.assignment = LoadAt<std::int64_t>(b, 16);
  h.generation = LoadAt<std::uint64_t>(b, 24);
  h.count = LoadAt<std::uint64_t>(b, 32);
  h.material_count = LoadAt<std::uint64_t>(b, 40);
  h.graph_size = LoadAt<std::uint64_t>(b, 48);
  h.graph_checksum = LoadAt<std::uint64_t>(b, 56);
  h.body_checksum = LoadAt<std::uint64_t>(b, 64);
  if (h.count > (1ull << 40) || h.material_count > h.count || h.dimension == 0 ||
      h.dimension > 65536 || h.generation == 0) {
    return Corrupt(path, "bad header");
  }
  return h;
}

// hnswlib's saveIndex ignores write errors: the size its file must have, to check it.
std::uint64_t GraphFileSize(const Graph& g) {
  std::uint64_t size = sizeof g.offsetLevel0_ + sizeof g.max_elements_ +
                       sizeof g.cur_element_count + sizeof g.size_data_per_element_ +
                       sizeof g.label_offset_ + sizeof g.offsetData_ + sizeof g.maxlevel_ +
                       sizeof g.enterpoint_node_ + sizeof g.maxM_ + sizeof g.maxM0_ + sizeof g.M_ +
                       sizeof g.mult_ + sizeof g.ef_construction_;
  size += g.cur_element_count * g.size_data_per_element_;
  for (std::size_t i = 0; i < g.cur_element_count; ++i) {
    size += sizeof(unsigned int);
    if (g.element_levels_[i] > 0) {
      size += g.size_links_per_element_ * static_cast<std::size_t>(g.element_levels_[i]);
    }
  }
  return size;
}

// "assignment-<id>.points" -> id; "assignment-<id>.<gen>.hnsw" -> id, gen.
bool ParseName(std::string_view name, std::string_view suffix, std::int64_t& id,
               std::uint64_t* gen) {
  constexpr std::string_view kPrefix = "assignment-";
  if (!name.starts_with(kPrefix) || !name.ends_with(suffix)) return false;
  name = name.substr(kPrefix.size(), name.size() - kPrefix.size() - suffix.size());
  const auto dot = name.find('.');
  const std::string_view id_part = gen ? name.substr(0, dot) : name;
  if (id_part.empty()) return false;
  auto r = std::from_chars(id_part.data(), id_part.data() + id_part.size(), id);
  if (r.ec != std::errc() || r.ptr != id_part.data() + id_part.size() || id <= 0) return false;
  if (gen == nullptr) return true;
  if (dot == std::string_view::npos) return false;
  const std::string_view gen_part = name.substr(dot + 1);
  r = std::from_chars(gen_part.data(), gen_part.data() + gen_part.size(), *gen);
  return r.ec == std::errc() && r.ptr == gen_part.data() + gen_part.size() && !gen_part.empty();
}

// Scales v to unit length (zero stays zero); false when a value is not finite.
bool Normalize(std::span<const float> in, float* out) {
  double norm = 0;
  for (float x : in) {
    if (!std::isfinite(x)) return false;
    norm += static_cast<double>(x) * x;
  }
  norm = std::sqrt(norm);
  for (std::size_t d = 0; d < in.size(); ++d) {
    out[d] = norm > 0 ? static_cast<float>(in[d] / norm) : 0.0f;
  }
  return true;
}

float ScoreOf(float distance) { return std::clamp(1.0f - distance, -1.0f, 1.0f); }

// hnswlib 0.6.2's loading constructor leaves num_deleted_ uninitialised (loadIndex adds to it),
// and when loadIndex throws its destructor frees uninitialised pointers: load through the empty
// constructor, with the fields the destructor reads set first.
class LoadedGraph : public Graph {
 public:
  LoadedGraph(hnswlib::SpaceInterface<float>* space, const std::string& path) : Graph(space) {
    num_deleted_ = 0;
    cur_element_count = 0;
    data_level0_memory_ = nullptr;
    linkLists_ = nullptr;
    visited_list_pool_ = nullptr;
    try {
      loadIndex(path, space, 0);
    } catch (...) {
      cur_element_count = 0;  // the destructor then frees only what loadIndex allocated first
      throw;
    }
  }
};

}  // namespace

HnswVectorIndex::HnswVectorIndex(HnswVectorIndexOptions options)
    : options_(std::move(options)),
      space_(std::make_unique<DistanceSpace>(options_.space.dimension)) {}

HnswVectorIndex::~HnswVectorIndex() = default;

Result<std::unique_ptr<HnswVectorIndex>> HnswVectorIndex::Open(HnswVectorIndexOptions options) {
  if (options.dir.empty()) return InvalidArgumentError("dir is required", {"dir"});
  if (options.space.model.empty()) return InvalidArgumentError("model is required", {"model"});
  if (options.space.dimension <= 0 || options.space.dimension > 65536) {
    return InvalidArgumentError("dimension must be 1 to 65536", {"dimension"});
  }
  if (options.m < 2 || options.m > 256) return InvalidArgumentError("m: 2 to 256", {"m"});
  if (options.ef_construction < 1 || options.ef_search < 1) {
    return InvalidArgumentError("ef_construction and ef_search must be positive", {"ef_search"});
  }
  if (options.exact_below < 0) {
    return InvalidArgumentError("exact_below must not be negative", {"exact_below"});
  }
  std::error_code ec;
  fs::create_directories(options.dir, ec);
  if (ec) return UnavailableError("cannot create " + options.dir + ": " + ec.message());

  std::unique_ptr<HnswVectorIndex> index(new HnswVectorIndex(std::move(options)));
  RETURN_IF_ERROR(index->Scan());
  const std::string meta_path = index->options_.dir + "/index.json";
  auto meta = ReadFile(meta_path);
  if (meta.ok()) {
    const Json j = ParseJsonOrDiscarded(*meta);
    if (j.is_object() && j.value("format", 0) == kFormat && j.contains("model") &&
        j["model"].is_string() && j.contains("dimension") && j["dimension"].is_number_integer()) {
      index->stored_ = {j["model"].get<std::string>(), j["dimension"].get<int>()};
    } else {
      index->stored_ = {"(unreadable " + meta_path + ")", 0};
    }
  } else if (meta.status().code() != StatusCode::kNotFound) {
    return meta.status();
  } else if (!index->partitions_.empty()) {
    index->stored_ = {"(unknown: " + meta_path + " is missing)", 0};
  } else {
    index->stored_ = index->options_.space;
    RETURN_IF_ERROR(index->WriteMeta());
  }
  return index;
}

Status HnswVectorIndex::WriteMeta() {
  Json j;
  j["format"] = kFormat;
  j["model"] = stored_.model;
  j["dimension"] = stored_.dimension;
  RETURN_IF_ERROR(
      WriteFileAtomic(options_.dir + "/index.json", DumpJson(j) + "\n", options_.fsync));
  return options_.fsync ? SyncDirectory(options_.dir) : OkStatus();
}

std::string HnswVectorIndex::PointsPath(AssignmentId a) const {
  return options_.dir + "/assignment-" + a.ToString() + ".points";
}

std::string HnswVectorIndex::GraphPath(AssignmentId a, std::uint64_t generation) const {
  return options_.dir + "/assignment-" + a.ToString() + "." + std::to_string(generation) + ".hnsw";
}

Status HnswVectorIndex::Scan() {
  struct GraphFile {
    std::int64_t id;
    std::uint64_t gen;
    std::string path;
  };
  std::vector<GraphFile> graph_files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(options_.dir, ec)) {
    const std::string name = entry.path().filename().string();
    const std::string path = entry.path().string();
    std::int64_t id = 0;
    std::uint64_t gen = 0;
    if (name.ends_with(".tmp") && name.starts_with("assignment-")) {
      RETURN_IF_ERROR(RemoveFile(path));  // an interrupted write
    } else if (ParseName(name, ".hnsw", id, &gen)) {
      graph_files.push_back({id, gen, path});
    } else if (ParseName(name, ".points", id, nullptr)) {
      auto p = std::make_shared<Partition>(AssignmentId(id));
      p->on_disk = true;
      // The header and the material list only; the points are read on first use.
      auto head = ReadFile(path, kPointsHeader);
      if (!head.ok()) return head.status();
      Result<PointsHeader> h = DecodeHeader(*head, path);
      if (h.ok() && (h->assignment != id ||
                     h->dimension != static_cast<std::uint32_t>(options_.space.dimension))) {
        h = Corrupt(path, "another assignment or dimension");
      }
      if (h.ok()) {
        auto bytes = ReadFile(path, kPointsHeader + 8 * h->material_count);
        if (!bytes.ok()) return bytes.status();
        if (bytes->size() != kPointsHeader + 8 * h->material_count) {
          h = Corrupt(path, "truncated");
        } else {
          p->generation = h->generation;
          p->graph_generation = h->graph_size > 0 ? h->generation : 0;
          for (std::uint64_t i = 0; i < h->material_count; ++i) {
            const auto m = LoadAt<std::int64_t>(*bytes, kPointsHeader + 8 * i);
            material_assignments_[MaterialId(m)].insert(p->assignment);
          }
        }
      }
      if (!h.ok()) p->scan_error = h.status();
      partitions_[p->assignment] = std::move(p);
    }
  }
  if (ec) return UnavailableError("cannot list " + options_.dir + ": " + ec.message());
  // Graphs of no partition, or of an older generation, are left over from interrupted writes.
  for (const auto& g : graph_files) {
    auto it = partitions_.find(AssignmentId(g.id));
    if (it == partitions_.end() || it->second->graph_generation != g.gen) {
      RETURN_IF_ERROR(RemoveFile(g.path));
    }
  }
  return OkStatus();
}

VectorIndexInfo HnswVectorIndex::Info() const {
  std::shared_lock lock(state_mu_);
  return {options_.space, stored_};
}

Status HnswVectorIndex::NeedsReindexError() const {
  return FailedPreconditionError("the vector index in " + options_.dir + " holds vectors of " +
                                 stored_.ToString() + ", not of the embedder's " +
                                 options_.space.ToString() +
                                 ": re-index (Reset, then upsert every chunk again)");
}

std::shared_ptr<HnswVectorIndex::Partition> HnswVectorIndex::Find(AssignmentId assignment,
                                                                  bool create) {
  std::lock_guard lock(map_mu_);
  auto it = partitions_.find(assignment);
  if (it != partitions_.end()) return it->second;
  if (!create) return nullptr;
  auto p = std::make_shared<Partition>(assignment);
  p->loaded = true;  // new: nothing on disk
  partitions_[assignment] = p;
  return p;
}

template <typename Fn>
Result<bool> HnswVectorIndex::WithPartition(AssignmentId assignment, bool create, Fn&& fn) {
  for (;;) {
    auto p = Find(assignment, create);
    if (!p) return false;
    std::unique_lock lock(p->mu);
    if (p->dropped) continue;
    if (!p->loaded) RETURN_IF_ERROR(Load(*p));
    Status s = fn(*p);
    if (!s.ok()) {
      // Memory may be ahead of the disk: read the partition again on its next use.
      Unload(*p);
    }
    RETURN_IF_ERROR(s);
    return true;
  }
}

void HnswVectorIndex::Unload(Partition& p) {
  p.loaded = false;
  p.chunks.clear();
  p.materials.clear();
  p.vectors.clear();
  p.slot_of.clear();
  p.graph.reset();
}

Status HnswVectorIndex::Load(Partition& p) {
  Unload(p);
  if (!p.on_disk) {
    p.loaded = true;
    return OkStatus();
  }
  RETURN_IF_ERROR(p.scan_error);
  const std::string path = PointsPath(p.assignment);
  auto bytes = ReadFile(path);
  if (!bytes.ok()) {
    return bytes.status().code() == StatusCode::kNotFound ? Corrupt(path, "missing")
                                                          : bytes.status();
  }
  ASSIGN_OR_RETURN(const PointsHeader h, DecodeHeader(*bytes, path));
  const std::size_t dim = static_cast<std::size_t>(options_.space.dimension);
  if (h.dimension != dim || h.assignment != p.assignment.value()) {
    return Corrupt(path, "another assignment or dimension");
  }
  if (bytes->size() != h.FileSize()) return Corrupt(path, "wrong size");
  if (Checksum(bytes->data() + kPointsHeader, bytes->size() - kPointsHeader) != h.body_checksum) {
    return Corrupt(path, "bad checksum");
  }
  const std::size_t n = h.count;
  const std::size_t chunks_at = kPointsHeader + 8 * h.material_count;
  p.chunks.resize(n);
  p.materials.resize(n);
  p.vectors.resize(n * dim);
  std::memcpy(p.chunks.data(), bytes->data() + chunks_at, 8 * n);
  std::memcpy(p.materials.data(), bytes->data() + chunks_at + 8 * n, 8 * n);
  std::memcpy(p.vectors.data(), bytes->data() + chunks_at + 16 * n, 4 * n * dim);
  p.slot_of.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (p.chunks[i] <= 0 || p.materials[i] <= 0 || !p.slot_of.emplace(p.chunks[i], i).second) {
      Unload(p);
      return Corrupt(path, "bad point");
    }
  }
  p.generation = h.generation;
  p.graph_generation = h.graph_size > 0 ? h.generation : 0;
  p.loaded = true;

  // The graph is a cache of the points: used when intact and consistent, else rebuilt.
  if (h.graph_size > 0) {
    const std::string graph_path = GraphPath(p.assignment, h.generation);
    bool intact = false;
    {
      auto graph_bytes = ReadFile(graph_path);
      intact = graph_bytes.ok() && graph_bytes->size() == h.graph_size &&
               Checksum(graph_bytes->data(), graph_bytes->size()) == h.graph_checksum;
    }
    if (intact) {
      try {
        auto g = std::make_unique<LoadedGraph>(space_.get(), graph_path);
        bool ok = g->label_offset_ - g->offsetData_ == dim * sizeof(float) &&
                  g->cur_element_count - g->num_deleted_ == n;
        for (std::size_t i = 0; ok && i < n; ++i) {
          auto it = g->label_lookup_.find(static_cast<hnswlib::labeltype>(p.chunks[i]));
          ok = it != g->label_lookup_.end() && !g->isMarkedDeleted(it->second);
        }
        if (ok) {
          g->setEf(static_cast<std::size_t>(options_.ef_search));
          p.graph = std::move(g);
        }
      } catch (const std::exception&) {
        // Rebuilt below.
      }
    }
  }
  return MaintainGraph(p);
}

Status HnswVectorIndex::BuildGraph(Partition& p) {
  p.graph.reset();
  const std::size_t n = p.chunks.size();
  const std::size_t dim = static_cast<std::size_t>(options_.space.dimension);
  try {
    auto g = std::make_unique<Graph>(space_.get(), std::max<std::size_t>(64, n + n / 4),
                                     static_cast<std::size_t>(options_.m),
                                     static_cast<std::size_t>(options_.ef_construction));
    g->setEf(static_cast<std::size_t>(options_.ef_search));
    for (std::size_t i = 0; i < n; ++i) {
      g->addPoint(p.vectors.data() + i * dim, static_cast<hnswlib::labeltype>(p.chunks[i]));
    }
    p.graph = std::move(g);
  } catch (const std::exception& e) {
    return ResourceExhaustedError("building the vector index graph of assignment " +
                                  p.assignment.ToString() + ": " + e.what());
  }
  return OkStatus();
}

Status HnswVectorIndex::MaintainGraph(Partition& p) {
  const std::size_t live = p.chunks.size();
  const auto threshold = static_cast<std::size_t>(options_.exact_below);
  const bool want = threshold == 0 ? live > 0 : live >= (p.graph ? threshold / 2 : threshold);
  if (!want) {
    p.graph.reset();
    return OkStatus();
  }
  // markDelete leaves a deleted node in the graph: rebuild once they outnumber the live ones.
  if (p.graph && p.graph->num_deleted_ > std::max<std::size_t>(live, 256)) p.graph.reset();
  return p.graph ? OkStatus() : BuildGraph(p);
}

Status HnswVectorIndex::Save(Partition& p) {
  if (p.chunks.empty()) return Drop(p);
  const std::uint64_t gen = p.generation + 1;
  const std::size_t n = p.chunks.size();
  const std::size_t dim = static_cast<std::size_t>(options_.space.dimension);
  PointsHeader h;
  h.dimension = static_cast<std::uint32_t>(dim);
  h.assignment = p.assignment.value();
  h.generation = gen;
  h.count = n;

  if (p.graph) {
    const std::string graph_path = GraphPath(p.assignment, gen);
    const std::string tmp = graph_path + ".tmp";
    try {
      p.graph->saveIndex(tmp);
    } catch (const std::exception& e) {
      (void)RemoveFile(tmp);
      return UnavailableError("write " + tmp + ": " + e.what());
    }
    auto written = ReadFile(tmp);
    Status s = written.status();
    if (s.ok() && written->size() != GraphFileSize(*p.graph)) {
      s = UnavailableError("write " + tmp + ": short write");
    }
    if (s.ok() && options_.fsync) s = SyncFile(tmp);
    if (s.ok() && ::rename(tmp.c_str(), graph_path.c_str()) != 0) {
      s = ErrnoStatus(errno, "rename " + tmp);
    }
    if (!s.ok()) {
      (void)RemoveFile(tmp);
      return s;
    }
    h.graph_size = written->size();
    h.graph_checksum = Checksum(written->data(), written->size());
  }

  std::vector<std::int64_t> distinct(p.materials);
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  h.material_count = distinct.size();
  std::string body(h.FileSize() - kPointsHeader, '\0');
  char* out = body.data();
  std::memcpy(out, distinct.data(), 8 * distinct.size());
  out += 8 * distinct.size();
  std::memcpy(out, p.chunks.data(), 8 * n);
  std::memcpy(out + 8 * n, p.materials.data(), 8 * n);
  std::memcpy(out + 16 * n, p.vectors.data(), 4 * n * dim);
  h.body_checksum = Checksum(body.data(), body.size());
  RETURN_IF_ERROR(
      WriteFileAtomic(PointsPath(p.assignment), EncodeHeader(h) + body, options_.fsync));
  if (options_.fsync) RETURN_IF_ERROR(SyncDirectory(options_.dir));

  const std::uint64_t old_graph = p.graph_generation;
  p.generation = gen;
  p.graph_generation = p.graph ? gen : 0;
  p.on_disk = true;
  p.scan_error = OkStatus();
  if (old_graph != 0 && old_graph != gen) {
    RETURN_IF_ERROR(RemoveFile(GraphPath(p.assignment, old_graph)));
  }
  return OkStatus();
}

Status HnswVectorIndex::RemoveFiles(Partition& p) {
  RETURN_IF_ERROR(RemoveFile(PointsPath(p.assignment)));
  if (p.graph_generation != 0)
    RETURN_IF_ERROR(RemoveFile(GraphPath(p.assignment, p.graph_generation)));
  p.on_disk = false;
  p.graph_generation = 0;
  return options_.fsync ? SyncDirectory(options_.dir) : OkStatus();
}

Status HnswVectorIndex::Drop(Partition& p) {
  RETURN_IF_ERROR(RemoveFiles(p));
  Unload(p);
  p.dropped = true;
  std::lock_guard lock(map_mu_);
  auto it = partitions_.find(p.assignment);
  if (it != partitions_.end() && it->second.get() == &p) partitions_.erase(it);
  for (auto m = material_assignments_.begin(); m != material_assignments_.end();) {
    m->second.erase(p.assignment);
    m = m->second.empty() ? material_assignments_.erase(m) : std::next(m);
  }
  return OkStatus();
}

Status HnswVectorIndex::Upsert(const std::vector<VectorPoint>& points) {
  const std::size_t dim = static_cast<std::size_t>(options_.space.dimension);
  RETURN_IF_ERROR(CheckPoints(points, options_.space.dimension));
  std::shared_lock state(state_mu_);
  if (stored_ != options_.space) return NeedsReindexError();
  std::map<AssignmentId, std::vector<const VectorPoint*>> by_assignment;
  for (const auto& pt : points) by_assignment[pt.assignment].push_back(&pt);

  for (const auto& [assignment, batch] : by_assignment) {
    auto r = WithPartition(assignment, /*create=*/true, [&](Partition& p) -> Status {
      std::vector<hnswlib::labeltype> touched;
      for (const VectorPoint* pt : batch) {
        auto [it, added] = p.slot_of.emplace(pt->chunk.value(), p.chunks.size());
        if (added) {
          p.chunks.push_back(pt->chunk.value());
          p.materials.push_back(pt->material.value());
          p.vectors.resize(p.vectors.size() + dim);
        } else {
          p.materials[it->second] = pt->material.value();
        }
        Normalize(pt->vector, p.vectors.data() + it->second * dim);
        touched.push_back(static_cast<hnswlib::labeltype>(pt->chunk.value()));
      }
      if (p.graph) {
        try {
          std::size_t fresh = 0;
          for (auto label : touched) fresh += p.graph->label_lookup_.count(label) == 0 ? 1 : 0;
          const std::size_t needed = p.graph->cur_element_count + fresh;
          if (needed > p.graph->max_elements_) {
            p.graph->resizeIndex(std::max(needed, 2 * p.graph->max_elements_));
          }
          for (auto label : touched) {
            const std::size_t slot = p.slot_of.at(static_cast<std::int64_t>(label));
            p.graph->addPoint(p.vectors.data() + slot * dim, label);
          }
        } catch (const std::exception& e) {
          return ResourceExhaustedError("adding to the vector index graph of assignment " +
                                        assignment.ToString() + ": " + e.what());
        }
      }
      RETURN_IF_ERROR(MaintainGraph(p));
      RETURN_IF_ERROR(Save(p));
      std::lock_guard lock(map_mu_);
      for (const VectorPoint* pt : batch) material_assignments_[pt->material].insert(assignment);
      return OkStatus();
    });
    RETURN_IF_ERROR(r);
  }
  return OkStatus();
}

Result<std::vector<VectorHit>> HnswVectorIndex::Search(AssignmentId assignment,
                                                       std::span<const float> query, int k) {
  const std::size_t dim = static_cast<std::size_t>(options_.space.dimension);
  RETURN_IF_ERROR(CheckQuery(query, k, options_.space.dimension));
  std::vector<float> q(dim);
  if (!Normalize(query, q.data())) {
    return InvalidArgumentError("query has a value that is not finite", {"query"});
  }
  std::shared_lock state(state_mu_);
  if (stored_ != options_.space) return NeedsReindexError();
  for (;;) {
    auto p = Find(assignment, /*create=*/false);
    if (!p) return std::vector<VectorHit>{};
    {
      std::shared_lock lock(p->mu);
      if (p->dropped) continue;
      if (p->loaded) return SearchLoaded(*p, q, static_cast<std::size_t>(k));
    }
    std::unique_lock lock(p->mu);
    if (!p->dropped && !p->loaded) RETURN_IF_ERROR(Load(*p));
  }
}

std::vector<VectorHit> HnswVectorIndex::SearchLoaded(const Partition& p,
                                                     const std::vector<float>& q,
                                                     std::size_t k) const {
  std::vector<VectorHit> hits;
  const std::size_t n = p.chunks.size();
  k = std::min(k, n);
  if (k == 0) return hits;
  if (p.graph) {
    auto top = p.graph->searchKnn(q.data(), k);  // farthest first
    hits.resize(top.size());
    for (std::size_t i = top.size(); i-- > 0; top.pop()) {
      hits[i] = {ChunkId(static_cast<std::int64_t>(top.top().second)), ScoreOf(top.top().first)};
    }
    return hits;
  }
  const std::size_t dim = q.size();
  hits.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    hits[i] = {ChunkId(p.chunks[i]),
               ScoreOf(1.0f - space_->dot(q.data(), p.vectors.data() + i * dim, dim))};
  }
  std::partial_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(k), hits.end(),
                    [](const VectorHit& a, const VectorHit& b) {
                      return a.score != b.score ? a.score > b.score : a.chunk < b.chunk;
                    });
  hits.resize(k);
  return hits;
}

Status HnswVectorIndex::RemoveWhere(Partition& p, MaterialId material) {
  const std::size_t dim = static_cast<std::size_t>(options_.space.dimension);
  bool changed = false;
  for (std::size_t i = 0; i < p.chunks.size();) {
    if (p.materials[i] != material.value()) {
      ++i;
      continue;
    }
    if (p.graph) {
      try {
        p.graph->markDelete(static_cast<hnswlib::labeltype>(p.chunks[i]));
      } catch (const std::exception& e) {
        return InternalError(std::string("vector index graph: ") + e.what());
      }
    }
    // Swap-remove: the last slot moves here.
    const std::size_t last = p.chunks.size() - 1;
    p.slot_of.erase(p.chunks[i]);
    if (i != last) {
      p.chunks[i] = p.chunks[last];
      p.materials[i] = p.materials[last];
      std::copy_n(p.vectors.data() + last * dim, dim, p.vectors.data() + i * dim);
      p.slot_of[p.chunks[i]] = i;
    }
    p.chunks.pop_back();
    p.materials.pop_back();
    p.vectors.resize(p.vectors.size() - dim);
    changed = true;
  }
  if (!changed) return OkStatus();
  RETURN_IF_ERROR(MaintainGraph(p));
  return Save(p);
}

Status HnswVectorIndex::DeleteMaterial(MaterialId material) {
  std::shared_lock state(state_mu_);
  std::vector<AssignmentId> assignments;
  {
    std::lock_guard lock(map_mu_);
    auto it = material_assignments_.find(material);
    if (it == material_assignments_.end()) return OkStatus();
    assignments.assign(it->second.begin(), it->second.end());
  }
  for (AssignmentId a : assignments) {
    auto r = WithPartition(a, /*create=*/false, [&](Partition& p) -> Status {
      RETURN_IF_ERROR(RemoveWhere(p, material));
      // Under the partition's lock, so that an upsert of the material cannot slip in between.
      std::lock_guard lock(map_mu_);
      auto it = material_assignments_.find(material);
      if (it != material_assignments_.end()) {
        it->second.erase(a);
        if (it->second.empty()) material_assignments_.erase(it);
      }
      return OkStatus();
    });
    RETURN_IF_ERROR(r);
  }
  return OkStatus();
}

Status HnswVectorIndex::DeleteAssignment(AssignmentId assignment) {
  std::shared_lock state(state_mu_);
  for (;;) {
    auto p = Find(assignment, /*create=*/false);
    if (!p) return OkStatus();
    std::unique_lock lock(p->mu);
    if (p->dropped) continue;
    // No need to read it: even a corrupt partition can be deleted.
    return Drop(*p);
  }
}

Status HnswVectorIndex::Reset() {
  std::unique_lock state(state_mu_);  // no other call is inside the index now
  std::map<AssignmentId, std::shared_ptr<Partition>> partitions;
  {
    std::lock_guard lock(map_mu_);
    partitions.swap(partitions_);
    material_assignments_.clear();
  }
  for (auto& [a, p] : partitions) {
    std::unique_lock lock(p->mu);
    RETURN_IF_ERROR(RemoveFiles(*p));
    Unload(*p);
    p->dropped = true;
  }
  // Anything else of ours in the directory (files of an unknown partition).
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(options_.dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("assignment-")) RETURN_IF_ERROR(RemoveFile(entry.path().string()));
  }
  if (ec) return UnavailableError("cannot list " + options_.dir + ": " + ec.message());
  stored_ = options_.space;
  return WriteMeta();
}

bool HnswVectorIndex::IsLoaded(AssignmentId assignment) {
  auto p = Find(assignment, /*create=*/false);
  if (!p) return false;
  std::shared_lock lock(p->mu);
  return p->loaded && !p->dropped;
}

Result<bool> HnswVectorIndex::HasGraph(AssignmentId assignment) {
  std::shared_lock state(state_mu_);
  bool has = false;
  auto r = WithPartition(assignment, /*create=*/false, [&](Partition& p) {
    has = p.graph != nullptr;
    return OkStatus();
  });
  RETURN_IF_ERROR(r);
  return has;
}

}  // namespace ag
