// The embedded VectorIndex: one partition per assignment, in memory and on disk, each searched
// exactly while small and through an HNSW graph (hnswlib 0.6.2) once large.
//
// On disk, under `dir` (one process per directory):
//   index.json                   {"format": 1, "model": ..., "dimension": ...}: the stored space
//   assignment-<id>.points       the partition's points (the truth): chunk and material ids and
//                                unit vectors, with a checksum (format in docs/retrieval.md)
//   assignment-<id>.<gen>.hnsw   its HNSW graph (hnswlib's own format), a cache that the
//                                points file names by generation and checksum
// Every write goes to a temporary file renamed into place: the graph first, then the points file
// (the commit), then the old graph is removed. A crash leaves the old or the new partition; a
// missing, stale or corrupt graph is rebuilt from the points.
//
// Partitions are read lazily, on their first use; Open reads only their headers (to know which
// partitions hold a material). Each has a reader-writer lock: searches of one assignment run in
// parallel, and wait only for writes to the same assignment. Every mutation rewrites the
// partition's files before it returns (fine for material uploads, one batch per material).
//
// Exact or graph: a partition below `exact_below` points is scanned (100% recall and, measured
// in bench/vector_index_bench.cc, no slower than the graph there); at that size its graph is
// built, and dropped again below half of it. hnswlib allocates about 2.6 MB per graph however
// small (65,536 update locks), one more reason small partitions have none. Distances are our
// own AVX2-or-SSE inner product, chosen at load time, for the scan and the graph alike.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "vector/rw_mutex.h"
#include "vector/vector_index.h"

namespace ag {

struct HnswVectorIndexOptions {
  std::string dir;            // required: the index's directory (<data-dir>/vectors); created
  EmbeddingSpace space;       // required: the embedder's model() and dimension()
  int m = 16;                 // HNSW links per node (M); 16
  int ef_construction = 200;  // HNSW candidates while inserting; 200
  // HNSW candidates while searching (at least k); 160: recall@10 0.97 on 5,000 random 100-d
  // vectors (the hard case), 0.999 on 10,000 GloVe vectors.
  int ef_search = 160;
  // Partitions with fewer points are scanned and have no graph; 0: always a graph. 8000: the
  // scan and the graph (ef 160) cost the same near 8,000 100-d points here (~90 µs).
  int exact_below = 8000;
  bool fsync = false;  // DURABILITY=full: fsync every file and the directory
};

class HnswVectorIndex final : public VectorIndex {
 public:
  // InvalidArgument for bad options; Unavailable when the directory cannot be created or read.
  // A directory holding another space opens, reporting needs_reindex().
  static Result<std::unique_ptr<HnswVectorIndex>> Open(HnswVectorIndexOptions options);
  ~HnswVectorIndex() override;

  VectorIndexInfo Info() const override;
  Status Upsert(const std::vector<VectorPoint>& points) override;
  Result<std::vector<VectorHit>> Search(AssignmentId assignment, std::span<const float> query,
                                        int k) override;
  Status DeleteMaterial(MaterialId material) override;
  Status DeleteAssignment(AssignmentId assignment) override;
  Status Reset() override;

  // For tests and benchmarks: whether the assignment's partition is in memory, and whether it
  // has a graph (loading it if needed).
  bool IsLoaded(AssignmentId assignment);
  Result<bool> HasGraph(AssignmentId assignment);

 private:
  struct Partition;
  struct DistanceSpace;

  explicit HnswVectorIndex(HnswVectorIndexOptions options);
  std::string PointsPath(AssignmentId assignment) const;
  std::string GraphPath(AssignmentId assignment, std::uint64_t generation) const;
  Status NeedsReindexError() const;
  Status WriteMeta();
  Status Scan();
  std::shared_ptr<Partition> Find(AssignmentId assignment, bool create);
  // Runs `fn` on the partition, read if need be and locked for writing; false when there is
  // none (and `create` is false).
  template <typename Fn>
  Result<bool> WithPartition(AssignmentId assignment, bool create, Fn&& fn);
  // The rest run with the partition locked for writing (SearchLoaded: for reading).
  Status Load(Partition& p);
  void Unload(Partition& p);
  Status BuildGraph(Partition& p);
  Status MaintainGraph(Partition& p);
  Status Save(Partition& p);
  Status RemoveFiles(Partition& p);
  Status Drop(Partition& p);
  Status RemoveWhere(Partition& p, MaterialId material);
  std::vector<VectorHit> SearchLoaded(const Partition& p, const std::vector<float>& query,
                                      std::size_t k) const;

  const HnswVectorIndexOptions options_;
  std::unique_ptr<DistanceSpace> space_;  // hnswlib's distance space, shared by every graph

  // Reset takes it exclusively, everything else shared.
  mutable RwMutex state_mu_;
  EmbeddingSpace stored_;

  std::mutex map_mu_;  // guards the two maps; never held while waiting for a partition
  std::map<AssignmentId, std::shared_ptr<Partition>> partitions_;
  // Which assignments hold points of a material (a superset: stale entries cost a no-op).
  std::map<MaterialId, std::set<AssignmentId>> material_assignments_;
};

}  // namespace ag
