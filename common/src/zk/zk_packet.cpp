#include <punchlink/zk/zk_packet.hpp>

#include <algorithm>
#include <cstdio>

namespace punchlink::zk {

namespace {

constexpr std::uint8_t kTag0 = 0x50;
constexpr std::uint8_t kTag1 = 0x50;
constexpr std::uint8_t kTcpCmd = 0x82;
constexpr std::uint8_t kTcpCheck = 0x7D;

std::uint32_t sumWords(ByteView bytes, std::uint32_t sum) noexcept {
  std::size_t i = 0;
  for (; i + 1 < bytes.size(); i += 2) {
    sum += static_cast<std::uint32_t>(bytes[i]) | (static_cast<std::uint32_t>(bytes[i + 1]) << 8U);
  }
  if (i < bytes.size()) {
    sum += bytes[i];  // odd length: the last byte is a word with a zero high byte
  }
  return sum;
}

Result<Packet> parsePacket(ByteView bytes, ChecksumPolicy policy) {
  if (bytes.size() < kHeaderSize) {
    return makeError(ErrorCode::InvalidInput, "packet of " + std::to_string(bytes.size()) +
                                                  " bytes is shorter than the " + "8-byte header");
  }
  Packet packet;
  packet.command = readU16(bytes, 0);
  const std::uint16_t wire_checksum = readU16(bytes, 2);
  packet.session = readU16(bytes, 4);
  packet.reply_id = readU16(bytes, 6);
  const ByteView data = bytes.subspan(kHeaderSize);
  if (policy == ChecksumPolicy::Verify) {
    const std::uint16_t expected = checksum(packet.command, packet.session, packet.reply_id, data);
    if (expected != wire_checksum) {
      char text[96];
      std::snprintf(text, sizeof text, "checksum mismatch (got 0x%04x, expected 0x%04x)",
                    wire_checksum, expected);
      return makeError(ErrorCode::InvalidInput, text);
    }
  }
  packet.data.assign(data.begin(), data.end());
  return packet;
}

}  // namespace

std::uint16_t readU16(ByteView bytes, std::size_t offset) noexcept {
  return static_cast<std::uint16_t>(bytes[offset] | (bytes[offset + 1] << 8U));
}

std::uint32_t readU32(ByteView bytes, std::size_t offset) noexcept {
  return static_cast<std::uint32_t>(bytes[offset]) |
         (static_cast<std::uint32_t>(bytes[offset + 1]) << 8U) |
         (static_cast<std::uint32_t>(bytes[offset + 2]) << 16U) |
         (static_cast<std::uint32_t>(bytes[offset + 3]) << 24U);
}

void appendU16(Bytes& out, std::uint16_t value) {
  out.push_back(static_cast<std::uint8_t>(value & 0xFFU));
  out.push_back(static_cast<std::uint8_t>(value >> 8U));
}

void appendU32(Bytes& out, std::uint32_t value) {
  for (unsigned shift = 0; shift < 32; shift += 8) {
    out.push_back(static_cast<std::uint8_t>((value >> shift) & 0xFFU));
  }
}

void putU16(Bytes& out, std::size_t offset, std::uint16_t value) noexcept {
  out[offset] = static_cast<std::uint8_t>(value & 0xFFU);
  out[offset + 1] = static_cast<std::uint8_t>(value >> 8U);
}

void putU32(Bytes& out, std::size_t offset, std::uint32_t value) noexcept {
  for (unsigned i = 0; i < 4; ++i) {
    out[offset + i] = static_cast<std::uint8_t>((value >> (8 * i)) & 0xFFU);
  }
}

std::string readFixedString(ByteView bytes, std::size_t offset, std::size_t width) {
  const auto field = bytes.subspan(offset, width);
  const auto end = std::find(field.begin(), field.end(), std::uint8_t{0});
  return {field.begin(), end};
}

void putFixedString(Bytes& out, std::size_t offset, std::size_t width, std::string_view text) {
  const std::size_t n = std::min(width, text.size());
  std::copy_n(text.begin(), n, out.begin() + static_cast<std::ptrdiff_t>(offset));
  std::fill_n(out.begin() + static_cast<std::ptrdiff_t>(offset + n), width - n, std::uint8_t{0});
}

std::uint16_t checksum(std::uint16_t command,
                       std::uint16_t session,
                       std::uint16_t reply_id,
                       ByteView data) noexcept {
  std::uint32_t sum = std::uint32_t{command} + session + reply_id;
  sum = sumWords(data, sum);
  while ((sum >> 16U) != 0) {
    sum = (sum & 0xFFFFU) + (sum >> 16U);
  }
  return static_cast<std::uint16_t>(~sum & 0xFFFFU);
}

void encodePacket(const Packet& packet, Bytes& out) {
  const std::size_t start = out.size();
  out.resize(start + kHeaderSize);
  putU16(out, start, packet.command);
  putU16(out, start + 2, checksum(packet.command, packet.session, packet.reply_id, packet.data));
  putU16(out, start + 4, packet.session);
  putU16(out, start + 6, packet.reply_id);
  out.insert(out.end(), packet.data.begin(), packet.data.end());
}

void encodeTcpPacket(const Packet& packet, Bytes& out) {
  out.reserve(out.size() + kTcpEnvelopeSize + kHeaderSize + packet.data.size());
  out.push_back(kTag0);
  out.push_back(kTag1);
  out.push_back(kTcpCmd);
  out.push_back(kTcpCheck);
  appendU32(out, static_cast<std::uint32_t>(kHeaderSize + packet.data.size()));
  encodePacket(packet, out);
}

Bytes encodePacket(const Packet& packet) {
  Bytes out;
  encodePacket(packet, out);
  return out;
}

Bytes encodeTcpPacket(const Packet& packet) {
  Bytes out;
  encodeTcpPacket(packet, out);
  return out;
}

FrameResult decodeTcpFrame(ByteView buffer, ChecksumPolicy policy) {
  if (buffer.size() < kTcpEnvelopeSize) {
    return NeedMore{kTcpEnvelopeSize};
  }
  // FW validates only bytes 2-3 of the envelope (§1.3); we also want "PP" so that a stream that
  // lost sync resynchronises on the next real envelope rather than on random bytes.
  if (buffer[0] != kTag0 || buffer[1] != kTag1 || buffer[2] != kTcpCmd || buffer[3] != kTcpCheck) {
    static constexpr std::uint8_t kMagic[] = {kTag0, kTag1, kTcpCmd, kTcpCheck};
    const auto next =
        std::search(buffer.begin() + 1, buffer.end(), std::begin(kMagic), std::end(kMagic));
    // Not found: keep the last 3 bytes, which may be the start of the next envelope.
    const std::size_t skip = next != buffer.end() ? static_cast<std::size_t>(next - buffer.begin())
                                                  : std::max<std::size_t>(1, buffer.size() - 3);
    return Malformed{"TCP envelope does not start with 50 50 82 7d", skip};
  }
  const std::uint32_t length = readU32(buffer, 4);
  if (length < kHeaderSize || length > kMaxTcpPacket) {
    return Malformed{"TCP envelope length " + std::to_string(length) + " outside 8.." +
                         std::to_string(kMaxTcpPacket),
                     kTcpEnvelopeSize};
  }
  const std::size_t total = kTcpEnvelopeSize + length;
  if (buffer.size() < total) {
    return NeedMore{total};
  }
  auto packet = parsePacket(buffer.subspan(kTcpEnvelopeSize, length), policy);
  if (!packet) {
    return Malformed{packet.error().message, total};
  }
  return Decoded{std::move(packet.value()), total};
}

Result<Packet> decodeDatagram(ByteView datagram, ChecksumPolicy policy) {
  if (datagram.size() > kMaxTcpPacket) {
    return makeError(ErrorCode::InvalidInput, "datagram too large");
  }
  return parsePacket(datagram, policy);
}

std::string toHexDump(ByteView bytes, std::size_t limit) {
  std::string out;
  const std::size_t n = std::min(bytes.size(), limit);
  for (std::size_t i = 0; i < n; ++i) {
    char hex[4];
    std::snprintf(hex, sizeof hex, "%02x", bytes[i]);
    if (i > 0) {
      out += ' ';
    }
    out += hex;
  }
  if (bytes.size() > limit) {
    out += " … (" + std::to_string(bytes.size()) + " bytes)";
  }
  return out;
}

}  // namespace punchlink::zk
