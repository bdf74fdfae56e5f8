// Hashing, HMAC and encodings over OpenSSL, used for webhook signatures, API-key hashes and
// comm-key proofs. Pure functions: safe from any thread.
#pragma once

#include <punchlink/common/result.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace punchlink::crypto {

using Digest256 = std::array<std::uint8_t, 32>;

Digest256 sha256(std::span<const std::uint8_t> data);
Digest256 sha256(std::string_view data);

// HMAC-SHA256 (RFC 2104) with a key of any length.
Digest256 hmacSha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> data);
Digest256 hmacSha256(std::string_view key, std::string_view data);

// Lowercase hex, as webhook receivers compare it.
std::string toHex(std::span<const std::uint8_t> bytes);
Result<std::vector<std::uint8_t>> fromHex(std::string_view hex);
// The value of one hex digit (either case), or -1.
int hexDigitValue(char c) noexcept;

// Standard base64 with padding (RFC 4648 §4).
std::string base64Encode(std::span<const std::uint8_t> bytes);
std::string base64Encode(std::string_view bytes);
// Accepts padded standard base64 and ignores no characters: anything else is an error.
Result<std::vector<std::uint8_t>> base64Decode(std::string_view text);

// Compares in time that depends only on the lengths, so secrets cannot be guessed byte by byte.
bool constantTimeEqual(std::string_view a, std::string_view b) noexcept;

// Cryptographically secure random bytes (OpenSSL's DRBG). Throws std::runtime_error only if the
// system's entropy source fails, which is not recoverable.
std::vector<std::uint8_t> randomBytes(std::size_t count);

// A random token of `bytes` bytes, hex-encoded, e.g. for secrets such as "whsec_" +
// randomHexToken(24).
std::string randomHexToken(std::size_t bytes);

inline std::span<const std::uint8_t> asBytes(std::string_view text) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

}  // namespace punchlink::crypto
