#include "rag/chunker.h"

#include <algorithm>

namespace ag {
namespace {

struct Block {
  std::string heading;
  std::string text;
};

std::string_view Trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\n");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\n");
  return s.substr(b, e - b + 1);
}

// Markdown ATX heading ("## Title") -> "Title"; empty when the line is not a heading.
std::string_view HeadingOf(std::string_view line) {
  std::size_t hashes = 0;
  while (hashes < line.size() && line[hashes] == '#') ++hashes;
  if (hashes == 0 || hashes > 6 || hashes >= line.size() || line[hashes] != ' ') return {};
  return Trim(line.substr(hashes + 1));
}

bool IsFence(std::string_view line) {
  const auto t = Trim(line);
  return t.substr(0, 3) == "```" || t.substr(0, 3) == "~~~";
}

std::vector<Block> SplitBlocks(std::string_view text, TextFormat format) {
  std::vector<Block> blocks;
  std::string heading;
  std::string current;
  bool in_fence = false;
  auto flush = [&] {
    const auto t = Trim(current);
    if (!t.empty()) blocks.push_back({heading, std::string(t)});
    current.clear();
  };
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    const std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (format == TextFormat::kMarkdown && IsFence(line)) {
      if (!in_fence) flush();
      current.append(line).push_back('\n');
      in_fence = !in_fence;
      if (!in_fence) flush();
    } else if (in_fence) {
      current.append(line).push_back('\n');
    } else if (format == TextFormat::kMarkdown && !HeadingOf(line).empty()) {
      flush();
      heading = std::string(HeadingOf(line));
    } else if (Trim(line).empty()) {
      flush();
    } else {
      current.append(line).push_back('\n');
    }
    if (nl == text.size()) break;
  }
  flush();
  return blocks;
}

// The last `n` bytes of `s`, starting at a word boundary.
std::string Tail(std::string_view s, std::size_t n) {
  if (n == 0) return {};
  if (s.size() <= n) return std::string(s);
  std::size_t start = s.size() - n;
  const auto space = s.find_first_of(" \n", start);
  if (space != std::string_view::npos && space + 1 < s.size()) start = space + 1;
  // Never start inside a UTF-8 sequence.
  while (start < s.size() && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) ++start;
  return std::string(s.substr(start));
}

// Cuts a block longer than `max` at the last sentence end or space before the limit.
std::vector<std::string> SplitLong(std::string_view s, std::size_t max, std::size_t overlap) {
  std::vector<std::string> parts;
  while (s.size() > max) {
    std::size_t cut = std::string_view::npos;
    for (std::size_t i = max; i > max / 2; --i) {
      const char c = s[i - 1];
      if ((c == '.' || c == '!' || c == '?' || c == '\n') && (s[i] == ' ' || s[i] == '\n')) {
        cut = i;
        break;
      }
    }
    if (cut == std::string_view::npos) {
      const auto space = s.substr(0, max).find_last_of(" \n");
      cut = (space != std::string_view::npos && space > max / 2) ? space : max;
      while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    }
    parts.emplace_back(Trim(s.substr(0, cut)));
    const std::size_t back = std::min(overlap, cut / 2);
    std::size_t next = cut - back;
    if (back > 0) {
      const auto space = s.find_first_of(" \n", next);
      if (space != std::string_view::npos && space < cut) next = space + 1;
    }
    while (next < s.size() && (static_cast<unsigned char>(s[next]) & 0xC0) == 0x80) ++next;
    s.remove_prefix(next);
  }
  if (!Trim(s).empty()) parts.emplace_back(Trim(s));
  return parts;
}

}  // namespace

std::vector<TextChunk> ChunkText(std::string_view text, TextFormat format,
                                 const ChunkOptions& options) {
  const std::size_t max = std::max<std::size_t>(options.max_chars, 64);
  const std::size_t overlap = std::min(options.overlap_chars, max / 4);
  std::vector<TextChunk> chunks;
  std::string current;
  std::string heading;
  auto emit = [&] {
    if (!Trim(current).empty()) {
      chunks.push_back({static_cast<int>(chunks.size()), heading, std::string(Trim(current))});
    }
    current.clear();
  };
  for (const Block& block : SplitBlocks(text, format)) {
    if (block.heading != heading) {
      emit();
      heading = block.heading;
    }
    for (const std::string& piece : SplitLong(block.text, max - overlap - 2, overlap)) {
      if (!current.empty() && current.size() + 2 + piece.size() > max) {
        std::string carry = Tail(current, overlap);
        emit();
        current = std::move(carry);
      }
      if (!current.empty()) current += "\n\n";
      current += piece;
    }
  }
  emit();
  return chunks;
}

}  // namespace ag
