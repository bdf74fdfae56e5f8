#include "admin_cli.hpp"

#include <punchlink/common/crypto.hpp>
#include <punchlink/contract/topics.hpp>

namespace punchlink::relay {

namespace {

// --name VALUE options and positional words, in order.
struct Parsed {
  std::vector<std::string> words;
  std::vector<std::pair<std::string, std::string>> options;
  std::vector<std::string> flags;
};

Parsed parse(const std::vector<std::string>& args) {
  Parsed parsed;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--test") {
      parsed.flags.push_back(args[i]);
    } else if (args[i].rfind("--", 0) == 0 && i + 1 < args.size()) {
      parsed.options.emplace_back(args[i], args[i + 1]);
      ++i;
    } else {
      parsed.words.push_back(args[i]);
    }
  }
  return parsed;
}

std::string option(const Parsed& parsed, const std::string& name) {
  for (const auto& [key, value] : parsed.options) {
    if (key == name) {
      return value;
    }
  }
  return {};
}

int fail(std::ostream& err, const Error& error) {
  err << "punchlink-relay: " << error.toString() << "\n";
  return 1;
}

int usage(std::ostream& err) {
  err << "usage: punchlink-relay --config FILE tenants create NAME | tenants list\n"
         "       punchlink-relay --config FILE keys create --tenant ID [--test] [--label TEXT]\n"
         "       punchlink-relay --config FILE keys list --tenant ID | keys revoke KEY_ID\n"
         "       punchlink-relay --config FILE sites create --tenant ID SITE_ID\n"
         "       punchlink-relay --config FILE migrate\n";
  return 2;
}

}  // namespace

int runAdminCommand(Store& store,
                    const std::vector<std::string>& args,
                    std::ostream& out,
                    std::ostream& err) {
  const Parsed parsed = parse(args);
  if (parsed.words.empty()) {
    return usage(err);
  }
  const std::string& noun = parsed.words[0];
  const std::string verb = parsed.words.size() > 1 ? parsed.words[1] : "";
  if (noun == "migrate" && parsed.words.size() == 1) {
    out << "database is up to date\n";  // migrations ran when the store was opened
    return 0;
  }
  if (noun == "tenants" && verb == "create" && parsed.words.size() == 3) {
    auto tenant = store.createTenant(parsed.words[2]);
    if (!tenant) {
      return fail(err, tenant.error());
    }
    out << tenant->id << "\t" << tenant->name << "\n";
    return 0;
  }
  if (noun == "tenants" && verb == "list" && parsed.words.size() == 2) {
    auto tenants = store.listTenants();
    if (!tenants) {
      return fail(err, tenants.error());
    }
    for (const auto& tenant : *tenants) {
      out << tenant.id << "\t" << tenant.name << "\t" << tenant.created_at << "\n";
    }
    return 0;
  }
  if (noun == "keys" && verb == "create" && parsed.words.size() == 2) {
    const std::string tenant = option(parsed, "--tenant");
    if (tenant.empty()) {
      return usage(err);
    }
    const bool test = !parsed.flags.empty();
    auto key = store.createApiKey(tenant, !test, option(parsed, "--label"));
    if (!key) {
      return fail(err, key.error());
    }
    out << "API key " << key->info.id << " for tenant " << tenant << " (" << key->info.mode
        << "):\n"
        << key->secret << "\n"
        << "Store it now: it is shown only once.\n";
    return 0;
  }
  if (noun == "keys" && verb == "list" && parsed.words.size() == 2) {
    const std::string tenant = option(parsed, "--tenant");
    if (tenant.empty()) {
      return usage(err);
    }
    auto keys = store.listApiKeys(tenant);
    if (!keys) {
      return fail(err, keys.error());
    }
    for (const auto& key : *keys) {
      out << key.id << "\t" << key.prefix << "…\t" << key.mode << "\t" << key.label << "\t"
          << (key.revoked_at ? "revoked " + *key.revoked_at : "active") << "\n";
    }
    return 0;
  }
  if (noun == "keys" && verb == "revoke" && parsed.words.size() == 3) {
    if (auto revoked = store.revokeApiKey(parsed.words[2]); !revoked) {
      return fail(err, revoked.error());
    }
    out << "revoked " << parsed.words[2] << "\n";
    return 0;
  }
  if (noun == "sites" && verb == "create" && parsed.words.size() == 3) {
    const std::string tenant = option(parsed, "--tenant");
    if (tenant.empty()) {
      return usage(err);
    }
    auto site = store.createSite(tenant, parsed.words[2]);
    if (!site) {
      return fail(err, site.error());
    }
    // The broker, not the relay, checks agents' credentials: print what to give each side.
    const std::string password = crypto::randomHexToken(16);
    out << "site " << site->id << " created for tenant " << tenant << "\n\n"
        << "Agent (/etc/punchlink/agent.yaml):\n"
        << "  site_id: " << site->id << "\n"
        << "  uplink.username: " << site->id << "\n"
        << "  uplink.password_file containing: " << password << "\n\n"
        << "Broker (Mosquitto):\n"
        << "  mosquitto_passwd -b /etc/mosquitto/punchlink.passwd " << site->id << " " << password
        << "\n"
        << "  ACL (once for all sites): pattern readwrite " << contract::siteAclPattern() << "\n"
        << "The password is shown only once.\n";
    return 0;
  }
  return usage(err);
}

}  // namespace punchlink::relay
