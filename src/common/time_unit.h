// Timestamps as people write them: ISO-8601 dates and date-times, converted to and from
// numbers in a timestamp column's unit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace frocket {

// The unit of a numeric timestamp column: what one step of its values is.
enum class TimeUnit { kDays, kSeconds, kMillis, kMicros, kNanos };

// "days", "seconds", "milliseconds", "microseconds", "nanoseconds".
const char* TimeUnitName(TimeUnit unit);

// An instant: whole seconds since 1970-01-01T00:00:00Z and nanoseconds past them.
struct Instant {
  int64_t seconds = 0;
  int32_t nanos = 0;  // 0 <= nanos < 1e9
};

// Reads "YYYY-MM-DD", "YYYY-MM-DDTHH:MM", "YYYY-MM-DDTHH:MM:SS" and
// "YYYY-MM-DDTHH:MM:SS.fffffffff" (1 to 9 digits), each optionally followed by "Z" or an
// offset "+HH:MM" / "-HH:MM" (or "+HHMM", "+HH"); a space may stand for the "T". Without an offset the time is
// UTC. Years 0001 to 9999; fields are range-checked (no February 30th).
Result<Instant> ParseIsoTime(std::string_view text);

// The instant as a number of `unit`s since the epoch: an integer when exact, else nullopt
// (a part of a unit) — see InstantToDouble.
std::optional<int64_t> InstantToUnits(const Instant& t, TimeUnit unit);
double InstantToDouble(const Instant& t, TimeUnit unit);

// `value` units since the epoch as "YYYY-MM-DDTHH:MM:SS[.fff]Z" (the fraction only when not
// zero, to the unit's precision), or nullopt when outside years 0001 to 9999.
std::optional<std::string> FormatIsoTime(double value, TimeUnit unit);

// The unit of a timestamp column whose values span [min, max] and carry no declared unit,
// guessed from their magnitude as epoch times: below 10^11 seconds (up to the year 5138),
// then milliseconds, microseconds, nanoseconds.
TimeUnit GuessTimeUnit(double min, double max);

}  // namespace frocket
