#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ag {

// RFC 4648 section 5, without padding (as JWTs carry it).
std::string Base64UrlEncode(std::string_view bytes);
// Padding is not accepted; nullopt for any character outside the alphabet or a bad length.
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace ag
