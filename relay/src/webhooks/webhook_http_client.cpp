#include "webhook_http_client.hpp"

#include <Poco/DateTimeParser.h>
#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/URI.h>

#include <array>
#include <charconv>
#include <istream>

namespace punchlink::relay::webhooks {

namespace {

constexpr std::size_t kExcerptBytes = 512;
// A response body larger than this is not read to the end: the connection is dropped instead.
constexpr std::streamsize kMaxDrainBytes = std::streamsize{64} * 1024;

// Poco consults SSLManager's certificate handler when a chain does not verify; without one it
// would try to build one from an application config that the relay does not have. Rejecting is
// the only right answer for webhooks. Installed once per process (Poco's SSLManager is itself a
// process-wide singleton).
void installRejectingCertificateHandler(const Poco::Net::Context::Ptr& context) {
  static std::once_flag once;
  std::call_once(once, [&] {
    Poco::SharedPtr<Poco::Net::InvalidCertificateHandler> reject =
        new Poco::Net::RejectCertificateHandler(false);
    Poco::Net::SSLManager::instance().initializeClient(nullptr, reject, context);
  });
}

std::string describe(const Poco::Exception& error) {
  std::string text = error.displayText();
  if (const auto* nested = error.nested()) {
    text += " (" + nested->displayText() + ")";
  }
  return text;
}

}  // namespace

std::optional<std::chrono::seconds> parseRetryAfter(const std::string& value,
                                                    std::chrono::system_clock::time_point now) {
  if (value.empty()) {
    return std::nullopt;
  }
  long long seconds = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec == std::errc{} && end == value.data() + value.size()) {
    return seconds < 0 ? std::nullopt : std::optional(std::chrono::seconds{seconds});
  }
  Poco::DateTime date;
  int zone = 0;
  if (!Poco::DateTimeParser::tryParse(value, date, zone)) {
    return std::nullopt;
  }
  const auto at = std::chrono::system_clock::from_time_t(date.timestamp().epochTime());
  return std::max(std::chrono::seconds{0},
                  std::chrono::duration_cast<std::chrono::seconds>(at - now));
}

WebhookHttpClient::WebhookHttpClient(WebhookHttpOptions options) : options_(std::move(options)) {
  // Certificates must chain to the CA (or the system store) and name the host.
  tls_ = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", options_.ca_file,
                                Poco::Net::Context::VERIFY_RELAXED, 9, options_.ca_file.empty());
  tls_->disableProtocols(Poco::Net::Context::PROTO_SSLV2 | Poco::Net::Context::PROTO_SSLV3 |
                         Poco::Net::Context::PROTO_TLSV1 | Poco::Net::Context::PROTO_TLSV1_1);
  installRejectingCertificateHandler(tls_);
}

WebhookHttpClient::~WebhookHttpClient() = default;

WebhookHttpClient::Session WebhookHttpClient::connect(const std::string& scheme,
                                                      const std::string& host,
                                                      std::uint16_t port) {
  Session session;
  if (scheme == "https") {
    session = std::make_unique<Poco::Net::HTTPSClientSession>(host, port, tls_);
  } else {
    session = std::make_unique<Poco::Net::HTTPClientSession>(host, port);
  }
  const Poco::Timespan timeout(
      std::chrono::duration_cast<std::chrono::microseconds>(options_.timeout).count());
  session->setTimeout(timeout, timeout, timeout);
  session->setKeepAlive(true);
  session->setKeepAliveTimeout(Poco::Timespan(30, 0));
  return session;
}

WebhookHttpClient::Session WebhookHttpClient::take(const std::string& origin, bool& reused) {
  const std::lock_guard lock(mutex_);
  auto& idle = idle_[origin];
  if (idle.empty()) {
    reused = false;
    return nullptr;
  }
  Session session = std::move(idle.back());
  idle.pop_back();
  reused = true;
  return session;
}

void WebhookHttpClient::giveBack(const std::string& origin, Session session) {
  const std::lock_guard lock(mutex_);
  auto& idle = idle_[origin];
  if (idle.size() < options_.max_idle_per_origin) {
    idle.push_back(std::move(session));
  }
}

HttpAttemptResult WebhookHttpClient::post(
    const std::string& url,
    const std::vector<std::pair<std::string, std::string>>& headers,
    const std::string& body) {
  HttpAttemptResult result;
  const auto started = std::chrono::steady_clock::now();
  const auto finish = [&]() -> HttpAttemptResult {
    result.latency = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    return result;
  };
  Poco::URI uri;
  try {
    uri = Poco::URI(url);
  } catch (const Poco::Exception& error) {
    result.error = "invalid URL: " + describe(error);
    return finish();
  }
  const std::string origin =
      uri.getScheme() + "://" + uri.getHost() + ":" + std::to_string(uri.getPort());
  std::string target = uri.getPathAndQuery();
  if (target.empty()) {
    target = "/";
  }
  // A kept-alive connection the receiver closed meanwhile fails before any response: that
  // attempt is repeated once on a new connection instead of counting as a failure.
  for (int round = 0; round < 2; ++round) {
    bool reused = false;
    Session session = take(origin, reused);
    if (!session) {
      // Checked again for every new connection, not only when the endpoint was created: a host
      // may have started resolving to a private address since (DNS rebinding). A kept-alive
      // connection was checked when it was opened, so reusing it costs no lookup.
      if (auto allowed = checkWebhookUrl(url, options_.policy); !allowed) {
        result.error = "refused: " + allowed.error().message;
        return finish();
      }
      session = connect(uri.getScheme(), uri.getHost(), uri.getPort());
    }
    try {
      Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, target,
                                     Poco::Net::HTTPMessage::HTTP_1_1);
      for (const auto& [name, value] : headers) {
        request.set(name, value);
      }
      request.setContentLength(static_cast<std::streamsize>(body.size()));
      request.setKeepAlive(true);
      session->sendRequest(request) << body;
      Poco::Net::HTTPResponse response;
      std::istream& in = session->receiveResponse(response);
      result.status = static_cast<int>(response.getStatus());
      if (response.has("Retry-After")) {
        result.retry_after =
            parseRetryAfter(response.get("Retry-After"), std::chrono::system_clock::now());
      }
      std::array<char, kExcerptBytes> excerpt{};
      in.read(excerpt.data(), excerpt.size());
      result.excerpt.assign(excerpt.data(), static_cast<std::size_t>(in.gcount()));
      std::streamsize drained = 0;
      std::array<char, 4096> sink{};
      while (in && drained < kMaxDrainBytes) {
        in.read(sink.data(), sink.size());
        drained += in.gcount();
      }
      if (in.eof() && response.getKeepAlive()) {
        giveBack(origin, std::move(session));
      }
      return finish();
    } catch (const Poco::TimeoutException& error) {
      result.error = "timed out after " + std::to_string(options_.timeout.count()) + " ms";
      return finish();
    } catch (const Poco::Exception& error) {
      result.error = describe(error);
      if (!reused || result.status != 0) {
        return finish();
      }
    } catch (const std::exception& error) {
      result.error = error.what();
      return finish();
    }
  }
  return finish();
}

}  // namespace punchlink::relay::webhooks
