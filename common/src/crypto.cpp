#include <punchlink/common/crypto.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <limits>
#include <stdexcept>

namespace punchlink::crypto {

namespace {

constexpr std::string_view kHexDigits = "0123456789abcdef";

int base64Value(char c) noexcept {
  if (c >= 'A' && c <= 'Z') {
    return c - 'A';
  }
  if (c >= 'a' && c <= 'z') {
    return c - 'a' + 26;
  }
  if (c >= '0' && c <= '9') {
    return c - '0' + 52;
  }
  if (c == '+') {
    return 62;
  }
  if (c == '/') {
    return 63;
  }
  return -1;
}

}  // namespace

Digest256 sha256(std::span<const std::uint8_t> data) {
  Digest256 out{};
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &length, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("OpenSSL SHA-256 failed");
  }
  return out;
}

Digest256 sha256(std::string_view data) { return sha256(asBytes(data)); }

Digest256 hmacSha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> data) {
  if (key.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw std::invalid_argument("HMAC key too long");
  }
  Digest256 out{};
  unsigned int length = 0;
  // OpenSSL wants a non-null key pointer even for an empty key.
  static constexpr std::uint8_t kEmpty = 0;
  const std::uint8_t* key_data = key.empty() ? &kEmpty : key.data();
  if (HMAC(EVP_sha256(), key_data, static_cast<int>(key.size()), data.data(), data.size(),
           out.data(), &length) == nullptr) {
    throw std::runtime_error("OpenSSL HMAC-SHA256 failed");
  }
  return out;
}

Digest256 hmacSha256(std::string_view key, std::string_view data) {
  return hmacSha256(asBytes(key), asBytes(data));
}

int hexDigitValue(char c) noexcept {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

std::string toHex(std::span<const std::uint8_t> bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::uint8_t byte : bytes) {
    out.push_back(kHexDigits[byte >> 4U]);
    out.push_back(kHexDigits[byte & 0x0FU]);
  }
  return out;
}

Result<std::vector<std::uint8_t>> fromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    return makeError(ErrorCode::InvalidInput, "hex string has an odd number of digits");
  }
  std::vector<std::uint8_t> out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int high = hexDigitValue(hex[i]);
    const int low = hexDigitValue(hex[i + 1]);
    if (high < 0 || low < 0) {
      return makeError(ErrorCode::InvalidInput,
                       "invalid hex digit at position " + std::to_string(high < 0 ? i : i + 1));
    }
    out.push_back(static_cast<std::uint8_t>((high << 4) | low));
  }
  return out;
}

std::string base64Encode(std::span<const std::uint8_t> bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  if (bytes.empty()) {
    return out;
  }
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(),
                                      static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

std::string base64Encode(std::string_view bytes) { return base64Encode(asBytes(bytes)); }

Result<std::vector<std::uint8_t>> base64Decode(std::string_view text) {
  // Hand-written rather than EVP_DecodeBlock, which silently accepts whitespace and loses the
  // padding information needed to know the exact length.
  if (text.size() % 4 != 0) {
    return makeError(ErrorCode::InvalidInput,
                     "base64 length " + std::to_string(text.size()) + " is not a multiple of 4",
                     "send standard base64 with '=' padding");
  }
  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    int values[4] = {0, 0, 0, 0};
    int padding = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      const char c = text[i + j];
      if (c == '=' && last && j >= 2) {
        ++padding;
        continue;
      }
      if (padding > 0) {
        return makeError(ErrorCode::InvalidInput, "base64 padding in the middle of the data");
      }
      values[j] = base64Value(c);
      if (values[j] < 0) {
        return makeError(ErrorCode::InvalidInput,
                         "invalid base64 character at position " + std::to_string(i + j));
      }
    }
    const auto triple = (static_cast<std::uint32_t>(values[0]) << 18U) |
                        (static_cast<std::uint32_t>(values[1]) << 12U) |
                        (static_cast<std::uint32_t>(values[2]) << 6U) |
                        static_cast<std::uint32_t>(values[3]);
    out.push_back(static_cast<std::uint8_t>(triple >> 16U));
    if (padding < 2) {
      out.push_back(static_cast<std::uint8_t>(triple >> 8U));
    }
    if (padding < 1) {
      out.push_back(static_cast<std::uint8_t>(triple));
    }
  }
  return out;
}

bool constantTimeEqual(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) {
    return false;
  }
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::vector<std::uint8_t> randomBytes(std::size_t count) {
  std::vector<std::uint8_t> out(count);
  if (count > 0 && RAND_bytes(out.data(), static_cast<int>(count)) != 1) {
    throw std::runtime_error("OpenSSL could not produce random bytes (entropy source failed)");
  }
  return out;
}

std::string randomHexToken(std::size_t bytes) { return toHex(randomBytes(bytes)); }

}  // namespace punchlink::crypto
