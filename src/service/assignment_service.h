// Use cases around assignments: creating one from its JSON document, and adding reference
// material (kept as a blob, its text cut into chunks for retrieval).
#pragma once

#include <string>
#include <vector>

#include "blob/blob_store.h"
#include "core/clock.h"
#include "core/json.h"
#include "rag/chunker.h"
#include "store/store.h"

namespace ag {

// Reads an assignment document: {title, rubric, question?, reference_answer?}. Errors name the
// field below `location` (e.g. {"body", "rubric", "intro", "max_points"}).
Result<NewAssignment> ParseAssignment(const Json& doc, const std::vector<std::string>& location);

struct AddedReference {
  Material material;
  int chunks_created = 0;
};

class AssignmentService {
 public:
  AssignmentService(Store& store, BlobStore& blobs, const Clock& clock, ChunkOptions chunking = {})
      : store_(store), blobs_(blobs), clock_(clock), chunking_(chunking) {}

  Result<Assignment> Create(const NewAssignment& a);
  // NotFound when the assignment does not exist; InvalidArgument when the file is unusable.
  Result<AddedReference> AddReference(AssignmentId assignment, const std::string& filename,
                                      std::string_view bytes);

 private:
  Store& store_;
  BlobStore& blobs_;
  const Clock& clock_;
  ChunkOptions chunking_;
};

}  // namespace ag
