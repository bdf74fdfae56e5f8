#include "api_types.hpp"

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

}  // namespace punchlink::relay::api
