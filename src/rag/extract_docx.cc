// DOCX text through libzip (the archive, opened in memory) and pugixml (its XML).
//
// Only word/document.xml's body is read (headers, footers, footnotes and comments are not), in
// document order:
//   - a paragraph whose style is a heading (`Heading1`..`Heading9`, `Title`, a style whose name
//     in word/styles.xml is "heading N" or "title" whatever its localized id, or any style or
//     paragraph with an outline level) becomes a Markdown heading, `#` to `######`;
//   - a numbered or bulleted paragraph (w:numPr, on the paragraph or its style) becomes a `- `
//     item, indented two spaces per level; consecutive items form one block;
//   - a table becomes one block with one line per row, cells separated by " | ";
//   - any other paragraph becomes a block of its own; w:tab is a tab, w:br a line break.
// Deleted text of tracked changes is left out, inserted text kept; a text box's paragraphs
// follow the paragraph that anchors them (the VML fallback copy of a drawing is skipped).
//
// A DOCX is a ZIP archive, so it is read defensively: at most kMaxEntries entries, and no XML
// part inflates past kMaxExtractedBytes however small the archive (a ZIP bomb) or whatever size
// its directory claims. pugixml neither expands DTD entities nor fetches anything.
#include <zip.h>
#include <pugixml.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <memory>
#include <new>
#include <optional>
#include <vector>

#include "core/text.h"
#include "rag/extract_formats.h"

namespace ag::extract_internal {
namespace {

constexpr zip_int64_t kMaxEntries = 10'000;
constexpr int kMaxDepth = 64;  // of nested tables, content controls and runs
constexpr std::string_view kWordNamespaces[] = {
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main",  // transitional
    "http://purl.oclc.org/ooxml/wordprocessingml/main",              // strict
};

struct ZipDiscard {
  void operator()(zip_t* zip) const { zip_discard(zip); }
};
struct ZipClose {
  void operator()(zip_file_t* file) const { zip_fclose(file); }
};

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Replaces tabs and line breaks with spaces and trims: text that must stay on one line.
std::string OneLine(std::string_view s) {
  std::string out(s);
  std::replace_if(
      out.begin(), out.end(), [](char c) { return c == '\n' || c == '\t' || c == '\r'; }, ' ');
  const auto b = out.find_first_not_of(' ');
  if (b == std::string::npos) return "";
  return out.substr(b, out.find_last_not_of(' ') - b + 1);
}

// The opened archive of the upload `name`; owns `zip`.
class Archive {
 public:
  Archive(std::string name, zip_t* zip) : name_(std::move(name)), zip_(zip) {}

  // The whole of one entry; nullopt when there is none of that name (compared without case, as
  // OPC part names are); InvalidArgument when it is damaged, encrypted or inflates too far.
  Result<std::optional<std::string>> Read(const char* entry) const {
    const zip_int64_t index = zip_name_locate(zip_.get(), entry, ZIP_FL_NOCASE);
    if (index < 0) return std::optional<std::string>();
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(zip_.get(), static_cast<zip_uint64_t>(index), 0, &st) == 0 &&
        (st.valid & ZIP_STAT_SIZE) != 0 && st.size > kMaxExtractedBytes) {
      return TooLarge(entry);
    }
    std::unique_ptr<zip_file_t, ZipClose> file(
        zip_fopen_index(zip_.get(), static_cast<zip_uint64_t>(index), 0));
    if (file == nullptr) {
      if (zip_error_code_zip(zip_get_error(zip_.get())) == ZIP_ER_NOPASSWD) {
        return InvalidArgumentError("file " + name_ +
                                    " is password-protected; upload it without a password");
      }
      return Damaged(entry, zip_strerror(zip_.get()));
    }
    std::string data;
    if ((st.valid & ZIP_STAT_SIZE) != 0) data.reserve(st.size);
    std::array<char, 64 * 1024> buffer;
    for (;;) {
      const zip_int64_t n = zip_fread(file.get(), buffer.data(), buffer.size());
      if (n < 0) return Damaged(entry, zip_file_strerror(file.get()));
      if (n == 0) break;
      if (data.size() + static_cast<std::size_t>(n) > kMaxExtractedBytes) return TooLarge(entry);
      data.append(buffer.data(), static_cast<std::size_t>(n));
    }
    return std::optional<std::string>(std::move(data));
  }

 private:
  Status TooLarge(const char* entry) const {
    return InvalidArgumentError("file " + name_ + " is refused: its " + entry +
                                " inflates to more than " +
                                std::to_string(kMaxExtractedBytes >> 20) + " MiB");
  }
  Status Damaged(const char* entry, const char* why) const {
    return InvalidArgumentError("file " + name_ + " is not a readable DOCX (" + entry +
                                " is damaged: " + why + ")");
  }

  std::string name_;
  std::unique_ptr<zip_t, ZipDiscard> zip_;
};

Result<Archive> OpenArchive(const std::string& name, std::string_view bytes) {
  // Word's encrypted documents and the old .doc format are OLE compound files, not ZIP.
  if (bytes.substr(0, 8) == "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
    return InvalidArgumentError("file " + name +
                                " is a password-protected or old-format (.doc) Word file; save it "
                                "as .docx without a password");
  }
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  zip_t* zip = source == nullptr ? nullptr : zip_open_from_source(source, ZIP_RDONLY, &error);
  if (zip == nullptr) {
    const bool looks_zip = bytes.substr(0, 4) == "PK\x03\x04";
    std::string why = zip_error_strerror(&error);
    zip_error_fini(&error);
    if (source != nullptr) zip_source_free(source);
    if (!looks_zip) {
      return InvalidArgumentError("file " + name + " is not a DOCX (not a ZIP archive)");
    }
    return InvalidArgumentError(
        "file " + name + " is not a readable DOCX (damaged or truncated ZIP archive: " + why + ")");
  }
  zip_error_fini(&error);
  Archive archive(name, zip);
  if (zip_get_num_entries(zip, 0) > kMaxEntries) {
    return InvalidArgumentError("file " + name + " is refused: its ZIP archive has more than " +
                                std::to_string(kMaxEntries) + " entries");
  }
  return archive;
}

Result<pugi::xml_document> ParseXml(const std::string& name, const char* entry, std::string& xml) {
  pugi::xml_document doc;
  const pugi::xml_parse_result parsed =
      doc.load_buffer_inplace(xml.data(), xml.size(), pugi::parse_default | pugi::parse_ws_pcdata);
  if (!parsed) {
    return InvalidArgumentError("file " + name + " is not a readable DOCX (" + entry +
                                " is not valid XML: " + parsed.description() + " at byte " +
                                std::to_string(parsed.offset) + ")");
  }
  return doc;
}

// Element names of WordprocessingML under the prefix the document binds to its namespace
// (pugixml does not resolve namespaces; Word writes "w:", other producers may not).
class WordNames {
 public:
  explicit WordNames(pugi::xml_node root) {
    for (const pugi::xml_attribute a : root.attributes()) {
      const std::string_view attr = a.name();
      const std::string_view uri = a.value();
      if (std::find(std::begin(kWordNamespaces), std::end(kWordNamespaces), uri) ==
          std::end(kWordNamespaces)) {
        continue;
      }
      if (attr == "xmlns") {
        prefix_.clear();
        break;
      }
      if (attr.substr(0, 6) == "xmlns:") {
        prefix_ = std::string(attr.substr(6)) + ":";
        break;
      }
    }
  }

  // The local name of a WordprocessingML element, or "" for any other node.
  std::string_view Local(pugi::xml_node node) const {
    if (node.type() != pugi::node_element) return {};
    std::string_view name = node.name();
    if (name.substr(0, prefix_.size()) != prefix_) return {};
    name.remove_prefix(prefix_.size());
    return name.find(':') == std::string_view::npos ? name : std::string_view();
  }

  pugi::xml_node Child(pugi::xml_node node, std::string_view local) const {
    for (const pugi::xml_node c : node.children()) {
      if (Local(c) == local) return c;
    }
    return {};
  }

  // The attribute w:`local`, "" when absent.
  std::string_view Attr(pugi::xml_node node, std::string_view local) const {
    return node.attribute((prefix_ + std::string(local)).c_str()).value();
  }
  std::string_view Val(pugi::xml_node node) const { return Attr(node, "val"); }

 private:
  std::string prefix_ = "w:";
};

// What a paragraph style says about structure.
struct StyleInfo {
  int heading = 0;  // 1.. for a heading, 0 otherwise
  bool list = false;
  std::string based_on;
};

// 0 unless `level` is an outline level of a heading ("0".."8" -> 1..9; 9 is body text).
int OutlineHeading(std::string_view level) {
  if (level.size() != 1 || level[0] < '0' || level[0] > '8') return 0;
  return level[0] - '0' + 1;
}

// "heading 3" / "Heading3" -> 3, "title" -> 1, otherwise 0.
int HeadingFromName(std::string_view name) {
  std::string n = Lower(name);
  n.erase(std::remove(n.begin(), n.end(), ' '), n.end());
  if (n == "title") return 1;
  if (n.size() == 8 && n.substr(0, 7) == "heading" && n[7] >= '1' && n[7] <= '9') {
    return n[7] - '0';
  }
  return 0;
}

class DocxWriter {
 public:
  DocxWriter(const WordNames& w, std::map<std::string, StyleInfo, std::less<>> styles)
      : w_(w), styles_(std::move(styles)) {}

  Status WriteBody(pugi::xml_node body) {
    Blocks(body, 0);
    if (too_deep_) return InvalidArgumentError("word/document.xml is nested too deeply");
    return OkStatus();
  }
  std::string Take() { return std::move(out_); }

 private:
  void Blocks(pugi::xml_node parent, int depth) {
    if (depth > kMaxDepth) {
      too_deep_ = true;
      return;
    }
    for (const pugi::xml_node child : parent.children()) {
      const std::string_view local = w_.Local(child);
      if (local == "p") {
        Paragraph(child);
      } else if (local == "tbl") {
        Table(child, depth);
      } else if (local == "sdt") {
        Blocks(w_.Child(child, "sdtContent"), depth + 1);
      } else if (local == "customXml" || local == "ins" || local == "moveTo") {
        Blocks(child, depth + 1);
      }
    }
  }

  // The text of a paragraph's runs, with '\t' and '\n' for w:tab and w:br.
  void Runs(pugi::xml_node node, std::string& text, int depth) {
    if (depth > kMaxDepth) {
      too_deep_ = true;
      return;
    }
    for (const pugi::xml_node child : node.children()) {
      const std::string_view local = w_.Local(child);
      if (local == "t") {
        text += child.child_value();
      } else if (local == "tab" || local == "ptab") {
        text += '\t';
      } else if (local == "br" || local == "cr") {
        text += '\n';
      } else if (local == "noBreakHyphen") {
        text += '-';
      } else if (local == "p") {  // a text box's paragraph
        text += '\n';
        Runs(child, text, depth + 1);
      } else if (local == "pPr" || local == "rPr" || local == "del" || local == "moveFrom") {
        continue;  // properties (w:tabs holds w:tab stops), deleted text
      } else if (child.type() == pugi::node_element) {
        const std::string_view name = child.name();
        const auto colon = name.find(':');
        if (colon != std::string_view::npos && name.substr(colon + 1) == "Fallback") continue;
        Runs(child, text, depth + 1);  // w:r, w:hyperlink, w:ins, w:sdt, w:drawing, ...
      }
    }
  }

  void StartBlock(bool list_item) {
    if (!out_.empty() && !(list_item && last_was_list_)) out_.push_back('\n');
    last_was_list_ = list_item;
  }

  void Paragraph(pugi::xml_node p) {
    const pugi::xml_node props = w_.Child(p, "pPr");
    int heading = 0;
    bool list = false;
    const std::string_view style_id = w_.Val(w_.Child(props, "pStyle"));
    if (!style_id.empty()) {
      if (const auto it = styles_.find(style_id); it != styles_.end()) {
        heading = it->second.heading;
        list = it->second.list;
      } else {
        heading = HeadingFromName(style_id);  // no styles.xml: the built-in ids
      }
    }
    if (const pugi::xml_node outline = w_.Child(props, "outlineLvl")) {
      heading = OutlineHeading(w_.Val(outline));
    }
    int level = 0;
    if (const pugi::xml_node num = w_.Child(props, "numPr")) {
      list = w_.Val(w_.Child(num, "numId")) != "0";
      const std::string_view ilvl = w_.Val(w_.Child(num, "ilvl"));
      if (ilvl.size() == 1 && ilvl[0] >= '0' && ilvl[0] <= '8') level = ilvl[0] - '0';
    }
    std::string text;
    Runs(p, text, 0);
    if (heading > 0) {
      const std::string line = OneLine(text);
      if (line.empty()) return;
      StartBlock(false);
      out_.append(static_cast<std::size_t>(std::min(heading, 6)), '#');
      out_.append(" ").append(line).push_back('\n');
      return;
    }
    if (text.find_first_not_of(" \t\n") == std::string::npos) return;
    StartBlock(list);
    const std::string indent(static_cast<std::size_t>(level) * 2, ' ');
    std::string_view rest = text;
    for (bool first = true; !rest.empty() || first; first = false) {
      const auto nl = rest.find('\n');
      std::string_view line = rest.substr(0, nl);
      rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
      const auto end = line.find_last_not_of(" \t");
      line = end == std::string_view::npos ? std::string_view() : line.substr(0, end + 1);
      if (list) {
        const std::string_view trimmed =
            line.substr(std::min(line.size(), line.find_first_not_of(" \t")));
        if (first) {
          out_.append(indent).append("- ").append(trimmed).push_back('\n');
        } else if (!trimmed.empty()) {
          out_.append(indent).append("  ").append(trimmed).push_back('\n');
        }
      } else {
        AppendTextLine(out_, line);
      }
    }
  }

  // A cell's paragraphs (and nested tables) on one line.
  void CellText(pugi::xml_node node, std::string& text, int depth) {
    if (depth > kMaxDepth) {
      too_deep_ = true;
      return;
    }
    for (const pugi::xml_node child : node.children()) {
      const std::string_view local = w_.Local(child);
      if (local == "p") {
        std::string paragraph;
        Runs(child, paragraph, depth + 1);
        const std::string line = OneLine(paragraph);
        if (line.empty()) continue;
        if (!text.empty()) text += ' ';
        text += line;
      } else if (local == "tbl" || local == "tr" || local == "tc" || local == "sdt" ||
                 local == "sdtContent" || local == "customXml" || local == "ins") {
        CellText(child, text, depth + 1);
      }
    }
  }

  void Rows(pugi::xml_node parent, std::vector<std::string>& rows, int depth) {
    if (depth > kMaxDepth) {
      too_deep_ = true;
      return;
    }
    for (const pugi::xml_node child : parent.children()) {
      const std::string_view local = w_.Local(child);
      if (local == "tr") {
        std::string row;
        bool any = false;
        for (const pugi::xml_node cell : child.children()) {
          std::string text;
          const std::string_view cell_local = w_.Local(cell);
          if (cell_local == "tc") {
            CellText(cell, text, depth + 1);
          } else if (cell_local == "sdt") {
            CellText(w_.Child(cell, "sdtContent"), text, depth + 1);
          } else {
            continue;
          }
          if (!row.empty() || any) row += " | ";
          row += text;
          any = true;
        }
        if (row.find_first_not_of(" |") != std::string::npos) rows.push_back(std::move(row));
      } else if (local == "sdt") {
        Rows(w_.Child(child, "sdtContent"), rows, depth + 1);
      } else if (local == "customXml" || local == "ins") {
        Rows(child, rows, depth + 1);
      }
    }
  }

  void Table(pugi::xml_node table, int depth) {
    std::vector<std::string> rows;
    Rows(table, rows, depth + 1);
    if (rows.empty()) return;
    StartBlock(false);
    for (const std::string& row : rows) AppendTextLine(out_, row);
  }

  const WordNames& w_;
  std::map<std::string, StyleInfo, std::less<>> styles_;
  std::string out_;
  bool last_was_list_ = false;
  bool too_deep_ = false;
};

// Paragraph styles by id, their heading level and list-ness resolved through w:basedOn.
std::map<std::string, StyleInfo, std::less<>> ReadStyles(pugi::xml_node root) {
  const WordNames w(root);
  std::map<std::string, StyleInfo, std::less<>> styles;
  for (const pugi::xml_node style : root.children()) {
    if (w.Local(style) != "style") continue;
    const std::string id(w.Attr(style, "styleId"));
    const pugi::xml_node props = w.Child(style, "pPr");
    StyleInfo info;
    info.heading = HeadingFromName(w.Val(w.Child(style, "name")));
    if (const pugi::xml_node outline = w.Child(props, "outlineLvl"); outline && info.heading == 0) {
      info.heading = OutlineHeading(w.Val(outline));
    }
    if (const pugi::xml_node num = w.Child(props, "numPr")) {
      info.list = w.Val(w.Child(num, "numId")) != "0";
    }
    info.based_on = std::string(w.Val(w.Child(style, "basedOn")));
    if (!id.empty()) styles.emplace(id, std::move(info));
  }
  // A style inherits what it does not say from its base (a short chain; a cycle stops).
  std::map<std::string, StyleInfo, std::less<>> resolved = styles;
  for (auto& [id, info] : resolved) {
    std::string base = info.based_on;
    for (int hops = 0; hops < 10 && !base.empty(); ++hops) {
      const auto it = styles.find(base);
      if (it == styles.end()) break;
      if (info.heading == 0) info.heading = it->second.heading;
      info.list = info.list || it->second.list;
      base = it->second.based_on;
    }
  }
  return resolved;
}

Result<std::string> Extract(std::string_view filename, std::string_view bytes) {
  const std::string name(filename);
  ASSIGN_OR_RETURN(Archive archive, OpenArchive(name, bytes));
  ASSIGN_OR_RETURN(std::optional<std::string> document, archive.Read("word/document.xml"));
  if (!document) {
    return InvalidArgumentError("file " + name +
                                " is not a DOCX (its ZIP archive has no word/document.xml)");
  }
  ASSIGN_OR_RETURN(pugi::xml_document xml, ParseXml(name, "word/document.xml", *document));
  const pugi::xml_node root = xml.document_element();
  const WordNames w(root);
  const pugi::xml_node body = w.Child(root, "body");
  if (w.Local(root) != "document" || !body) {
    return InvalidArgumentError("file " + name +
                                " is not a readable DOCX (word/document.xml has no w:body)");
  }
  // Styles only refine headings and lists: a damaged or missing styles.xml falls back to the
  // built-in style ids.
  std::map<std::string, StyleInfo, std::less<>> styles;
  if (auto styles_xml = archive.Read("word/styles.xml"); styles_xml.ok() && *styles_xml) {
    if (auto parsed = ParseXml(name, "word/styles.xml", **styles_xml); parsed.ok()) {
      styles = ReadStyles(parsed->document_element());
    }
  }
  DocxWriter writer(w, std::move(styles));
  if (Status s = writer.WriteBody(body); !s.ok()) return s.WithContext("file " + name);
  std::string out = writer.Take();
  if (out.find_first_not_of(" \t\n") == std::string::npos) {
    return InvalidArgumentError("file " + name + " has no text");
  }
  if (!IsValidUtf8(out)) {
    return InvalidArgumentError("file " + name +
                                " is not a readable DOCX (word/document.xml is not UTF-8)");
  }
  if (out.size() > kMaxExtractedBytes) {
    return InvalidArgumentError("file " + name + " has more than " +
                                std::to_string(kMaxExtractedBytes >> 20) + " MiB of text");
  }
  return out;
}

}  // namespace

Result<std::string> DocxToMarkdown(std::string_view filename, std::string_view bytes) {
  try {
    return Extract(filename, bytes);
  } catch (const std::bad_alloc&) {
    return InvalidArgumentError("file " + std::string(filename) + " is too large to extract");
  } catch (const std::exception& e) {
    return InternalError("DOCX extraction of " + std::string(filename) + " failed: " + e.what());
  }
}

}  // namespace ag::extract_internal
