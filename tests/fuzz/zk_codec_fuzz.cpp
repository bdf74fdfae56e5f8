// libFuzzer target for every ZK decoder: TCP stream framing, datagrams, records, events (punches
// and device events), descriptors, options, chunk assembly and record streaming. Bad input must
// give errors, never a crash, an out-of-bounds read or an allocation sized by an unchecked length;
// a device event that decodes must survive encode → decode unchanged.
#include <punchlink/zk/zk_bulk.hpp>
#include <punchlink/zk/zk_constants.hpp>
#include <punchlink/zk/zk_packet.hpp>
#include <punchlink/zk/zk_records.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace {

using namespace punchlink::zk;

// A broken invariant is a finding: abort so libFuzzer (or the replay ctest) reports the input.
void check(bool condition) {
  if (!condition) {
    std::abort();
  }
}

void decodeDeviceEventAs(std::uint16_t flag, ByteView payload) {
  const auto event = decodeDeviceEvent(flag, payload);
  if (!event) {
    return;
  }
  check(event->flag == flag && deviceEventFlag(event->kind) == flag);
  const auto again = decodeDeviceEvent(flag, encodeDeviceEvent(*event));
  check(again.ok() && *again == *event);
}

void decodeRecords(ByteView bytes) {
  for (auto format :
       {AttendanceFormat::Record40, AttendanceFormat::Record16, AttendanceFormat::Record8}) {
    (void)decodeAttendance(bytes, format);
  }
  (void)decodeUser(bytes, UserFormat::Record72);
  (void)decodeUser(bytes, UserFormat::Record28);
  std::size_t consumed = 0;
  (void)decodeTemplate(bytes, consumed);
  (void)decodeFreeSizes(bytes);
  (void)decodeAttendanceEvent(bytes);
  for (const std::uint32_t flag : {event::kUnlock, event::kVerify, event::kAlarm}) {
    decodeDeviceEventAs(static_cast<std::uint16_t>(flag), bytes);
  }
  (void)decodeBufferQuery(bytes);
  (void)decodeBufferDescriptor(bytes);
  (void)decodeRange(bytes);
  (void)parseOptionReply(bytes, "~SerialNumber");
  (void)checkCommKey(bytes, 12345, 0x4A2B);
  if (bytes.size() >= 4) {
    (void)decodePackedTime(readU32(bytes, 0));
  }
  (void)decodeEventTime(bytes, 0);
}

void streamRecords(ByteView bytes) {
  if (bytes.empty()) {
    return;
  }
  // The first byte picks the table kind and how the rest is split into pieces.
  const auto kind = static_cast<RecordKind>(bytes[0] % 3);
  const std::size_t piece = 1 + (bytes[0] >> 2U);
  RecordStream stream(kind, 0, bytes.size() > 1 ? bytes[1] : 0);
  ByteView rest = bytes.subspan(1);
  while (!rest.empty()) {
    const std::size_t n = std::min(piece, rest.size());
    if (!stream.feed(rest.first(n))) {
      return;
    }
    rest = rest.subspan(n);
  }
  (void)stream.finish();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView bytes(data, size);
  // A TCP stream: decode packets until the buffer needs more.
  ChunkReceiver chunk(0);
  std::size_t offset = 0;
  while (offset < bytes.size()) {
    const auto frame = decodeTcpFrame(bytes.subspan(offset), ChecksumPolicy::Ignore);
    if (std::holds_alternative<NeedMore>(frame)) {
      break;
    }
    if (const auto* malformed = std::get_if<Malformed>(&frame)) {
      offset += malformed->skip;
      continue;
    }
    const auto& decoded = std::get<Decoded>(frame);
    offset += decoded.consumed;
    chunk.feed(decoded.packet);
    decodeRecords(decoded.packet.data);
    if (decoded.packet.command == cmd::kRegEvent) {
      // An event packet: the flag travels in the session field (§6.2).
      decodeDeviceEventAs(decoded.packet.session, decoded.packet.data);
    }
  }
  (void)decodeDatagram(bytes);
  (void)decodeDatagram(bytes, ChecksumPolicy::Ignore);
  decodeRecords(bytes);
  streamRecords(bytes);
  return 0;
}
