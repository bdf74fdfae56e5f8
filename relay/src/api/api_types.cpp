#include "api_types.hpp"

#include <punchlink/common/crypto.hpp>
#include <punchlink/common/untrusted_json.hpp>

#include <charconv>

namespace punchlink::relay::api {

int httpStatusFor(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::InvalidInput:
      return 400;
    case ErrorCode::PermissionDenied:
      return 403;
    case ErrorCode::NotFound:
      return 404;
    case ErrorCode::Conflict:
      return 409;
    case ErrorCode::Unavailable:
    case ErrorCode::DeadlineExceeded:
      return 503;
    case ErrorCode::Internal:
      return 500;
  }
  return 500;
}

ApiResponse errorResponse(int status, std::string_view code, const std::string& message) {
  ApiResponse response;
  response.status = status;
  response.body = {{"error", message}, {"code", std::string(code)}};
  return response;
}

ApiResponse errorResponse(const Error& error) {
  const int status = httpStatusFor(error.code);
  // Internal details stay in the log; the client gets a stable message.
  return errorResponse(
      status, errorCodeName(error.code),
      status == 500 ? std::string("internal error; retry later") : error.toString());
}

ApiResponse textResponse(std::string content_type, std::string text) {
  ApiResponse response;
  response.content_type = std::move(content_type);
  response.text = std::move(text);
  return response;
}

ApiResponse invalidField(const std::string& field, const std::string& expected) {
  ApiResponse response = errorResponse(400, "invalid_input", field + ": " + expected);
  response.body["field"] = field;
  return response;
}

std::optional<std::string> queryParam(const ApiRequest& request, const std::string& name) {
  const auto it = request.query.find(name);
  return it == request.query.end() || it->second.empty() ? std::nullopt
                                                         : std::optional<std::string>(it->second);
}

std::variant<std::size_t, ApiResponse> pageLimit(const ApiRequest& request) {
  constexpr std::size_t kDefault = 100;
  constexpr std::size_t kMax = 1000;
  const auto text = queryParam(request, "limit");
  if (!text) {
    return kDefault;
  }
  std::size_t value = 0;
  const auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc{} || ptr != text->data() + text->size() || value < 1 || value > kMax) {
    return invalidField("limit", "expected an integer from 1 to 1000");
  }
  return value;
}

std::optional<std::string> ApiRequest::cookie(std::string_view name) const {
  const auto found = headers.find("cookie");
  if (found == headers.end()) {
    return std::nullopt;
  }
  std::string_view rest = found->second;
  while (!rest.empty()) {
    const auto semicolon = rest.find(';');
    std::string_view pair = rest.substr(0, semicolon);
    rest = semicolon == std::string_view::npos ? std::string_view{} : rest.substr(semicolon + 1);
    while (!pair.empty() && pair.front() == ' ') {
      pair.remove_prefix(1);
    }
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
      return std::string(pair.substr(eq + 1));
    }
  }
  return std::nullopt;
}

std::string encodeSeqCursor(std::int64_t seq) {
  return "cur_" + crypto::base64Encode("seq:" + std::to_string(seq));
}

std::string encodeTextCursor(const std::string& key) {
  return "cur_" + crypto::base64Encode("key:" + key);
}

std::optional<std::string> decodeTextCursor(const std::string& cursor) {
  if (cursor.rfind("cur_", 0) != 0) {
    return std::nullopt;
  }
  auto decoded = crypto::base64Decode(cursor.substr(4));
  if (!decoded) {
    return std::nullopt;
  }
  std::string text(decoded->begin(), decoded->end());
  if (text.rfind("key:", 0) != 0) {
    return std::nullopt;
  }
  return text.substr(4);
}

std::optional<std::int64_t> decodeSeqCursor(const std::string& cursor) {
  if (cursor.rfind("cur_", 0) != 0) {
    return std::nullopt;
  }
  auto decoded = crypto::base64Decode(cursor.substr(4));
  if (!decoded) {
    return std::nullopt;
  }
  const std::string text(decoded->begin(), decoded->end());
  if (text.rfind("seq:", 0) != 0) {
    return std::nullopt;
  }
  std::int64_t seq = 0;
  const auto [ptr, ec] = std::from_chars(text.data() + 4, text.data() + text.size(), seq);
  if (ec != std::errc{} || ptr != text.data() + text.size() || seq < 0) {
    return std::nullopt;
  }
  return seq;
}

std::variant<nlohmann::json, ApiResponse> jsonObjectBody(const ApiRequest& request) {
  auto body = parseUntrustedJson(request.body, {kMaxBodyBytes, kMaxBodyDepth});
  if (!body && body.error().message != kNotJson) {
    return invalidField("body", "expected a JSON object; " + body.error().message);
  }
  if (!body || !body->is_object()) {
    return invalidField("body", "expected a JSON object");
  }
  return nlohmann::json(*body);
}

}  // namespace punchlink::relay::api
