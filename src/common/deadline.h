// Deadline: when the work of the current thread must end — a job's run timeout
// (FROCKET_INVOKER_RUN_TIMEOUT), set by the invoker around each task and honoured by the
// blocking I/O underneath it (S3 requests), so that a stalled server fails a query at the
// timeout instead of holding it for minutes of network timeouts and retries.
#pragma once

#include <chrono>
#include <optional>

namespace frocket {

class Deadline {
 public:
  using Clock = std::chrono::steady_clock;

  // The current thread's deadline, if any.
  static std::optional<Clock::time_point> Current() { return current_; }
  // Seconds left before the current deadline (negative when past); nullopt without one.
  static std::optional<double> SecondsLeft() {
    if (!current_) return std::nullopt;
    return std::chrono::duration<double>(*current_ - Clock::now()).count();
  }

  // Sets the thread's deadline for the scope's lifetime, then restores the previous one. Work
  // handed to other threads carries it along with a Scope of its own.
  class Scope {
   public:
    explicit Scope(std::optional<Clock::time_point> deadline) : previous_(current_) {
      current_ = deadline;
    }
    ~Scope() { current_ = previous_; }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    std::optional<Clock::time_point> previous_;
  };

 private:
  static inline thread_local std::optional<Clock::time_point> current_;
};

}  // namespace frocket
