#include "common/time_unit.h"

#include <cmath>
#include <cstdio>

namespace frocket {

namespace {

constexpr int64_t kNanosPerSecond = 1000000000;
constexpr int64_t kSecondsPerDay = 86400;

// Days from 1970-01-01 to the given proleptic Gregorian date.
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

struct Civil {
  int64_t year, month, day;
};

Civil CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  return {yoe + era * 400 + (m <= 2), m, d};
}

bool IsLeap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int64_t DaysInMonth(int64_t y, int64_t m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

int64_t UnitsPerSecond(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kMillis:
      return 1000;
    case TimeUnit::kMicros:
      return 1000000;
    case TimeUnit::kNanos:
      return kNanosPerSecond;
    default:
      return 1;
  }
}

// Reads exactly `n` digits at `*pos`.
bool Digits(std::string_view s, size_t* pos, size_t n, int64_t* out) {
  if (*pos + n > s.size()) return false;
  int64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[*pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *out = v;
  return true;
}

bool Expect(std::string_view s, size_t* pos, char c) {
  if (*pos >= s.size() || s[*pos] != c) return false;
  ++*pos;
  return true;
}

}  // namespace

const char* TimeUnitName(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kDays:
      return "days";
    case TimeUnit::kSeconds:
      return "seconds";
    case TimeUnit::kMillis:
      return "milliseconds";
    case TimeUnit::kMicros:
      return "microseconds";
    case TimeUnit::kNanos:
      return "nanoseconds";
  }
  return "seconds";
}

Result<Instant> ParseIsoTime(std::string_view s) {
  auto bad = [&](const std::string& why) {
    return Status::Invalid("'" + std::string(s.substr(0, 40)) + "' is not an ISO-8601 date or " +
                           "date-time (" + why + ")");
  };
  size_t pos = 0;
  int64_t year, month, day, hour = 0, minute = 0, second = 0, nanos = 0;
  if (!Digits(s, &pos, 4, &year) || !Expect(s, &pos, '-') || !Digits(s, &pos, 2, &month) ||
      !Expect(s, &pos, '-') || !Digits(s, &pos, 2, &day)) {
    return bad("expected YYYY-MM-DD");
  }
  if (year < 1) return bad("years start at 0001");
  if (month < 1 || month > 12) return bad("no month " + std::to_string(month));
  if (day < 1 || day > DaysInMonth(year, month)) {
    return bad("no day " + std::to_string(day) + " in that month");
  }
  if (pos < s.size() && (s[pos] == 'T' || s[pos] == 't' || s[pos] == ' ')) {
    ++pos;
    if (!Digits(s, &pos, 2, &hour) || !Expect(s, &pos, ':') || !Digits(s, &pos, 2, &minute)) {
      return bad("expected HH:MM after the date");
    }
    if (pos < s.size() && s[pos] == ':') {
      ++pos;
      if (!Digits(s, &pos, 2, &second)) return bad("expected two digits of seconds");
      if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
        ++pos;
        size_t start = pos;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
        size_t n = pos - start;
        if (n == 0 || n > 9) return bad("1 to 9 digits of fractional seconds");
        int64_t frac = 0;
        size_t p = start;
        Digits(s, &p, n, &frac);
        for (size_t i = n; i < 9; ++i) frac *= 10;
        nanos = frac;
      }
    }
    if (hour > 23 || minute > 59 || second > 59) return bad("time out of range");
  }
  int64_t offset_seconds = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int sign = s[pos] == '-' ? -1 : 1;
    ++pos;
    // +HH:MM, +HHMM or +HH (as PostgreSQL and DuckDB print time zones).
    int64_t oh = 0, om = 0;
    bool ok = Digits(s, &pos, 2, &oh);
    if (ok && pos < s.size()) {
      if (s[pos] == ':') ++pos;
      ok = Digits(s, &pos, 2, &om);
    }
    if (!ok || oh > 23 || om > 59) return bad("expected an offset +HH:MM, +HHMM or +HH");
    offset_seconds = sign * (oh * 3600 + om * 60);
  }
  if (pos != s.size()) return bad("unexpected text at position " + std::to_string(pos));
  Instant t;
  t.seconds = DaysFromCivil(year, month, day) * kSecondsPerDay + hour * 3600 + minute * 60 +
              second - offset_seconds;
  t.nanos = static_cast<int32_t>(nanos);
  return t;
}

std::optional<int64_t> InstantToUnits(const Instant& t, TimeUnit unit) {
  if (unit == TimeUnit::kDays) {
    if (t.nanos != 0 || t.seconds % kSecondsPerDay != 0) return std::nullopt;
    return t.seconds / kSecondsPerDay;
  }
  const int64_t per_second = UnitsPerSecond(unit);
  const int64_t nanos_per_unit = kNanosPerSecond / per_second;
  if (t.nanos % nanos_per_unit != 0) return std::nullopt;
  int64_t units;
  if (__builtin_mul_overflow(t.seconds, per_second, &units) ||
      __builtin_add_overflow(units, t.nanos / nanos_per_unit, &units)) {
    return std::nullopt;
  }
  return units;
}

double InstantToDouble(const Instant& t, TimeUnit unit) {
  if (unit == TimeUnit::kDays) {
    return (static_cast<double>(t.seconds) + t.nanos / 1e9) / kSecondsPerDay;
  }
  const auto per_second = static_cast<double>(UnitsPerSecond(unit));
  return static_cast<double>(t.seconds) * per_second + t.nanos / 1e9 * per_second;
}

std::optional<std::string> FormatIsoTime(double value, TimeUnit unit) {
  if (!std::isfinite(value)) return std::nullopt;
  const double per_day =
      unit == TimeUnit::kDays ? 1.0 : static_cast<double>(kSecondsPerDay * UnitsPerSecond(unit));
  // Years 0001 to 9999 span about ±3e6 days around the epoch.
  const double days = std::floor(value / per_day);
  if (days < -719162 || days > 2932896) return std::nullopt;
  int64_t seconds_of_day = 0, nanos = 0;
  if (unit != TimeUnit::kDays) {
    const int64_t per_second = UnitsPerSecond(unit);
    const double rest = value - days * per_day;  // units into the day, 0 <= rest < per_day
    auto units = static_cast<int64_t>(std::floor(rest));
    seconds_of_day = units / per_second;
    nanos = units % per_second * (kNanosPerSecond / per_second);
    if (seconds_of_day >= kSecondsPerDay) seconds_of_day = kSecondsPerDay - 1;
  }
  Civil c = CivilFromDays(static_cast<int64_t>(days));
  char buf[64];
  int n =
      std::snprintf(buf, sizeof(buf), "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld",
                    static_cast<long long>(c.year), static_cast<long long>(c.month),
                    static_cast<long long>(c.day), static_cast<long long>(seconds_of_day / 3600),
                    static_cast<long long>(seconds_of_day / 60 % 60),
                    static_cast<long long>(seconds_of_day % 60));
  std::string out(buf, static_cast<size_t>(n));
  if (nanos != 0) {
    int digits = unit == TimeUnit::kMillis ? 3 : unit == TimeUnit::kMicros ? 6 : 9;
    std::snprintf(buf, sizeof(buf), ".%09lld", static_cast<long long>(nanos));
    out.append(buf, static_cast<size_t>(digits + 1));
  }
  return out + "Z";
}

TimeUnit GuessTimeUnit(double min, double max) {
  const double m = std::max(std::fabs(min), std::fabs(max));
  if (m < 1e11) return TimeUnit::kSeconds;
  if (m < 1e14) return TimeUnit::kMillis;
  if (m < 1e17) return TimeUnit::kMicros;
  return TimeUnit::kNanos;
}

}  // namespace frocket
