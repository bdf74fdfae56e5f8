#include "sim_cli.hpp"

#include <charconv>
#include <string_view>

namespace punchlink::zksim {

namespace {

template <typename T>
Result<T> number(std::string_view flag, std::string_view text, T min, T max) {
  long long value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr != text.data() + text.size() ||
      value < static_cast<long long>(min) || value > static_cast<long long>(max)) {
    return makeError(ErrorCode::InvalidInput,
                     std::string(flag) + " needs a number from " + std::to_string(min) + " to " +
                         std::to_string(max) + ", got \"" + std::string(text) + "\"");
  }
  return static_cast<T>(value);
}

}  // namespace

std::string usageText() {
  return R"(usage: zk-sim [options]
Emulates a ZKTeco-family terminal: ZK binary protocol on TCP and UDP (same port), plus a JSON
control API on 127.0.0.1. When ready it prints one line:
  zk-sim ready tcp=P udp=P control=C serial=SN

  --port P                 TCP and UDP port (0 = pick a free one; default 0)
  --control-port C         control API port on 127.0.0.1 (0 = pick; default 0)
  --users N                generate N users (uid 1..N, user_id 1001..) with templates
  --logs M                 generate M attendance records
  --seed S                 seed for generated data (default 1)
  --templates-per-user T   templates per generated user (0..10, default 1)
  --fixture FILE           load users, templates and attendance from a JSON file
  --auto-punch-per-minute N
                           record N punches a minute of random existing users on its own, as
                           POST /punches does: logged and sent as real-time events (0..6000;
                           default 0 = off; the choice of users follows --seed)
  --comm-key K             require this comm key (0..999999; default 0 = none)
  --serial SN              serial number (default ZKSIM0000001)
  --name NAME              device name (default zk-sim)
  --firmware TEXT          version string (default "Ver 6.60 Apr 26 2016")
  --tz ZONE                IANA zone of the device clock (default UTC)
  --attendance-format F    40, 16 or 8 byte attendance records (default 40)
  --user-format F          72 or 28 byte user records (default 72)
  --face                   report a face block in free sizes
  --pacing-ms MS           pause after each bulk CMD_DATA, as firmware does (default 20)
  --psize N                bytes per TCP CMD_DATA packet (default 65528; old firmware 1008)
  --tcp-only, --udp-only   serve one transport (the other port refuses)
  --lenient-checksums      accept packets with wrong checksums
  --empty-table-error      answer bulk reads of empty tables with ACK_ERROR, as firmware does
  --fw-inline-chunks       answer small chunk reads inline, as firmware does (breaks node-zklib)
  --push-url URL           also act as an ADMS push terminal calling URL (http://host:port),
                           e.g. the agent's push listener
  --push-retry S           seconds between attempts until the server's handshake sets
                           ErrorDelay and Delay (1..3600; default 30)
  --push-batch N           attendance records per ATTLOG upload (1..10000; default 100)
  --push-device-type T     DeviceType sent in the handshake: att or acc (default att); acc
                           devices upload device events as rtlog/rtstate instead of OPLOG
  --temperature-unit U     unit of pushed ATTLOG temperatures: c or f (default c; control API
                           temperatures are in degrees C and converted)
  --push-key KEY           send ComKey=KEY on every push request, as firmware with the push
                           comm key on does (default: none)
  --push-source ADDR       call the server from this local IP address (e.g. 127.0.0.2, to
                           act as a second host on loopback; default: chosen by the system)
  --help                   this text
)";
}

Result<CliOptions> parseCli(int argc, const char* const* argv) {
  CliOptions cli;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    const auto value = [&]() -> Result<std::string_view> {
      if (i + 1 >= argc) {
        return makeError(ErrorCode::InvalidInput, std::string(flag) + " needs a value");
      }
      return std::string_view(argv[++i]);
    };
    const auto take = [&](auto& target, auto min, auto max) -> Status {
      auto text = value();
      if (!text) {
        return text.error();
      }
      auto parsed = number<std::decay_t<decltype(target)>>(flag, *text, min, max);
      if (!parsed) {
        return parsed.error();
      }
      target = *parsed;
      return {};
    };
    const auto takeString = [&](std::string& target) -> Status {
      auto text = value();
      if (!text) {
        return text.error();
      }
      target = std::string(*text);
      return {};
    };
    Status status;
    if (flag == "--help" || flag == "-h") {
      cli.help = true;
    } else if (flag == "--port") {
      status = take(cli.server.port, std::uint16_t{0}, std::uint16_t{65535});
    } else if (flag == "--control-port") {
      status = take(cli.control_port, std::uint16_t{0}, std::uint16_t{65535});
    } else if (flag == "--users") {
      status = take(cli.generated.users, 0U, 65000U);
    } else if (flag == "--logs") {
      status = take(cli.generated.logs, 0U, 10'000'000U);
    } else if (flag == "--seed") {
      status = take(cli.generated.seed, std::uint64_t{0}, std::uint64_t{1} << 62U);
    } else if (flag == "--templates-per-user") {
      status = take(cli.generated.templates_per_user, 0U, 10U);
    } else if (flag == "--auto-punch-per-minute") {
      status = take(cli.auto_punch_per_minute, 0U, kMaxAutoPunchesPerMinute);
    } else if (flag == "--comm-key") {
      status = take(cli.identity.comm_key, 0U, 999'999U);
    } else if (flag == "--serial") {
      status = takeString(cli.identity.serial);
    } else if (flag == "--name") {
      status = takeString(cli.identity.name);
    } else if (flag == "--firmware") {
      status = takeString(cli.identity.firmware);
    } else if (flag == "--tz") {
      status = takeString(cli.identity.time_zone);
      if (status && !TimeZone::find(cli.identity.time_zone)) {
        status = TimeZone::find(cli.identity.time_zone).error();
      }
    } else if (flag == "--fixture") {
      status = takeString(cli.fixture);
    } else if (flag == "--attendance-format") {
      int size = 0;
      status = take(size, 8, 40);
      if (status && size != 40 && size != 16 && size != 8) {
        status = makeError(ErrorCode::InvalidInput, "--attendance-format must be 40, 16 or 8");
      }
      cli.identity.attendance_format = static_cast<zk::AttendanceFormat>(size);
    } else if (flag == "--user-format") {
      int size = 0;
      status = take(size, 28, 72);
      if (status && size != 72 && size != 28) {
        status = makeError(ErrorCode::InvalidInput, "--user-format must be 72 or 28");
      }
      cli.identity.user_format = static_cast<zk::UserFormat>(size);
    } else if (flag == "--face") {
      cli.identity.face = true;
    } else if (flag == "--pacing-ms") {
      int ms = 0;
      status = take(ms, 0, 10'000);
      cli.sim.pacing = std::chrono::milliseconds{ms};
    } else if (flag == "--psize") {
      status = take(cli.sim.tcp_psize, 64U, 65528U);
    } else if (flag == "--tcp-only") {
      cli.server.udp = false;
    } else if (flag == "--udp-only") {
      cli.server.tcp = false;
    } else if (flag == "--lenient-checksums") {
      cli.sim.checksums = zk::ChecksumPolicy::Ignore;
    } else if (flag == "--empty-table-error") {
      cli.sim.empty_table_error = true;
    } else if (flag == "--fw-inline-chunks") {
      cli.sim.inline_small_chunks = true;
    } else if (flag == "--push-url") {
      status = takeString(cli.push.url);
      if (status && !cli.push.url.starts_with("http://")) {
        status = makeError(ErrorCode::InvalidInput,
                           "--push-url must be http://host:port (terminals call plain HTTP)");
      }
    } else if (flag == "--push-retry") {
      int seconds = 0;
      status = take(seconds, 1, 3600);
      cli.push.retry = std::chrono::seconds{seconds};
    } else if (flag == "--push-batch") {
      status = take(cli.push.batch, std::size_t{1}, std::size_t{10'000});
    } else if (flag == "--push-device-type") {
      status = takeString(cli.push.device_type);
      if (status && cli.push.device_type != "att" && cli.push.device_type != "acc") {
        status = makeError(ErrorCode::InvalidInput, "--push-device-type must be att or acc");
      }
    } else if (flag == "--temperature-unit") {
      std::string unit;
      status = takeString(unit);
      if (status && unit != "c" && unit != "f") {
        status = makeError(ErrorCode::InvalidInput, "--temperature-unit must be c or f");
      }
      cli.push.fahrenheit = unit == "f";
    } else if (flag == "--push-key") {
      status = takeString(cli.push.comm_key);
    } else if (flag == "--push-source") {
      status = takeString(cli.push.source_address);
    } else {
      return makeError(ErrorCode::InvalidInput, "unknown option " + std::string(flag));
    }
    if (!status) {
      return status.error();
    }
  }
  if (!cli.server.tcp && !cli.server.udp) {
    return makeError(ErrorCode::InvalidInput, "--tcp-only and --udp-only exclude each other");
  }
  return cli;
}

}  // namespace punchlink::zksim
