#include "rag/retriever.h"

namespace ag {

const RetrievedChunk* Retrieval::Find(ChunkId id) const {
  for (const auto& c : chunks) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

}  // namespace ag
