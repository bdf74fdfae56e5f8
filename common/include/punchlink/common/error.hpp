// Error: what went wrong, in words a user can act on. Codes are a short canonical set (as in
// Abseil) mapped to HTTP statuses in one place in the relay.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

namespace punchlink {

enum class ErrorCode {
  InvalidInput,      // the caller's input is wrong; retrying the same input fails again
  NotFound,          // the thing named does not exist
  Conflict,          // the request clashes with the current state
  PermissionDenied,  // authenticated but not allowed
  Unavailable,       // a peer or resource is down; retrying later may succeed
  DeadlineExceeded,  // no answer in time
  Internal,          // a bug or an environment failure we did not expect
};

std::string_view errorCodeName(ErrorCode code) noexcept;

struct Error {
  ErrorCode code = ErrorCode::Internal;
  std::string message;  // what went wrong and where
  std::string hint;     // what to do about it; may be empty

  // "message (hint)" or just "message".
  std::string toString() const;
};

inline Error makeError(ErrorCode code, std::string message, std::string hint = {}) {
  return Error{code, std::move(message), std::move(hint)};
}

std::ostream& operator<<(std::ostream& out, const Error& error);

// The text of an errno value, thread-safe (std::strerror is not).
std::string errnoText(int error_number);

}  // namespace punchlink
