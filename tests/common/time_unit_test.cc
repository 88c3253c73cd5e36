// ISO-8601 dates and date-times to and from epoch numbers. Expected epoch seconds were
// printed by GNU date (`date -u -d 2024-02-29T12:34:56Z +%s`).
#include "common/time_unit.h"

#include <gtest/gtest.h>

#include <cmath>

namespace frocket {
namespace {

int64_t Seconds(const std::string& text) {
  auto t = ParseIsoTime(text);
  EXPECT_TRUE(t.ok()) << text << ": " << t.status().message();
  return t.ok() ? t->seconds : INT64_MIN;
}

TEST(ParseIsoTime, MatchesGnuDate) {
  EXPECT_EQ(Seconds("2024-01-31"), 1706659200);
  EXPECT_EQ(Seconds("2024-01-31T00:00:00Z"), 1706659200);
  EXPECT_EQ(Seconds("2024-02-29T12:34:56Z"), 1709210096);
  EXPECT_EQ(Seconds("2024-02-29 12:34:56"), 1709210096);
  EXPECT_EQ(Seconds("2024-02-29T12:34"), 1709210040);
  EXPECT_EQ(Seconds("1969-12-31T23:59:59Z"), -1);
  EXPECT_EQ(Seconds("0001-01-01T00:00:00Z"), -62135596800);
  EXPECT_EQ(Seconds("9999-12-31T23:59:59Z"), 253402300799);
  EXPECT_EQ(Seconds("2021-03-01T01:00:00+02:00"), 1614553200);
  EXPECT_EQ(Seconds("2021-03-01T01:00:00+0200"), 1614553200);
  EXPECT_EQ(Seconds("2021-03-01 01:00:00+02"), 1614553200);  // as DuckDB prints TIMESTAMPTZ
  EXPECT_EQ(Seconds("2021-03-01 01:00:00-05"), 1614578400);
  EXPECT_EQ(Seconds("2000-03-01"), 951868800);
}

TEST(ParseIsoTime, MalformedOffsetsAreRefused) {
  for (const char* bad :
       {"2021-03-01T01:00:00+2", "2021-03-01T01:00:00+02:5", "2021-03-01T01:00:00+0",
        "2021-03-01T01:00:00+24", "2021-03-01T01:00:00+02:60", "2021-03-01T01:00:00+02:"}) {
    EXPECT_FALSE(ParseIsoTime(bad).ok()) << bad;
  }
}

TEST(ParseIsoTime, FractionsKeepEveryDigit) {
  auto t = ParseIsoTime("2024-01-31T00:00:00.123456789Z");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->seconds, 1706659200);
  EXPECT_EQ(t->nanos, 123456789);
  t = ParseIsoTime("2024-01-31T00:00:00.5");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->nanos, 500000000);
}

TEST(ParseIsoTime, RefusesWhatIsNotADate) {
  for (const char* bad :
       {"", "2024", "2024-1-31", "2024-13-01", "2023-02-29", "2024-04-31", "2024-01-31T24:00",
        "2024-01-31T12", "2024-01-31T12:00:60", "2024-01-31T12:00:00.",
        "2024-01-31T12:00:00.1234567890", "2024-01-31Z1", "2024-01-31T12:00+2", "0000-01-01",
        "yesterday", "2024-01-31T12:00:00+24:00", "2024-01-31 "}) {
    auto t = ParseIsoTime(bad);
    EXPECT_FALSE(t.ok()) << "'" << bad << "' was read";
    if (!t.ok()) {
      EXPECT_NE(t.status().message().find("ISO-8601"), std::string::npos);
    }
  }
}

TEST(InstantToUnits, ExactWhereTheUnitAllows) {
  Instant t{1706659200, 123000000};
  EXPECT_EQ(InstantToUnits(t, TimeUnit::kMillis), 1706659200123);
  EXPECT_EQ(InstantToUnits(t, TimeUnit::kMicros), 1706659200123000);
  EXPECT_EQ(InstantToUnits(t, TimeUnit::kNanos), 1706659200123000000);
  EXPECT_EQ(InstantToUnits(t, TimeUnit::kSeconds), std::nullopt);  // a part of a second
  EXPECT_DOUBLE_EQ(InstantToDouble(t, TimeUnit::kSeconds), 1706659200.123);
  EXPECT_EQ(InstantToUnits({1706659200, 0}, TimeUnit::kDays), 19753);
  EXPECT_EQ(InstantToUnits({-62135596800, 0}, TimeUnit::kNanos), std::nullopt);  // overflows
}

TEST(FormatIsoTime, ReadsBack) {
  EXPECT_EQ(FormatIsoTime(1709210096, TimeUnit::kSeconds), "2024-02-29T12:34:56Z");
  EXPECT_EQ(FormatIsoTime(1709210096789.0, TimeUnit::kMillis), "2024-02-29T12:34:56.789Z");
  EXPECT_EQ(FormatIsoTime(-1, TimeUnit::kSeconds), "1969-12-31T23:59:59Z");
  EXPECT_EQ(FormatIsoTime(19753, TimeUnit::kDays), "2024-01-31T00:00:00Z");
  EXPECT_EQ(FormatIsoTime(1e300, TimeUnit::kSeconds), std::nullopt);
  EXPECT_EQ(FormatIsoTime(NAN, TimeUnit::kSeconds), std::nullopt);
}

TEST(GuessTimeUnit, ByMagnitude) {
  EXPECT_EQ(GuessTimeUnit(1.6e9, 1.7e9), TimeUnit::kSeconds);
  EXPECT_EQ(GuessTimeUnit(1.6e12, 1.7e12), TimeUnit::kMillis);
  EXPECT_EQ(GuessTimeUnit(1.6e15, 1.7e15), TimeUnit::kMicros);
  EXPECT_EQ(GuessTimeUnit(1.6e18, 1.7e18), TimeUnit::kNanos);
}

}  // namespace
}  // namespace frocket
