// Result<T>: the value-or-error type of every layer that must not throw on bad input
// (codecs, parsers, adapters). Shaped like std::expected so a later switch is a rename.
#pragma once

#include <punchlink/common/error.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace punchlink {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value)
      : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design

  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const noexcept { return state_.index() == 0; }

  explicit operator bool() const noexcept { return ok(); }

  // Precondition: ok(). Calling it on an error is a programmer error and aborts.
  T& value() & { return std::get<0>(state_); }

  const T& value() const& { return std::get<0>(state_); }

  T&& value() && { return std::get<0>(std::move(state_)); }

  T& operator*() & { return value(); }

  const T& operator*() const& { return value(); }

  T* operator->() { return &value(); }

  const T* operator->() const { return &value(); }

  // Precondition: !ok().
  const Error& error() const { return std::get<1>(state_); }

  template <typename U>
  T valueOr(U&& fallback) const& {
    return ok() ? value() : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;

  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design

  bool ok() const noexcept { return ok_; }

  explicit operator bool() const noexcept { return ok_; }

  const Error& error() const { return error_; }

 private:
  Error error_{};
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace punchlink
