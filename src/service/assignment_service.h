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

// Reads graded answers for `rubric`: {"answers": [{"answer": "...", "score": 3} or
// {"answer": "...", "points": {"criterion": 2, ...}}, ...]}. Errors name the field below
// `location` (e.g. {"body", "answers", "3", "points", "intro"}).
Result<std::vector<NewGradedAnswer>> ParseGradedAnswers(const Json& doc, const Rubric& rubric,
                                                        const std::vector<std::string>& location);

struct AddedGradedAnswers {
  int added = 0;
  std::int64_t total = 0;  // the assignment's graded answers after the import
};

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
  // Examples for the local grader. NotFound when the assignment does not exist;
  // InvalidArgument naming the field for a bad document.
  Result<AddedGradedAnswers> AddGradedAnswers(AssignmentId assignment, const Json& doc,
                                              const std::vector<std::string>& location);

 private:
  Store& store_;
  BlobStore& blobs_;
  const Clock& clock_;
  ChunkOptions chunking_;
};

}  // namespace ag
