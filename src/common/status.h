// Status and Result<T>: how every fallible boundary in frocket reports failure.
//
// A Status is OK or carries a code and a message that says what went wrong, where, and what
// was expected. Errors are values: nothing below the CLI throws.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace frocket {

enum class StatusCode : uint8_t {
  kOk = 0,
  kInvalid,           // the input (file bytes, query, request) is malformed or inconsistent
  kIOError,           // the environment failed: a read, a connection, a missing file
  kNotImplemented,    // valid input using a feature frocket does not support
  kOutOfMemory,       // a configured memory limit would be exceeded
  kNotFound,          // a named thing (dataset, column) does not exist
  kUnauthenticated,   // the caller did not prove who it is (no or a wrong token)
  kPermissionDenied,  // the caller may not do this
  kLastCode = kPermissionDenied,
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message)
      : state_(std::make_shared<State>(State{code, std::move(message)})) {}

  static Status OK() { return Status(); }
  static Status Invalid(std::string message) {
    return Status(StatusCode::kInvalid, std::move(message));
  }
  static Status IOError(std::string message) {
    return Status(StatusCode::kIOError, std::move(message));
  }
  static Status NotImplemented(std::string message) {
    return Status(StatusCode::kNotImplemented, std::move(message));
  }
  static Status OutOfMemory(std::string message) {
    return Status(StatusCode::kOutOfMemory, std::move(message));
  }
  static Status NotFound(std::string message) {
    return Status(StatusCode::kNotFound, std::move(message));
  }
  static Status Unauthenticated(std::string message) {
    return Status(StatusCode::kUnauthenticated, std::move(message));
  }
  static Status PermissionDenied(std::string message) {
    return Status(StatusCode::kPermissionDenied, std::move(message));
  }

  bool ok() const { return state_ == nullptr; }
  StatusCode code() const { return state_ ? state_->code : StatusCode::kOk; }
  const std::string& message() const;

  // Returns this status with "context: " in front of its message; OK stays OK.
  Status WithContext(std::string_view context) const;

  std::string ToString() const;

 private:
  struct State {
    StatusCode code;
    std::string message;
  };
  // Shared so that copying a Status (common on error paths) does not copy the message.
  std::shared_ptr<const State> state_;
};

// Result<T> holds either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : storage_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : storage_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (std::get<Status>(storage_).ok()) {
      storage_ = Status::Invalid("internal error: Result constructed from an OK status");
    }
  }

  bool ok() const { return std::holds_alternative<T>(storage_); }
  Status status() const { return ok() ? Status::OK() : std::get<Status>(storage_); }

  // REQUIRES: ok()
  T& value() & { return std::get<T>(storage_); }
  const T& value() const& { return std::get<T>(storage_); }
  T&& value() && { return std::get<T>(std::move(storage_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> storage_;
};

#define FROCKET_CONCAT_INNER(a, b) a##b
#define FROCKET_CONCAT(a, b) FROCKET_CONCAT_INNER(a, b)

#define FROCKET_RETURN_IF_ERROR(expr)                  \
  do {                                                 \
    ::frocket::Status _frocket_status = (expr);        \
    if (!_frocket_status.ok()) return _frocket_status; \
  } while (false)

#define FROCKET_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()

#define FROCKET_ASSIGN_OR_RETURN(lhs, expr) \
  FROCKET_ASSIGN_OR_RETURN_IMPL(FROCKET_CONCAT(_frocket_result_, __LINE__), lhs, expr)

}  // namespace frocket
