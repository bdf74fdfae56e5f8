#include <punchlink/common/error.hpp>

#include <system_error>

namespace punchlink {

std::string_view errorCodeName(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::InvalidInput:
      return "invalid_input";
    case ErrorCode::NotFound:
      return "not_found";
    case ErrorCode::Conflict:
      return "conflict";
    case ErrorCode::PermissionDenied:
      return "permission_denied";
    case ErrorCode::Unavailable:
      return "unavailable";
    case ErrorCode::DeadlineExceeded:
      return "deadline_exceeded";
    case ErrorCode::Internal:
      return "internal";
  }
  return "internal";
}

std::string Error::toString() const {
  if (hint.empty()) {
    return message;
  }
  return message + " (" + hint + ")";
}

std::string errnoText(int error_number) {
  return std::error_code(error_number, std::generic_category()).message();
}

std::ostream& operator<<(std::ostream& out, const Error& error) {
  return out << errorCodeName(error.code) << ": " << error.toString();
}

}  // namespace punchlink
