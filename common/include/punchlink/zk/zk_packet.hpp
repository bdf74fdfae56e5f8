// ZK binary protocol packets and their framing on TCP and UDP (reference §1). Sans-I/O: these
// functions only turn bytes into packets and back; sockets live in the client and emulator.
#pragma once

#include <punchlink/common/result.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace punchlink::zk {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

constexpr std::size_t kHeaderSize = 8;
constexpr std::size_t kTcpEnvelopeSize = 8;
// FW receives UDP into a 1032-byte buffer (§1.4).
constexpr std::size_t kMaxUdpRequest = 1032;
// Largest TCP packet we accept: the FW data chunk (65528) plus the header, with some slack. A
// length field beyond this is treated as garbage, never allocated (§1.3, §1.7).
constexpr std::size_t kMaxTcpPacket = 65536 + 1024;

struct Packet {
  std::uint16_t command = 0;
  std::uint16_t session = 0;   // in replies also "Data1": state, size, index or error code
  std::uint16_t reply_id = 0;  // client-chosen sequence, echoed by the device
  Bytes data;

  friend bool operator==(const Packet&, const Packet&) = default;
};

// RFC 1071 checksum of header (checksum field taken as 0) + data, as §1.5 specifies.
std::uint16_t checksum(std::uint16_t command,
                       std::uint16_t session,
                       std::uint16_t reply_id,
                       ByteView data) noexcept;

// Header + data with a correct checksum (the UDP wire form).
void encodePacket(const Packet& packet, Bytes& out);
// "PP" envelope + header + data (the TCP wire form).
void encodeTcpPacket(const Packet& packet, Bytes& out);

Bytes encodePacket(const Packet& packet);
Bytes encodeTcpPacket(const Packet& packet);

struct NeedMore {
  std::size_t min_total;  // bytes the buffer must hold before another attempt can succeed
};

struct Decoded {
  Packet packet;
  std::size_t consumed;
};

struct Malformed {
  std::string reason;
  std::size_t skip;  // bytes to discard before trying again (≥ 1)
};

using FrameResult = std::variant<NeedMore, Decoded, Malformed>;

enum class ChecksumPolicy { Verify, Ignore };

// Decodes the first TCP packet in `buffer` (a byte stream that may hold several packets or part
// of one). Never throws; never allocates more than the checked length.
FrameResult decodeTcpFrame(ByteView buffer, ChecksumPolicy policy = ChecksumPolicy::Verify);

// Decodes one UDP datagram (header + data, no envelope).
Result<Packet> decodeDatagram(ByteView datagram, ChecksumPolicy policy = ChecksumPolicy::Verify);

// Little-endian helpers over spans; callers check sizes first.
std::uint16_t readU16(ByteView bytes, std::size_t offset) noexcept;
std::uint32_t readU32(ByteView bytes, std::size_t offset) noexcept;
void appendU16(Bytes& out, std::uint16_t value);
void appendU32(Bytes& out, std::uint32_t value);
void putU16(Bytes& out, std::size_t offset, std::uint16_t value) noexcept;
void putU32(Bytes& out, std::size_t offset, std::uint32_t value) noexcept;

// A fixed-width NUL-padded string field (names, user ids); stops at the first NUL.
std::string readFixedString(ByteView bytes, std::size_t offset, std::size_t width);
void putFixedString(Bytes& out, std::size_t offset, std::size_t width, std::string_view text);

// "50 50 82 7d 08 00 …" for test failure messages and logs.
std::string toHexDump(ByteView bytes, std::size_t limit = 64);

}  // namespace punchlink::zk
