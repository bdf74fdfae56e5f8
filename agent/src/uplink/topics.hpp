// The MQTT topic tree of one site (docs/mqtt-contract.md). Pure.
#pragma once

#include <string>

namespace punchlink::agent {

class SiteTopics {
 public:
  explicit SiteTopics(std::string site_id)
      : prefix_("punchlink/v1/sites/" + std::move(site_id) + "/") {}

  std::string punches() const { return prefix_ + "punches"; }

  std::string acks() const { return prefix_ + "acks"; }

  std::string status() const { return prefix_ + "status"; }

  std::string deviceStatus(const std::string& serial) const {
    return prefix_ + "devices/" + serial + "/status";
  }

  std::string commands() const { return prefix_ + "commands"; }

  std::string commandResults() const { return prefix_ + "command-results"; }

 private:
  std::string prefix_;
};

}  // namespace punchlink::agent
