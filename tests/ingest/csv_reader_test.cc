// CsvReader on hand-written files: fields, NULLs and quoting, line terminators, the header,
// defects with their lines and raw text, batching, and records across chunk boundaries.
#include "ingest/csv_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "storage/memory_source.h"

namespace frocket::ingest {
namespace {

// What a file read to its end gave, copied out of the batches. A cell is written as NULL,
// its text, or its text in <> when it was quoted.
struct ReadRow {
  int64_t line;
  std::string raw;
  std::vector<std::string> cells;
};
struct ReadDefect {
  int64_t line;
  std::string raw;
  std::string reason;
};
struct ReadResult {
  std::vector<ReadRow> rows;
  std::vector<ReadDefect> defects;
  std::vector<size_t> batch_sizes;  // records (rows plus defects) per batch
};

std::unique_ptr<ByteStream> StreamOf(const std::string& data) {
  auto source =
      std::make_shared<MemorySource>("data.csv", std::vector<uint8_t>(data.begin(), data.end()));
  return std::make_unique<ByteStream>(std::move(source), data.size());
}

Result<std::unique_ptr<CsvReader>> OpenCsv(const std::string& data, CsvOptions options = {}) {
  return CsvReader::Open(StreamOf(data), options);
}

std::string CellString(const Cell& cell) {
  if (cell.kind == CellKind::kNull) return "NULL";
  EXPECT_EQ(cell.kind, CellKind::kText);
  const std::string text(cell.text);
  return cell.quoted ? "<" + text + ">" : text;
}

ReadResult ReadAll(CsvReader* reader, size_t max_records = 1000) {
  ReadResult out;
  CellBatch batch;
  for (;;) {
    auto more = reader->Next(max_records, &batch);
    EXPECT_TRUE(more.ok()) << more.status().ToString();
    if (!more.ok() || !*more) break;
    EXPECT_EQ(batch.num_columns, reader->column_names().size());
    EXPECT_EQ(batch.cells.size(), batch.num_rows() * batch.num_columns);
    out.batch_sizes.push_back(batch.num_rows() + batch.defects.size());
    for (size_t r = 0; r < batch.num_rows(); ++r) {
      ReadRow row{batch.origins[r].position, std::string(batch.origins[r].raw), {}};
      for (size_t c = 0; c < batch.num_columns; ++c)
        row.cells.push_back(CellString(batch.row(r)[c]));
      out.rows.push_back(std::move(row));
    }
    for (const RecordDefect& d : batch.defects) {
      out.defects.push_back({d.origin.position, std::string(d.origin.raw), d.reason});
    }
  }
  EXPECT_TRUE(batch.cells.empty() && batch.origins.empty() && batch.defects.empty());
  return out;
}

ReadResult ReadFile(const std::string& data, CsvOptions options = {}) {
  auto reader = OpenCsv(data, options);
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  if (!reader.ok()) return {};
  ReadResult result = ReadAll(reader->get());
  EXPECT_EQ((*reader)->bytes_consumed(), data.size());
  return result;
}

using Cells = std::vector<std::string>;

TEST(CsvReader, HeaderAndSimpleRows) {
  auto reader = OpenCsv("id,name,score\n1,alice,3.5\n2,bob,4\n");
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->column_names(), (Cells{"id", "name", "score"}));
  EXPECT_EQ((*reader)->bytes_consumed(), 14u);
  const ReadResult r = ReadAll(reader->get());
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_TRUE(r.defects.empty());
  EXPECT_EQ(r.rows[0].line, 2);
  EXPECT_EQ(r.rows[0].raw, "1,alice,3.5");
  EXPECT_EQ(r.rows[0].cells, (Cells{"1", "alice", "3.5"}));
  EXPECT_EQ(r.rows[1].line, 3);
  EXPECT_EQ(r.rows[1].raw, "2,bob,4");
  EXPECT_EQ(r.rows[1].cells, (Cells{"2", "bob", "4"}));
  EXPECT_EQ((*reader)->bytes_consumed(), 34u);
}

TEST(CsvReader, EmptyUnquotedIsNullAndQuotedEmptyIsText) {
  const ReadResult r = ReadFile("a,b,c\n,\"\",x\n1,2,\n,,\n");
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_EQ(r.rows[0].cells, (Cells{"NULL", "<>", "x"}));
  EXPECT_EQ(r.rows[1].cells, (Cells{"1", "2", "NULL"}));
  EXPECT_EQ(r.rows[2].cells, (Cells{"NULL", "NULL", "NULL"}));
  EXPECT_EQ(r.rows[2].raw, ",,");
}

TEST(CsvReader, QuotedDelimiterNewlineAndDoubledQuotes) {
  const std::string data =
      "a,b\n"
      "\"x,y\",\"line1\nline2\"\n"
      "\"say \"\"hi\"\"\",plain\n"
      "3,\"\"\"\"\n";
  auto reader = OpenCsv(data);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  CellBatch batch;
  auto more = (*reader)->Next(100, &batch);
  ASSERT_TRUE(more.ok() && *more);
  ASSERT_EQ(batch.num_rows(), 3u);
  EXPECT_EQ(batch.origins[0].position, 2);
  EXPECT_EQ(batch.origins[0].raw, "\"x,y\",\"line1\nline2\"");
  EXPECT_EQ(CellString(batch.row(0)[0]), "<x,y>");
  EXPECT_EQ(CellString(batch.row(0)[1]), "<line1\nline2>");
  EXPECT_EQ(batch.origins[1].position, 4);  // line 3 is the quoted newline's
  EXPECT_EQ(CellString(batch.row(1)[0]), "<say \"hi\">");
  EXPECT_EQ(CellString(batch.row(1)[1]), "plain");
  EXPECT_EQ(batch.origins[2].position, 5);
  EXPECT_EQ(CellString(batch.row(2)[1]), "<\">");
  // Only the fields with doubled quotes were rewritten into `owned`.
  ASSERT_EQ(batch.owned.size(), 2u);
  EXPECT_EQ(batch.owned[0], "say \"hi\"");
  EXPECT_EQ(batch.row(1)[0].text.data(), batch.owned[0].data());
  EXPECT_EQ(batch.row(2)[1].text.data(), batch.owned[1].data());
  for (const std::string& s : batch.owned) {
    EXPECT_NE(batch.row(0)[1].text.data(), s.data());
  }
  EXPECT_TRUE(batch.defects.empty());
}

TEST(CsvReader, CrlfLineEnds) {
  const ReadResult r = ReadFile("a,b\r\n1,2\r\n\"x\",\"y\r\nz\"\r\n3\r4,\r\n");
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_EQ(r.rows[0].raw, "1,2");
  EXPECT_EQ(r.rows[0].cells, (Cells{"1", "2"}));
  EXPECT_EQ(r.rows[1].line, 3);
  EXPECT_EQ(r.rows[1].raw, "\"x\",\"y\r\nz\"");
  EXPECT_EQ(r.rows[1].cells, (Cells{"<x>", "<y\r\nz>"}));
  EXPECT_EQ(r.rows[2].line, 5);
  EXPECT_EQ(r.rows[2].cells, (Cells{"3\r4", "NULL"}));  // a CR not before LF is data
  auto reader = OpenCsv("a,b\r\n");
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->column_names(), (Cells{"a", "b"}));
}

TEST(CsvReader, LastRecordWithoutNewline) {
  ReadResult r = ReadFile("a,b\n1,2\n3,4");
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[1].line, 3);
  EXPECT_EQ(r.rows[1].raw, "3,4");
  EXPECT_EQ(r.rows[1].cells, (Cells{"3", "4"}));
  r = ReadFile("a,b\n1,\"x\"");
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].cells, (Cells{"1", "<x>"}));
  r = ReadFile("a,b\n1,");
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].cells, (Cells{"1", "NULL"}));
}

TEST(CsvReader, ByteOrderMarkIsSkipped) {
  const std::string data = "\xEF\xBB\xBFid,name\n1,\xEF\xBB\xBFx\n";
  auto reader = OpenCsv(data);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->column_names(), (Cells{"id", "name"}));
  const ReadResult r = ReadFile(data);
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].cells, (Cells{"1", "\xEF\xBB\xBFx"}));  // only at the file's start
}

TEST(CsvReader, BlankLinesAreSkippedButCounted) {
  const ReadResult r = ReadFile("\na,b\n\n1,2\r\n\r\n\n3,4\n\n");
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_TRUE(r.defects.empty());
  EXPECT_EQ(r.rows[0].line, 4);
  EXPECT_EQ(r.rows[0].cells, (Cells{"1", "2"}));
  EXPECT_EQ(r.rows[1].line, 7);
  EXPECT_EQ(r.rows[1].cells, (Cells{"3", "4"}));
}

TEST(CsvReader, RaggedLineIsADefect) {
  const ReadResult r = ReadFile("a,b,c,d,e\n1,2,3\n1,2,3,4,5\n1,2,3,4,5,6\n");
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].line, 3);
  ASSERT_EQ(r.defects.size(), 2u);
  EXPECT_EQ(r.defects[0].line, 2);
  EXPECT_EQ(r.defects[0].raw, "1,2,3");
  EXPECT_EQ(r.defects[0].reason, "ragged line: 3 fields where the header has 5");
  EXPECT_EQ(r.defects[1].line, 4);
  EXPECT_EQ(r.defects[1].raw, "1,2,3,4,5,6");
  EXPECT_EQ(r.defects[1].reason, "ragged line: 6 fields where the header has 5");
}

TEST(CsvReader, MalformedQuotingIsADefect) {
  const ReadResult r = ReadFile("a,b\n\"x\"y,2\n1,\"z\" \r\nab\"c,d\"\n3,\"4\"\"\"\n");
  ASSERT_EQ(r.defects.size(), 2u);
  EXPECT_EQ(r.defects[0].line, 2);
  EXPECT_EQ(r.defects[0].raw, "\"x\"y,2");
  EXPECT_EQ(r.defects[0].reason, "malformed quoting: characters after a closing quote in field 1");
  EXPECT_EQ(r.defects[1].line, 3);
  EXPECT_EQ(r.defects[1].raw, "1,\"z\" ");
  EXPECT_EQ(r.defects[1].reason, "malformed quoting: characters after a closing quote in field 2");
  // A quote inside an unquoted field is literal.
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0].line, 4);
  EXPECT_EQ(r.rows[0].cells, (Cells{"ab\"c", "d\""}));
  EXPECT_EQ(r.rows[1].cells, (Cells{"3", "<4\">"}));
}

TEST(CsvReader, UnterminatedQuoteTakesTheRestOfTheFile) {
  const ReadResult r = ReadFile("a,b\n1,2\n3,\"open\n4,5\n\n6,7\n");
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].cells, (Cells{"1", "2"}));
  ASSERT_EQ(r.defects.size(), 1u);
  EXPECT_EQ(r.defects[0].line, 3);
  EXPECT_EQ(r.defects[0].raw, "3,\"open\n4,5\n\n6,7\n");
  EXPECT_EQ(r.defects[0].reason, "unterminated quoted field");
}

TEST(CsvReader, InvalidUtf8IsADefect) {
  const ReadResult r =
      ReadFile("a,b\n1,\xff\n\xC3\xA9,2\n\"\xC3\",x\n12345678,abcdefg\xE2\x82\xAC\xED\xA0\x80\n");
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].line, 3);
  EXPECT_EQ(r.rows[0].cells, (Cells{"\xC3\xA9", "2"}));
  ASSERT_EQ(r.defects.size(), 3u);
  EXPECT_EQ(r.defects[0].line, 2);
  EXPECT_EQ(r.defects[0].raw, "1,\xff");
  EXPECT_EQ(r.defects[0].reason, "invalid UTF-8");
  EXPECT_EQ(r.defects[1].line, 4);
  EXPECT_EQ(r.defects[1].reason, "invalid UTF-8");
  EXPECT_EQ(r.defects[2].line, 5);  // a surrogate after the ASCII fast path's first word
  EXPECT_EQ(r.defects[2].reason, "invalid UTF-8");
}

TEST(CsvReader, CustomDelimiterAndQuote) {
  ReadResult r = ReadFile("a;b\n1,5;'x;y'\n'it''s';\"q\"\n", {.delimiter = ';', .quote = '\''});
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_TRUE(r.defects.empty());
  EXPECT_EQ(r.rows[0].cells, (Cells{"1,5", "<x;y>"}));
  EXPECT_EQ(r.rows[1].cells, (Cells{"<it's>", "\"q\""}));
  r = ReadFile("a\tb\n1\t\"x\ty\"\n\t2\n", {.delimiter = '\t'});
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0].cells, (Cells{"1", "<x\ty>"}));
  EXPECT_EQ(r.rows[1].cells, (Cells{"NULL", "2"}));
  auto same = OpenCsv("a\n", {.delimiter = '\'', .quote = '\''});
  EXPECT_FALSE(same.ok());
  auto newline = OpenCsv("a\n", {.delimiter = '\n'});
  EXPECT_FALSE(newline.ok());
}

TEST(CsvReader, WithoutHeaderColumnsAreNumbered) {
  const std::string data = "\n1,2,3\n4,,\"6\"\n7,8\n";
  auto reader = OpenCsv(data, {.header = false});
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->column_names(), (Cells{"column1", "column2", "column3"}));
  const ReadResult r = ReadAll(reader->get());
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0].line, 2);
  EXPECT_EQ(r.rows[0].cells, (Cells{"1", "2", "3"}));
  EXPECT_EQ(r.rows[1].line, 3);
  EXPECT_EQ(r.rows[1].cells, (Cells{"4", "NULL", "<6>"}));
  ASSERT_EQ(r.defects.size(), 1u);
  EXPECT_EQ(r.defects[0].line, 4);
  EXPECT_EQ(r.defects[0].reason, "ragged line: 2 fields where the first record has 3");

  for (const char* empty : {"", "\xEF\xBB\xBF", "\n\r\n\n"}) {
    auto none = OpenCsv(empty, {.header = false});
    ASSERT_TRUE(none.ok()) << none.status().ToString();
    EXPECT_TRUE((*none)->column_names().empty());
    CellBatch batch;
    auto more = (*none)->Next(10, &batch);
    ASSERT_TRUE(more.ok());
    EXPECT_FALSE(*more);
  }
}

TEST(CsvReader, HeaderErrors) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "data.csv: empty file, no header"},
      {"\xEF\xBB\xBF\n\r\n", "data.csv: empty file, no header"},
      {"a,b,\n1,2,3\n", "data.csv: header: column 3 has an empty name"},
      {"a,\"\",c\n", "data.csv: header: column 2 has an empty name"},
      {"a,b,a\n", "data.csv: header: column 3 'a' duplicates column 1"},
      {"x,\"x\"\n", "data.csv: header: column 2 'x' duplicates column 1"},
      {"a,\xff\n", "data.csv: header: invalid UTF-8"},
      {"\"a\"x,b\n",
       "data.csv: header: malformed quoting: characters after a closing quote in "
       "field 1"},
      {"a,\"b\n", "data.csv: header: unterminated quoted field"},
  };
  for (const auto& [data, message] : cases) {
    auto reader = OpenCsv(data);
    ASSERT_FALSE(reader.ok()) << data;
    EXPECT_EQ(reader.status().code(), StatusCode::kInvalid);
    EXPECT_EQ(reader.status().message(), message);
  }
  auto escaped = OpenCsv("\"a \"\"b\"\"\",\"c,d\"\n");
  ASSERT_TRUE(escaped.ok());
  EXPECT_EQ((*escaped)->column_names(), (Cells{"a \"b\"", "c,d"}));
}

// A file just over one chunk with a special record, `special,"it ""is"" split\r\nhere"\r\n`
// (a doubled quote and a CRLF inside its quoted field), placed so that its byte `8 + split`
// (byte `split` after the comma) is the first of the second chunk. Fills `expected` with the
// file's rows.
std::string FileAcrossTheBoundary(int split, std::vector<ReadRow>* expected) {
  std::string data = "id,text\n";
  int64_t line = 2;
  auto add = [&](const std::string& id, const std::string& cell, const std::string& field,
                 const std::string& terminator) {
    const std::string raw = id + "," + field;
    expected->push_back({line, raw, {id, cell}});
    data += raw + terminator;
    line += 1 + std::count(raw.begin(), raw.end(), '\n');
  };
  auto add_filler = [&] {
    const std::string id = std::to_string(expected->size());
    add(id, "row " + id + std::string(990, '.'), "row " + id + std::string(990, '.'), "\n");
  };
  const size_t special_at = ByteStream::kChunkBytes - 8 - split;
  while (special_at - data.size() >= 2000) add_filler();
  const std::string id = std::to_string(expected->size());
  const std::string pad(special_at - data.size() - id.size() - 2, 'p');
  add(id, pad, pad, "\n");
  EXPECT_EQ(data.size(), special_at);
  add("special", "<it \"is\" split\r\nhere>", "\"it \"\"is\"\" split\r\nhere\"", "\r\n");
  while (data.size() < ByteStream::kChunkBytes + (1 << 20)) add_filler();
  add("last", "<last>", "\"last\"", "");
  return data;
}

TEST(CsvReader, RecordsAcrossChunkBoundaries) {
  // The chunk boundary before: the record, its opening quote, the doubled quotes' first and
  // second, the inner LF, the closing quote, the outer CR and LF, the next record.
  for (const int split : {-8, -3, 0, 1, 4, 5, 17, 22, 23, 24, 25}) {
    std::vector<ReadRow> expected;
    const std::string data = FileAcrossTheBoundary(split, &expected);
    auto reader = OpenCsv(data);
    ASSERT_TRUE(reader.ok());
    const ReadResult r = ReadAll(reader->get(), 10000);
    EXPECT_TRUE(r.defects.empty()) << (r.defects.empty() ? "" : r.defects[0].reason);
    ASSERT_EQ(r.rows.size(), expected.size()) << split;
    size_t mismatches = 0;
    for (size_t i = 0; i < expected.size(); ++i) {
      const ReadRow& a = r.rows[i];
      const ReadRow& e = expected[i];
      if (a.line != e.line || a.raw != e.raw || a.cells != e.cells) {
        if (++mismatches == 1) {
          ADD_FAILURE() << "split " << split << ", row " << i << ": line " << a.line << " raw "
                        << a.raw << ", expected line " << e.line << " raw " << e.raw;
        }
      }
    }
    EXPECT_EQ(mismatches, 0u);
    EXPECT_EQ((*reader)->bytes_consumed(), data.size());
  }
}

TEST(CsvReader, MaxRecordsCountsRowsAndDefects) {
  std::string data = "a,b\n";
  for (int i = 0; i < 10; ++i) data += std::to_string(i) + ",x\n";
  data += "ragged\n\"bad\"quote,1\n";
  for (const size_t max_records : {1, 3, 5, 12, 100}) {
    auto reader = OpenCsv(data);
    ASSERT_TRUE(reader.ok());
    const ReadResult r = ReadAll(reader->get(), max_records);
    EXPECT_EQ(r.rows.size(), 10u);
    EXPECT_EQ(r.defects.size(), 2u);
    size_t total = 0;
    for (size_t n : r.batch_sizes) {
      EXPECT_GE(n, 1u);
      EXPECT_LE(n, max_records);
      total += n;
    }
    EXPECT_EQ(total, 12u);
    EXPECT_EQ(r.batch_sizes.size(), (12 + max_records - 1) / max_records);
  }
}

TEST(CsvReader, RecordOver64MbIsAnError) {
  const size_t big = CsvReader::kMaxRecordBytes + (1 << 20);
  for (const bool quoted : {false, true}) {
    std::string data = "a\n1\n";
    data += quoted ? "\"" : "";
    data.append(big, 'x');
    data += "\n2\n";
    auto reader = OpenCsv(data);
    ASSERT_TRUE(reader.ok());
    CellBatch batch;
    auto first = (*reader)->Next(100, &batch);  // the row before it
    ASSERT_TRUE(first.ok() && *first);
    EXPECT_EQ(batch.num_rows(), 1u);
    auto second = (*reader)->Next(100, &batch);
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.status().code(), StatusCode::kInvalid);
    EXPECT_EQ(second.status().message(),
              "data.csv: line 3: a record longer than 64 MB (an unterminated quote?)");
  }
}

}  // namespace
}  // namespace frocket::ingest
