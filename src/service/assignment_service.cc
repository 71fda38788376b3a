#include "service/assignment_service.h"

#include "core/sha256.h"
#include "rag/extract.h"

namespace ag {
namespace {

std::vector<std::string> At(std::vector<std::string> base, std::string field) {
  base.push_back(std::move(field));
  return base;
}

Result<std::string> OptionalText(const Json& doc, const char* field,
                                 const std::vector<std::string>& location, std::size_t max) {
  auto it = doc.find(field);
  if (it == doc.end() || it->is_null()) return std::string();
  if (!it->is_string())
    return InvalidArgumentError(std::string(field) + " must be a string", At(location, field));
  if (it->get_ref<const std::string&>().size() > max) {
    return InvalidArgumentError(
        std::string(field) + " is longer than " + std::to_string(max) + " characters",
        At(location, field));
  }
  return it->get<std::string>();
}

}  // namespace

Result<NewAssignment> ParseAssignment(const Json& doc, const std::vector<std::string>& location) {
  if (!doc.is_object()) {
    return InvalidArgumentError("expected a JSON object {title, rubric}", location);
  }
  NewAssignment out;
  auto title = doc.find("title");
  if (title == doc.end() || title->is_null()) {
    return InvalidArgumentError("field required", At(location, "title"));
  }
  if (!title->is_string())
    return InvalidArgumentError("title must be a string", At(location, "title"));
  out.title = title->get<std::string>();
  if (out.title.find_first_not_of(" \t\r\n") == std::string::npos) {
    return InvalidArgumentError("title must not be empty", At(location, "title"));
  }
  if (out.title.size() > 255) {
    return InvalidArgumentError("title is longer than 255 characters", At(location, "title"));
  }
  auto rubric = doc.find("rubric");
  if (rubric == doc.end() || rubric->is_null()) {
    return InvalidArgumentError("field required", At(location, "rubric"));
  }
  RETURN_IF_ERROR(Rubric::FromJson(*rubric, At(location, "rubric")));
  out.rubric_json = *rubric;
  ASSIGN_OR_RETURN(out.question, OptionalText(doc, "question", location, 100'000));
  ASSIGN_OR_RETURN(out.reference_answer, OptionalText(doc, "reference_answer", location, 100'000));
  return out;
}

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

}  // namespace ag
