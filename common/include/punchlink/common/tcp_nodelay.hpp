// Turns Nagle's algorithm off on this process's TCP connections to a given peer port.
//
// Paho MQTT C (1.3.x, as Debian ships it) never sets TCP_NODELAY and offers no hook to do so
// (eclipse-paho/paho.mqtt.c#530). Every MQTT publish waits for its PUBACK, so a small packet held
// back by Nagle until the peer's delayed ACK adds 20-40 ms per hop (bench/webhook-latency.sh
// measured p99 95 ms end to end with it, 6-16 ms without). The MQTT client calls this once
// connected; the socket is found by its peer port.
#pragma once

#include <cstdint>
#include <string_view>

namespace punchlink {

// Returns how many sockets were changed.
int disableNagleForPeerPort(std::uint16_t port) noexcept;

// The port of a broker URL ("mqtts://host:8883"); without one, the scheme's default as Paho
// uses it (mqtt/tcp 1883, mqtts/ssl 8883); 0 for a port that is not a number.
std::uint16_t portOfUrl(std::string_view url) noexcept;

}  // namespace punchlink
