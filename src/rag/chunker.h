// Cuts extracted text into retrieval chunks that follow its structure: Markdown headings start
// a new section (and name the chunks under them), paragraphs and fenced code blocks stay whole
// when they fit, and consecutive chunks of a section share a little overlap so that a sentence
// cut at a boundary is still found whole in one of them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "rag/extract.h"

namespace ag {

struct ChunkOptions {
  std::size_t max_chars = 1200;     // a chunk's text is at most this long (bytes)
  std::size_t overlap_chars = 150;  // carried from the previous chunk of the same section
};

struct TextChunk {
  int position = 0;
  std::string heading;  // the nearest Markdown heading above, or empty
  std::string text;
};

std::vector<TextChunk> ChunkText(std::string_view text, TextFormat format,
                                 const ChunkOptions& options = {});

}  // namespace ag
