// Value conversion, type inference, schema merging and the part hash, against hand-worked
// cases and the xxHash reference vectors.
#include <gtest/gtest.h>

#include "ingest/ingest_schema.h"
#include "ingest/repartition.h"
#include "ingest/row_record.h"
#include "ingest/value_conversion.h"

namespace frocket::ingest {
namespace {

Cell Text(std::string_view s) {
  Cell c;
  c.kind = CellKind::kText;
  c.text = s;
  return c;
}
Cell Int(int64_t v) {
  Cell c;
  c.kind = CellKind::kInt;
  c.integer = v;
  return c;
}
Cell Double(double v) {
  Cell c;
  c.kind = CellKind::kDouble;
  c.real = v;
  return c;
}

IngestColumn Column(ColumnKind kind) {
  return {"c", kind, parquet::TimeUnit::kMicros};
}

TEST(ValueConversion, TextFormsAreStrict) {
  int64_t i = 0;
  EXPECT_TRUE(ParseInt64Text("-42", &i));
  EXPECT_EQ(i, -42);
  EXPECT_TRUE(ParseInt64Text("0", &i));
  EXPECT_EQ(i, 0);
  EXPECT_TRUE(ParseInt64Text("9223372036854775807", &i));
  EXPECT_FALSE(ParseInt64Text("9223372036854775808", &i));
  for (const char* bad :
       {"", " 1", "1 ", "1.0", "0x10", "+", "1e3", "-", "007", "+7", "-0", "-07", "00"}) {
    EXPECT_FALSE(ParseInt64Text(bad, &i)) << bad;
  }
  double d = 0;
  EXPECT_TRUE(ParseDoubleText("1.5e3", &d));
  EXPECT_EQ(d, 1500);
  EXPECT_FALSE(ParseDoubleText("1.5x", &d));
  EXPECT_FALSE(ParseDoubleText("", &d));
  bool b = false;
  EXPECT_TRUE(ParseBoolText("TRUE", &b));
  EXPECT_TRUE(b);
  EXPECT_TRUE(ParseBoolText("False", &b));
  EXPECT_FALSE(b);
  EXPECT_FALSE(ParseBoolText("yes", &b));
  int64_t micros = 0;
  const auto us = parquet::TimeUnit::kMicros;
  EXPECT_TRUE(ParseTimeText("1970-01-01T00:00:01.5Z", us, &micros));
  EXPECT_EQ(micros, 1'500'000);
  EXPECT_TRUE(ParseTimeText("1970-01-02 00:00:00+01:00", us, &micros));
  EXPECT_EQ(micros, 23LL * 3600 * 1'000'000);
  EXPECT_FALSE(ParseTimeText("1970-01-01T00:00:00.0000001Z", us, &micros));  // below a microsecond
  EXPECT_FALSE(ParseTimeText("2024-02-30", us, &micros));
  int64_t units = 0;
  EXPECT_TRUE(ParseTimeText("1970-01-01T00:00:01.5Z", parquet::TimeUnit::kMillis, &units));
  EXPECT_EQ(units, 1500);
  EXPECT_FALSE(ParseTimeText("1970-01-01T00:00:01.5005Z", parquet::TimeUnit::kMillis, &units));
  EXPECT_TRUE(ParseTimeText("1970-01-01T00:00:00.000000007Z", parquet::TimeUnit::kNanos, &units));
  EXPECT_EQ(units, 7);
}

TEST(ValueConversion, CellsConvertOrSayWhyNot) {
  ConvertedValue v;
  std::string scratch, reason;
  ASSERT_TRUE(ConvertCell(Text("12"), Column(ColumnKind::kInt64), &v, &scratch, &reason));
  EXPECT_EQ(v.integer, 12);
  ASSERT_TRUE(ConvertCell(Double(3.0), Column(ColumnKind::kInt64), &v, &scratch, &reason));
  EXPECT_EQ(v.integer, 3);
  EXPECT_FALSE(ConvertCell(Double(3.5), Column(ColumnKind::kInt64), &v, &scratch, &reason));
  EXPECT_EQ(reason, "3.5 is not an INT");
  EXPECT_FALSE(ConvertCell(Text("abc"), Column(ColumnKind::kDouble), &v, &scratch, &reason));
  EXPECT_EQ(reason, "'abc' is not a DOUBLE");
  ASSERT_TRUE(ConvertCell(Int(2), Column(ColumnKind::kDouble), &v, &scratch, &reason));
  EXPECT_EQ(v.real, 2.0);
  ASSERT_TRUE(ConvertCell(Int(2), Column(ColumnKind::kString), &v, &scratch, &reason));
  EXPECT_EQ(v.text, "2");
  ASSERT_TRUE(ConvertCell(Text("true"), Column(ColumnKind::kBool), &v, &scratch, &reason));
  EXPECT_EQ(v.integer, 1);
  EXPECT_FALSE(ConvertCell(Int(1), Column(ColumnKind::kBool), &v, &scratch, &reason));
  EXPECT_FALSE(ConvertCell(Text("\xff"), Column(ColumnKind::kString), &v, &scratch, &reason));
  EXPECT_EQ(reason, "invalid UTF-8");
  ASSERT_TRUE(ConvertCell(Text("1970-01-01T00:00:02Z"), Column(ColumnKind::kTimestamp), &v,
                          &scratch, &reason));
  EXPECT_EQ(v.integer, 2'000'000);
  // ISO text is read in the column's unit, exactly.
  IngestColumn millis{"t", ColumnKind::kTimestamp, parquet::TimeUnit::kMillis};
  ASSERT_TRUE(ConvertCell(Text("1970-01-01T00:00:02Z"), millis, &v, &scratch, &reason));
  EXPECT_EQ(v.integer, 2000);
  EXPECT_FALSE(ConvertCell(Text("1970-01-01T00:00:02.0001Z"), millis, &v, &scratch, &reason));
  // Ids that differ as text stay apart: "007" is not 7.
  EXPECT_FALSE(ConvertCell(Text("007"), Column(ColumnKind::kInt64), &v, &scratch, &reason));
  Cell null;
  ASSERT_TRUE(ConvertCell(null, Column(ColumnKind::kInt64), &v, &scratch, &reason));
  EXPECT_TRUE(v.is_null);
}

ColumnSample Sample(std::initializer_list<Cell> cells, bool time = false) {
  ColumnSample s;
  for (const Cell& c : cells) s.Add(c, time);
  return s;
}

TEST(TypeInference, OtherColumnsTakeTheNarrowestTypeEveryValueFits) {
  auto kind = [](const ColumnSample& s) { return InferColumn("c", s, false, false)->kind; };
  EXPECT_EQ(kind(Sample({Text("1"), Text("-2"), Cell{}})), ColumnKind::kInt64);
  EXPECT_EQ(kind(Sample({Text("1"), Text("2.5")})), ColumnKind::kDouble);
  EXPECT_EQ(kind(Sample({Text("true"), Text("FALSE")})), ColumnKind::kBool);
  EXPECT_EQ(kind(Sample({Text("1"), Text("x")})), ColumnKind::kString);
  EXPECT_EQ(kind(Sample({Text("true"), Text("1")})), ColumnKind::kString);
  EXPECT_EQ(kind(Sample({Cell{}})), ColumnKind::kString);
  // ISO times stay text outside the timestamp column.
  EXPECT_EQ(kind(Sample({Text("2024-01-01")})), ColumnKind::kString);
}

TEST(TypeInference, KeyColumnsFollowNineTenthsOfTheSample) {
  std::vector<Cell> cells(19, Text("5"));
  cells.push_back(Text("oops"));
  ColumnSample ints;
  for (const Cell& c : cells) ints.Add(c, true);
  EXPECT_EQ(InferColumn("ts", ints, false, true)->kind, ColumnKind::kInt64);
  EXPECT_EQ(InferColumn("id", ints, true, false)->kind, ColumnKind::kInt64);
  ColumnSample times = Sample({Text("2024-01-01T00:00:00Z"), Text("2024-01-02")}, true);
  EXPECT_EQ(InferColumn("ts", times, false, true)->kind, ColumnKind::kTimestamp);
  ColumnSample mixed = Sample({Text("1"), Text("x"), Text("y")}, true);
  auto bad = InferColumn("ts", mixed, false, true);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("--type ts="), std::string::npos);
  EXPECT_EQ(InferColumn("id", mixed, true, false)->kind, ColumnKind::kString);
  // "007" and "7" are two ids: the column is text.
  EXPECT_EQ(InferColumn("id", Sample({Text("007"), Text("7")}), true, false)->kind,
            ColumnKind::kString);
}

TEST(SchemaMerge, InputsAgreeOrWidenAndKeysMustFit) {
  auto input = [](std::vector<IngestColumn> c) { return InputColumns{std::move(c)}; };
  IngestColumn id_int{"id", ColumnKind::kInt64, parquet::TimeUnit::kMicros};
  IngestColumn id_text{"id", ColumnKind::kString, parquet::TimeUnit::kMicros};
  IngestColumn ts{"ts", ColumnKind::kInt64, parquet::TimeUnit::kMicros};
  IngestColumn ts_time{"ts", ColumnKind::kTimestamp, parquet::TimeUnit::kMicros};
  IngestColumn p_int{"p", ColumnKind::kInt64, parquet::TimeUnit::kMicros};
  IngestColumn p_double{"p", ColumnKind::kDouble, parquet::TimeUnit::kMicros};
  IngestColumn q{"q", ColumnKind::kBool, parquet::TimeUnit::kMicros};
  SchemaRequest request{"id", "ts", {}, {}};
  auto merged = MergeInputColumns(
      {"a", "b"}, {input({id_int, ts, p_int}), input({id_text, ts, p_double, q})}, request);
  ASSERT_TRUE(merged.ok()) << merged.status().message();
  ASSERT_EQ(merged->columns.size(), 4u);
  EXPECT_EQ(merged->columns[0].kind, ColumnKind::kString);  // an id is hashed as text either way
  EXPECT_EQ(merged->columns[2].kind, ColumnKind::kDouble);
  EXPECT_EQ(merged->columns[3].name, "q");
  EXPECT_EQ(merged->group_column, 0);
  EXPECT_EQ(merged->time_column, 1);

  auto clash =
      MergeInputColumns({"a", "b"}, {input({id_int, ts}), input({id_int, ts_time})}, request);
  ASSERT_FALSE(clash.ok());
  EXPECT_NE(clash.status().message().find("'ts' is INT in a and TIMESTAMP_US in b"),
            std::string::npos);
  request.type_overrides["ts"] = "TIMESTAMP";
  auto overridden =
      MergeInputColumns({"a", "b"}, {input({id_int, ts}), input({id_int, ts_time})}, request);
  ASSERT_TRUE(overridden.ok()) << overridden.status().message();
  EXPECT_EQ(overridden->columns[1].kind, ColumnKind::kTimestamp);

  SchemaRequest keep{"id", "ts", {"q"}, {}};
  auto kept = MergeInputColumns({"a"}, {input({id_int, ts, p_int, q})}, keep);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->columns.size(), 3u);
  EXPECT_EQ(kept->Find("p"), -1);
  SchemaRequest missing{"id", "nope", {}, {}};
  EXPECT_FALSE(MergeInputColumns({"a"}, {input({id_int, ts})}, missing).ok());
  IngestColumn id_bool{"id", ColumnKind::kBool, parquet::TimeUnit::kMicros};
  EXPECT_FALSE(MergeInputColumns({"a"}, {input({id_bool, ts})}, request).ok());
}

TEST(PartOfGroup, IsXxh64OfTheIdsTextModuloTheParts) {
  // XXH64("a", seed 0) = 0xD24EC4F1A98C6E5B and XXH64("", 0) = 0xEF46DB3751D8E999 (xxHash's
  // reference vectors); taken modulo by hand: 955 and 6.
  EXPECT_EQ(PartOfGroup(std::string_view("a"), 1000), 955u);
  EXPECT_EQ(PartOfGroup(std::string_view(""), 7), 6u);
  for (int64_t id : std::vector<int64_t>{0, 1, -5, 123456789, INT64_MIN}) {
    const std::string text = std::to_string(id);
    EXPECT_EQ(PartOfGroup(id, 20), PartOfGroup(std::string_view(text), 20)) << id;
  }
}

TEST(RepartitionOptions, SizesAndBadRowLimitsParse) {
  EXPECT_EQ(*ParseByteSize("512MB"), 512ull << 20);
  EXPECT_EQ(*ParseByteSize("2g"), 2ull << 30);
  EXPECT_EQ(*ParseByteSize("1.5KiB"), 1536u);
  EXPECT_EQ(*ParseByteSize("100"), 100u);
  EXPECT_FALSE(ParseByteSize("lots").ok());
  EXPECT_FALSE(ParseByteSize("-1MB").ok());
  EXPECT_FALSE(ParseByteSize("5XB").ok());
  EXPECT_EQ(ParseBadRowLimit("10")->rows, 10);
  EXPECT_EQ(ParseBadRowLimit("0.5%")->percent, 0.5);
  EXPECT_FALSE(ParseBadRowLimit("-1").ok());
  EXPECT_FALSE(ParseBadRowLimit("101%").ok());
  EXPECT_FALSE(ParseBadRowLimit("ten").ok());
  EXPECT_EQ(PartFileName(3, 20), "part-00003.parquet");
  EXPECT_EQ(PartFileName(7, 1000000), "part-000007.parquet");
}

}  // namespace
}  // namespace frocket::ingest
