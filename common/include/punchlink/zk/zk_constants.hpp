// Command, reply, event and table codes of the ZK binary protocol (shared/reference/zk-protocol.md
// §2, §4.1, §6.1). Only the numeric values matter; names follow the reference.
#pragma once

#include <cstdint>

namespace punchlink::zk {

namespace cmd {
constexpr std::uint16_t kConnect = 1000;
constexpr std::uint16_t kExit = 1001;
constexpr std::uint16_t kEnableDevice = 1002;
constexpr std::uint16_t kDisableDevice = 1003;
constexpr std::uint16_t kRestart = 1004;
constexpr std::uint16_t kPowerOff = 1005;
constexpr std::uint16_t kRefreshData = 1013;
constexpr std::uint16_t kRefreshOption = 1014;
constexpr std::uint16_t kTestVoice = 1017;
constexpr std::uint16_t kGetVersion = 1100;
constexpr std::uint16_t kAuth = 1102;
constexpr std::uint16_t kRegEvent = 500;
constexpr std::uint16_t kCancelCapture = 62;
constexpr std::uint16_t kStartVerify = 60;
constexpr std::uint16_t kStateRrq = 64;
constexpr std::uint16_t kGetPinWidth = 69;
constexpr std::uint16_t kUnlock = 31;
constexpr std::uint16_t kDbRrq = 7;
constexpr std::uint16_t kUserWrq = 8;
constexpr std::uint16_t kUserTempRrq = 9;
constexpr std::uint16_t kOptionsRrq = 11;
constexpr std::uint16_t kOptionsWrq = 12;
constexpr std::uint16_t kAttLogRrq = 13;
constexpr std::uint16_t kClearData = 14;
constexpr std::uint16_t kClearAttLog = 15;
constexpr std::uint16_t kDeleteUser = 18;
constexpr std::uint16_t kDeleteUserTemp = 19;
constexpr std::uint16_t kGetFreeSizes = 50;
constexpr std::uint16_t kGetUserTemp = 88;
constexpr std::uint16_t kSaveUserTemps = 110;
constexpr std::uint16_t kDelUserTemp = 134;
constexpr std::uint16_t kGetTime = 201;
constexpr std::uint16_t kSetTime = 202;
constexpr std::uint16_t kPrepareData = 1500;
constexpr std::uint16_t kData = 1501;
constexpr std::uint16_t kFreeData = 1502;
constexpr std::uint16_t kPrepareBuffer = 1503;  // CMD_DATA_WRRQ
constexpr std::uint16_t kReadBuffer = 1504;     // CMD_DATA_RDY
}  // namespace cmd

namespace reply {
constexpr std::uint16_t kAckOk = 2000;
constexpr std::uint16_t kAckError = 2001;
constexpr std::uint16_t kAckData = 2002;
constexpr std::uint16_t kAckRetry = 2003;
constexpr std::uint16_t kAckRepeat = 2004;
constexpr std::uint16_t kAckUnauth = 2005;
constexpr std::uint16_t kAckUnknown = 65535;
}  // namespace reply

// Event flags for CMD_REG_EVENT masks; the event packet carries one in its session field.
namespace event {
constexpr std::uint32_t kAttLog = 1;
constexpr std::uint32_t kFinger = 2;
constexpr std::uint32_t kEnrollUser = 4;
constexpr std::uint32_t kEnrollFinger = 8;
constexpr std::uint32_t kButton = 16;
constexpr std::uint32_t kUnlock = 32;
constexpr std::uint32_t kVerify = 128;
constexpr std::uint32_t kFpFtr = 256;
constexpr std::uint32_t kAlarm = 512;
}  // namespace event

// Table codes (FCT_*) used in bulk reads.
namespace fct {
constexpr std::uint8_t kAttLog = 1;
constexpr std::uint8_t kFingerTmp = 2;
constexpr std::uint8_t kOpLog = 4;
constexpr std::uint8_t kUser = 5;
}  // namespace fct

}  // namespace punchlink::zk
