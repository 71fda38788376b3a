// multipart/form-data (RFC 7578), as browsers, curl and Python's requests send uploads.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace ag {

struct MultipartPart {
  std::string name;                     // the form field
  std::optional<std::string> filename;  // present for file fields
  std::string content_type;             // of the part; may be empty
  std::string_view data;                // points into the request body
};

// The boundary parameter of a multipart/form-data Content-Type; InvalidArgument otherwise.
Result<std::string> MultipartBoundary(std::string_view content_type);

// InvalidArgument (no field) when the body is not well-formed multipart.
Result<std::vector<MultipartPart>> ParseMultipart(std::string_view body, std::string_view boundary);

// A file name reduced to its last path component, without control characters, at most 255
// bytes; "upload" when nothing is left.
std::string SanitizeFilename(std::string_view raw);

}  // namespace ag
