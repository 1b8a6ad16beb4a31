// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Minimal MD5 / SHA-256 / HMAC-SHA256 / Base64 for signing Pusher REST requests and building the
// WebSocket handshake key. Bundled (instead of OpenSSL) so the benchmark has no build dependency
// beyond a C++20 compiler; speed is irrelevant here (one signature per request).

#include <string>
#include <string_view>

namespace pusherbench {

std::string md5Hex(std::string_view data);
std::string sha256Raw(std::string_view data);
std::string hmacSha256Hex(std::string_view key, std::string_view message);
std::string base64(std::string_view data);
std::string toHex(std::string_view raw);

} // namespace pusherbench
