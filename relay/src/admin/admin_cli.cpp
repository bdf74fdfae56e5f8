#include "admin_cli.hpp"

#include "admin/webhook_ensure.hpp"
#include "events/event_catalogue.hpp"
#include "events/subscription.hpp"
#include "tenancy/tenancy.hpp"
#include "webhooks/endpoint_fields.hpp"

#include <punchlink/common/crypto.hpp>
#include <punchlink/common/text.hpp>
#include <punchlink/common/utc_time.hpp>
#include <punchlink/contract/topics.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <string_view>
#include <variant>

namespace punchlink::relay {

namespace {

constexpr const char* kUsage =
    "usage: punchlink-relay --config FILE tenants create NAME | tenants list\n"
    "       punchlink-relay --config FILE keys create --tenant ID [--test] [--label TEXT]\n"
    "       punchlink-relay --config FILE keys list --tenant ID | keys revoke KEY_ID\n"
    "       punchlink-relay --config FILE sites create --tenant ID SITE_ID\n"
    "       punchlink-relay --config FILE webhooks ensure --tenant ID --url URL\n"
    "                       --secret-file PATH [--description TEXT] [--events TYPE,TYPE]\n"
    "                       [--max-events-per-request N]\n"
    "       punchlink-relay --config FILE migrate\n";

// A secret file longer than this is not one the relay wrote: it is replaced.
constexpr std::size_t kMaxSecretFileSize = 4096;

// --name VALUE options and positional words, in order.
struct Parsed {
  std::vector<std::string> words;
  std::vector<std::pair<std::string, std::string>> options;
  std::vector<std::string> flags;
  std::string without_value;  // an option given last, with no value after it
};

Parsed parse(const std::vector<std::string>& args) {
  Parsed parsed;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--test") {
      parsed.flags.push_back(args[i]);
    } else if (args[i].rfind("--", 0) == 0 && i + 1 < args.size()) {
      parsed.options.emplace_back(args[i], args[i + 1]);
      ++i;
    } else if (args[i].rfind("--", 0) == 0) {
      parsed.without_value = args[i];
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

bool hasOption(const Parsed& parsed, const std::string& name) {
  return std::any_of(parsed.options.begin(), parsed.options.end(),
                     [&](const auto& entry) { return entry.first == name; });
}

// What is wrong with the options of a command that takes `allowed` (and --test if
// `test_flag`): an unknown, repeated or value-less option.
std::optional<std::string> optionProblem(const Parsed& parsed,
                                         std::initializer_list<std::string_view> allowed,
                                         bool test_flag = false) {
  if (!parsed.without_value.empty()) {
    return parsed.without_value + " needs a value after it";
  }
  if (!test_flag && !parsed.flags.empty()) {
    return "--test is only for keys create";
  }
  for (std::size_t i = 0; i < parsed.options.size(); ++i) {
    const std::string& name = parsed.options[i].first;
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      return "unknown option " + name + " for " + parsed.words[0] +
             (parsed.words.size() > 1 ? " " + parsed.words[1] : "");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (parsed.options[j].first == name) {
        return name + " is given twice; give it once";
      }
    }
  }
  return std::nullopt;
}

// What is wrong with the options of a command other than webhooks ensure: a misspelt option is
// an error rather than quietly ignored.
std::optional<std::string> commandOptionProblem(const Parsed& parsed) {
  const std::string& noun = parsed.words[0];
  const std::string verb = parsed.words.size() > 1 ? parsed.words[1] : "";
  if (noun == "keys" && verb == "create") {
    return optionProblem(parsed, {"--tenant", "--label"}, true);
  }
  if ((noun == "keys" && verb == "list") || (noun == "sites" && verb == "create")) {
    return optionProblem(parsed, {"--tenant"});
  }
  return optionProblem(parsed, {});
}

int fail(std::ostream& err, const Error& error) {
  err << "punchlink-relay: " << error.toString() << "\n";
  return 1;
}

int usage(std::ostream& err) {
  err << kUsage;
  return 2;
}

int usage(std::ostream& err, const std::string& problem) {
  err << "punchlink-relay: " << problem << "\n";
  return usage(err);
}

// The secret in `path` (trailing whitespace trimmed); empty if there is no such file.
Result<std::string> readSecretFile(const std::filesystem::path& path) {
  std::error_code error;
  if (std::filesystem::status(path, error).type() == std::filesystem::file_type::not_found) {
    return std::string();
  }
  std::ifstream in(path, std::ios::binary);
  std::string text(kMaxSecretFileSize + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad() || (!in.eof() && !in)) {
    return makeError(ErrorCode::Unavailable, "cannot read secret file " + path.string(),
                     "check its permissions, or delete it to get a new secret");
  }
  text.resize(static_cast<std::size_t>(in.gcount()));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' ||
                           text.back() == '\t')) {
    text.pop_back();
  }
  return text;
}

// Replaces `path` with the secret and a newline, mode 0600, in one rename: a reader (the demo
// receiver re-reads the file when it changes) never sees half a secret.
Status writeSecretFile(const std::filesystem::path& path, const std::string& secret) {
  std::string temp = path.string() + ".XXXXXX";
  const int fd = ::mkstemp(temp.data());  // creates the file with mode 0600
  if (fd < 0) {
    return makeError(ErrorCode::Unavailable,
                     "cannot write secret file " + path.string() + ": " + errnoText(errno),
                     "check that its folder is writable");
  }
  const std::string text = secret + "\n";
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                       ::fsync(fd) == 0;
  const int write_errno = errno;
  if (::close(fd) != 0 || !written || ::rename(temp.c_str(), path.c_str()) != 0) {
    const int saved = written ? errno : write_errno;
    ::unlink(temp.c_str());
    return makeError(ErrorCode::Unavailable,
                     "cannot write secret file " + path.string() + ": " + errnoText(saved),
                     "check that its folder is writable and the disk has room");
  }
  return {};
}

// The event types of `--events A,B`, or what is wrong with the list.
std::variant<std::vector<std::string>, std::string> eventList(const std::string& list) {
  std::vector<std::string> events;
  for (std::size_t start = 0; start <= list.size();) {
    const std::size_t comma = std::min(list.find(',', start), list.size());
    events.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  if (auto checked = events::checkEventNames(events); !checked) {
    return "--events " + checked.error().message + "; expected a comma-separated list of " +
           events::eventTypeList() + " (leave --events out for all)";
  }
  return events;
}

struct EnsureArgs {
  WantedEndpoint wanted;
  std::filesystem::path secret_file;
};

// The arguments of `webhooks ensure`, or what is wrong with them: all are checked before
// anything is read or written.
std::variant<EnsureArgs, std::string> ensureArgs(const Parsed& parsed,
                                                 const webhooks::UrlPolicy& policy) {
  if (auto problem = optionProblem(parsed, {"--tenant", "--url", "--secret-file", "--description",
                                            "--events", "--max-events-per-request"})) {
    return *problem;
  }
  if (parsed.words.size() != 2) {
    return "webhooks ensure takes no words after it, only options (unexpected " + parsed.words[2] +
           ")";
  }
  EnsureArgs args;
  args.wanted.tenant_id = option(parsed, "--tenant");
  if (args.wanted.tenant_id.empty()) {
    return std::string("webhooks ensure needs --tenant ID (tenants list shows them)");
  }
  args.wanted.url = option(parsed, "--url");
  if (args.wanted.url.empty() || args.wanted.url.size() > webhooks::kMaxUrlLength) {
    return std::string(
        "webhooks ensure needs --url with the receiver's URL (at most 2048 "
        "characters)");
  }
  if (auto allowed = webhooks::checkWebhookUrl(args.wanted.url, policy); !allowed) {
    return "--url " + args.wanted.url + ": " + allowed.error().toString();
  }
  args.secret_file = option(parsed, "--secret-file");
  if (args.secret_file.empty()) {
    return std::string(
        "webhooks ensure needs --secret-file PATH: the file that gets the endpoint's secret "
        "(mode 0600)");
  }
  std::error_code error;
  if (const auto folder = args.secret_file.parent_path();
      !folder.empty() && !std::filesystem::is_directory(folder, error)) {
    return "the folder of --secret-file " + args.secret_file.string() +
           " does not exist; create it first";
  }
  // Replacing a folder or a device there could hide a mistake in the path.
  if (const auto type = std::filesystem::status(args.secret_file, error).type();
      type != std::filesystem::file_type::not_found &&
      type != std::filesystem::file_type::regular) {
    return "--secret-file " + args.secret_file.string() +
           " is not a file; name a file (it is created if missing)";
  }
  if (hasOption(parsed, "--description")) {
    args.wanted.description = option(parsed, "--description");
    if (args.wanted.description.empty() ||
        args.wanted.description.size() > webhooks::kMaxDescriptionLength) {
      return std::string("--description needs a text of 1 to 500 characters");
    }
  }
  if (hasOption(parsed, "--events")) {
    auto events = eventList(option(parsed, "--events"));
    if (auto* problem = std::get_if<std::string>(&events)) {
      return *problem;
    }
    args.wanted.events = std::move(std::get<std::vector<std::string>>(events));
  }
  if (hasOption(parsed, "--max-events-per-request")) {
    const auto value = parseInteger(option(parsed, "--max-events-per-request"), false);
    if (!value || *value < 1 || *value > webhooks::kMaxEventsPerRequest) {
      return "--max-events-per-request needs a whole number from 1 (one event per request) to " +
             std::to_string(webhooks::kMaxEventsPerRequest) + " (batched delivery)";
    }
    args.wanted.max_events_per_request = *value;
  }
  return args;
}

// "created", "unchanged", or what changed: "url updated, secret rotated".
std::string describe(const EnsuredEndpoint& ensured) {
  std::string done;
  for (const auto& [happened, what] :
       {std::pair{ensured.created, "created"}, std::pair{ensured.url_updated, "url updated"},
        std::pair{ensured.events_updated, "events updated"},
        std::pair{ensured.per_request_updated, "events per request updated"},
        std::pair{ensured.enabled, "enabled again"},
        std::pair{ensured.secret_rotated, "secret rotated"}}) {
    if (happened) {
      done += (done.empty() ? "" : ", ") + std::string(what);
    }
  }
  return done.empty() ? "unchanged" : done;
}

int webhooksEnsure(Store& store,
                   const AdminOptions& options,
                   UtcMillis now,
                   const Parsed& parsed,
                   std::ostream& out,
                   std::ostream& err) {
  const auto checked = ensureArgs(parsed, options.url_policy);
  if (const auto* problem = std::get_if<std::string>(&checked)) {
    return usage(err, *problem);
  }
  const auto& args = std::get<EnsureArgs>(checked);
  auto known_secret = readSecretFile(args.secret_file);
  if (!known_secret) {
    return fail(err, known_secret.error());
  }
  auto ensured =
      ensureWebhookEndpoint(store.tenants(), store.endpoints(), args.wanted, *known_secret, now);
  if (!ensured) {
    return fail(err, ensured.error());
  }
  if (ensured->created || ensured->secret_rotated) {
    if (auto written = writeSecretFile(args.secret_file, ensured->secret); !written) {
      return fail(err, written.error());
    }
  }
  out << ensured->id << "\t" << describe(*ensured) << "\n";
  return 0;
}

}  // namespace

int runAdminCommand(Store& store,
                    const AdminOptions& options,
                    const Clock& clock,
                    const std::vector<std::string>& args,
                    std::ostream& out,
                    std::ostream& err) {
  const Parsed parsed = parse(args);
  if (parsed.words.empty()) {
    return usage(err);
  }
  const std::string& noun = parsed.words[0];
  const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(clock.now());
  const std::string verb = parsed.words.size() > 1 ? parsed.words[1] : "";
  if (noun == "webhooks" && verb == "ensure") {
    return webhooksEnsure(store, options, now, parsed, out, err);
  }
  if (auto problem = commandOptionProblem(parsed)) {
    return usage(err, *problem);
  }
  if (noun == "migrate" && parsed.words.size() == 1) {
    out << "database is up to date\n";  // migrations ran when the store was opened
    return 0;
  }
  if (noun == "tenants" && verb == "create" && parsed.words.size() == 3) {
    auto tenant = tenancy::createTenant(store.tenants(), parsed.words[2]);
    if (!tenant) {
      return fail(err, tenant.error());
    }
    out << tenant->id << "\t" << tenant->name << "\n";
    return 0;
  }
  if (noun == "tenants" && verb == "list" && parsed.words.size() == 2) {
    auto tenants = store.tenants().listTenants();
    if (!tenants) {
      return fail(err, tenants.error());
    }
    for (const auto& tenant : *tenants) {
      out << tenant.id << "\t" << tenant.name << "\t"
          << formatRfc3339(std::chrono::floor<std::chrono::seconds>(tenant.created_at)) << "\n";
    }
    return 0;
  }
  if (noun == "keys" && verb == "create" && parsed.words.size() == 2) {
    const std::string tenant = option(parsed, "--tenant");
    if (tenant.empty()) {
      return usage(err);
    }
    const bool test = !parsed.flags.empty();
    auto key = tenancy::createApiKey(store.tenants(), store.apiKeys(), tenant, !test,
                                     option(parsed, "--label"), now, options.max_api_keys);
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
    auto keys = store.apiKeys().listApiKeys(tenant);
    if (!keys) {
      return fail(err, keys.error());
    }
    for (const auto& key : *keys) {
      out << key.id << "\t" << key.prefix << "…\t" << key.mode << "\t" << key.label << "\t"
          << (key.revoked_at
                  ? "revoked " +
                        formatRfc3339(std::chrono::floor<std::chrono::seconds>(*key.revoked_at))
                  : "active")
          << "\n";
    }
    return 0;
  }
  if (noun == "keys" && verb == "revoke" && parsed.words.size() == 3) {
    if (auto revoked = store.apiKeys().revokeApiKey(parsed.words[2], now); !revoked) {
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
    auto site = tenancy::createSite(store.tenants(), tenant, parsed.words[2]);
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
