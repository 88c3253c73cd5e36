// JsonlReader on hand-written JSON Lines: columns found in a sample, JSON types as cells,
// defects with their lines, and batches across the buffer's refills.
#include "ingest/jsonl_reader.h"

#include <gtest/gtest.h>

#include "storage/memory_source.h"

namespace frocket::ingest {
namespace {

std::unique_ptr<ByteStream> StreamOf(const std::string& data) {
  auto source =
      std::make_shared<MemorySource>("e.jsonl", std::vector<uint8_t>(data.begin(), data.end()));
  return std::make_unique<ByteStream>(std::move(source), data.size());
}

std::string Shown(const Cell& c) {
  switch (c.kind) {
    case CellKind::kNull:
      return "NULL";
    case CellKind::kBool:
      return c.integer ? "true" : "false";
    case CellKind::kInt:
      return "i" + std::to_string(c.integer);
    case CellKind::kDouble:
      return "d" + std::to_string(c.real);
    case CellKind::kText:
      return "'" + std::string(c.text) + "'";
  }
  return "?";
}

TEST(JsonlReader, ColumnsComeFromTheSampleAndValuesKeepTheirJsonTypes) {
  const std::string data =
      "{\"u\": 1, \"t\": 10, \"e\": \"view\"}\r\n"
      "\n"
      "{\"u\": 2, \"e\": null, \"t\": 11.5, \"x\": true}\n"
      "{\"u\": 18446744073709551615, \"t\": 12, \"e\": {\"a\": [1, 2]}}\n"
      "[1, 2]\n"
      "{\"u\": 3, \"t\": \n"
      "{\"u\": 4, \"t\": 13, \"new\": 1}\n"
      "{\"u\": \"\xff\"}\n"
      "{\"u\": 5, \"t\": 14}";
  auto reader = JsonlReader::Open(StreamOf(data), 3);
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  EXPECT_EQ((*reader)->column_names(), (std::vector<std::string>{"u", "t", "e", "x"}));
  CellBatch batch;
  std::vector<std::string> rows, defects;
  while (true) {
    auto more = (*reader)->Next(2, &batch);
    ASSERT_TRUE(more.ok());
    if (!*more) break;
    for (size_t r = 0; r < batch.num_rows(); ++r) {
      std::string row = std::to_string(batch.origins[r].position) + ":";
      for (size_t c = 0; c < batch.num_columns; ++c) row += " " + Shown(batch.row(r)[c]);
      rows.push_back(row);
    }
    for (const auto& d : batch.defects) {
      defects.push_back(std::to_string(d.origin.position) + ": " +
                        d.reason.substr(0, d.reason.find(':')) + " [" + std::string(d.origin.raw) +
                        "]");
    }
  }
  EXPECT_EQ(rows, (std::vector<std::string>{
                      "1: i1 i10 'view' NULL",
                      "3: i2 d11.500000 NULL true",
                      "4: '18446744073709551615' i12 '{\"a\":[1,2]}' NULL",
                      "9: i5 i14 NULL NULL",
                  }));
  EXPECT_EQ(defects, (std::vector<std::string>{
                         "5: not a JSON object [[1, 2]]",
                         "6: invalid JSON [{\"u\": 3, \"t\": ]",
                         "7: unknown field [{\"u\": 4, \"t\": 13, \"new\": 1}]",
                         "8: invalid UTF-8 [{\"u\": \"\xff\"}]",
                     }));
  EXPECT_EQ((*reader)->bytes_consumed(), data.size());
}

TEST(JsonlReader, GivenColumnsReadLinesAcrossBufferRefills) {
  // About 20 MB: records straddle the 8 MB chunks, and batches stop before a refill would
  // move the lines they point to.
  std::string data;
  const std::string padding(1000, 'p');
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    data += "{\"id\": " + std::to_string(i) + ", \"pad\": \"" + padding + "\"}\n";
  }
  auto reader = JsonlReader::WithColumns(StreamOf(data), {"pad", "id"});
  CellBatch batch;
  int next = 0;
  while (true) {
    auto more = reader->Next(777, &batch);
    ASSERT_TRUE(more.ok());
    if (!*more) break;
    ASSERT_TRUE(batch.defects.empty());
    for (size_t r = 0; r < batch.num_rows(); ++r, ++next) {
      ASSERT_EQ(batch.row(r)[1].integer, next);
      ASSERT_EQ(batch.row(r)[0].text, padding);
      ASSERT_EQ(batch.origins[r].position, next + 1);
    }
  }
  EXPECT_EQ(next, n);
}

}  // namespace
}  // namespace frocket::ingest
