#include "service/assignment_service.h"

#include "core/sha256.h"
#include "rag/extract.h"

namespace ag {

Result<Assignment> AssignmentService::Create(const NewAssignment& a) {
  return store_.CreateAssignment(a, clock_.Now());
}

Result<AddedReference> AssignmentService::AddReference(AssignmentId assignment,
                                                       const std::string& filename,
                                                       std::string_view bytes) {
  RETURN_IF_ERROR(store_.GetAssignment(assignment));
  ASSIGN_OR_RETURN(ExtractedText extracted, ExtractText(filename, bytes));
  const std::vector<TextChunk> pieces = ChunkText(extracted.text, extracted.format, chunking_);
  ASSIGN_OR_RETURN(std::string key, blobs_.Put(bytes));
  NewMaterial m{assignment,
                filename,
                key,
                key,
                extracted.media_type,
                static_cast<std::int64_t>(bytes.size())};
  std::vector<NewChunk> chunks;
  chunks.reserve(pieces.size());
  for (const TextChunk& p : pieces) chunks.push_back({p.position, p.heading, p.text});
  ASSIGN_OR_RETURN(Material material, store_.AddMaterial(m, chunks, clock_.Now()));
  return AddedReference{material, static_cast<int>(chunks.size())};
}

Result<AddedGradedAnswers> AssignmentService::AddGradedAnswers(
    AssignmentId assignment, const Json& doc, const std::vector<std::string>& location) {
  ASSIGN_OR_RETURN(Assignment a, store_.GetAssignment(assignment));
  ASSIGN_OR_RETURN(auto answers, ParseGradedAnswers(doc, a.rubric, location));
  AddedGradedAnswers out;
  ASSIGN_OR_RETURN(out.added, store_.AddGradedAnswers(assignment, answers, clock_.Now()));
  ASSIGN_OR_RETURN(auto version, store_.GetGradedAnswersVersion(assignment));
  out.total = version.count;
  return out;
}

}  // namespace ag
