// An upload as the API reads it: the Content-Type's boundary (the input's first line), then the
// multipart body (the rest), then the `file` field and the other form fields.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/handler_util.h"
#include "http/multipart.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto newline = bytes.find('\n');
  ag::HttpRequest request;
  request.method = "POST";
  request.headers.emplace_back("content-type", std::string(bytes.substr(0, newline)));
  if (newline != std::string_view::npos) request.body = std::string(bytes.substr(newline + 1));
  auto file = ag::FileField(request);
  if (file.ok()) {
    (void)ag::SanitizeFilename(file->filename);
    for (const auto& [k, v] : file->fields) (void)(k.size() + v.size());
  }
  return 0;
}
