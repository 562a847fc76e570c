// Base64 (RFC 4648) in the standard and the URL-safe alphabet: HTTP Basic credentials, docker's
// auth.json "auth" field and JWT segments use them.
#pragma once

#include <string>
#include <string_view>

namespace layerfs {

std::string base64_encode(std::string_view data);
// Accepts padded or unpadded input; throws UserError on characters outside the alphabet.
std::string base64_decode(std::string_view text);
// The URL-safe alphabet without padding (JWT).
std::string base64url_encode(std::string_view data);

}  // namespace layerfs
