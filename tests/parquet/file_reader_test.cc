// ParquetFile through its library API: column projection (bytes read), the dictionary form,
// statistics, checksum verification and the memory budget, on the shared corpus.
#include "parquet/file_reader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "storage/local_file_source.h"
#include "storage/memory_source.h"
#include "support/subprocess.h"

namespace frocket::parquet {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::string CorpusPath(const std::string& relative) {
  return (fs::path(testing::TestDataDir()) / "parquet" / relative).string();
}

std::shared_ptr<MemorySource> LoadIntoMemory(const std::string& relative) {
  std::ifstream in(CorpusPath(relative), std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
  return std::make_shared<MemorySource>(relative, std::move(bytes));
}

json Expected(const std::string& relative) {
  std::ifstream in(fs::path(CorpusPath(relative)).replace_extension(".expected.json"));
  return json::parse(in);
}

std::unique_ptr<ParquetFile> MustOpen(std::shared_ptr<ByteSource> source) {
  auto file = ParquetFile::Open(std::move(source));
  EXPECT_TRUE(file.ok()) << file.status().message();
  return file.ok() ? std::move(*file) : nullptr;
}

constexpr const char* kActivity = "writers/duckdb/user_activity_snappy_v1.parquet";

TEST(ParquetFile, OpenReadsOnlyTheFooterAndProjectionReadsOnlyItsChunks) {
  auto source = LoadIntoMemory(kActivity);
  const uint64_t size = *source->Size();
  auto file = MustOpen(source);
  ASSERT_TRUE(file);
  // Opening: the tail (footer) and, as the file is larger than the tail read, the 4-byte
  // leading magic.
  EXPECT_LE(source->reads(), 3u);
  EXPECT_EQ(source->bytes_read(), std::min<uint64_t>(size, ParquetFile::kFooterGuess) + 4);
  const uint64_t after_open = source->bytes_read();

  const int ts = file->schema().FindColumn("ts");
  ASSERT_GE(ts, 0);
  auto column = file->ReadColumn(ts);
  ASSERT_TRUE(column.ok()) << column.status().message();
  uint64_t chunk_bytes = 0;
  for (int g = 0; g < file->num_row_groups(); ++g) chunk_bytes += file->chunk_range(g, ts).length;
  // Exactly the chunks of `ts`, one read per row group.
  EXPECT_EQ(source->bytes_read() - after_open, chunk_bytes);
  EXPECT_LT(chunk_bytes, size / 5) << "one column of ten should be a small part of the file";
}

TEST(ParquetFile, DictionaryFormDecodesToTheSameStrings) {
  // Every BYTE_ARRAY column of the corpus: dictionary form (where the reader keeps it) and
  // plain form must denote the same values and nulls.
  int dictionary_columns = 0;
  for (const char* dir : {"conformance", "writers/duckdb", "writers/arrow-rs", "writers/clickhouse",
                          "writers/hyparquet-writer"}) {
    for (const auto& entry : fs::directory_iterator(CorpusPath(dir))) {
      if (entry.path().extension() != ".parquet") continue;
      auto source = LocalFileSource::Open(entry.path().string());
      ASSERT_TRUE(source.ok());
      auto file = MustOpen(std::shared_ptr<ByteSource>(std::move(*source)));
      ASSERT_TRUE(file);
      for (const auto& c : file->schema().columns()) {
        if (c.physical_type != PhysicalType::kByteArray) continue;
        SCOPED_TRACE(entry.path().filename().string() + " column " + c.name);
        ReadOptions dict_options;
        dict_options.dictionary_strings = true;
        auto plain = file->ReadColumn(c.index);
        auto dict = file->ReadColumn(c.index, dict_options);
        ASSERT_TRUE(plain.ok()) << plain.status().message();
        ASSERT_TRUE(dict.ok()) << dict.status().message();
        ASSERT_EQ(plain->length, dict->length);
        EXPECT_EQ(plain->null_count, dict->null_count);
        if (!dict->is_dictionary()) continue;
        ++dictionary_columns;
        const ColumnVector& entries = *dict->dictionary;
        std::set<std::string_view> distinct;
        for (int64_t i = 0; i < entries.length; ++i) distinct.insert(entries.StringAt(i));
        EXPECT_EQ(static_cast<int64_t>(distinct.size()), entries.length) << "entries are distinct";
        for (int64_t r = 0; r < plain->length; ++r) {
          ASSERT_EQ(plain->IsNull(r), dict->IsNull(r)) << "row " << r;
          if (plain->IsNull(r)) {
            ASSERT_EQ(dict->CodeAt(r), entries.length) << "null code, row " << r;
          } else {
            ASSERT_EQ(plain->StringAt(r), entries.StringAt(dict->CodeAt(r))) << "row " << r;
          }
        }
      }
    }
  }
  EXPECT_GE(dictionary_columns, 20) << "the corpus has many dictionary-encoded string columns";
}

TEST(ParquetFile, IntegerDictionaryFormDecodesToTheSameValues) {
  // Every INT32/INT64 column of the corpus: dictionary form (codes into distinct values,
  // merged across row groups) must denote the same values and nulls as the plain form.
  int dictionary_columns = 0;
  for (const char* dir : {"conformance", "writers/duckdb", "writers/arrow-rs", "writers/clickhouse",
                          "writers/hyparquet-writer"}) {
    for (const auto& entry : fs::directory_iterator(CorpusPath(dir))) {
      if (entry.path().extension() != ".parquet") continue;
      auto source = LocalFileSource::Open(entry.path().string());
      ASSERT_TRUE(source.ok());
      auto file = MustOpen(std::shared_ptr<ByteSource>(std::move(*source)));
      ASSERT_TRUE(file);
      for (const auto& c : file->schema().columns()) {
        if (c.physical_type != PhysicalType::kInt32 && c.physical_type != PhysicalType::kInt64) {
          continue;
        }
        SCOPED_TRACE(entry.path().filename().string() + " column " + c.name);
        ReadOptions dict_options;
        dict_options.dictionary_integers = true;
        auto plain = file->ReadColumn(c.index);
        auto dict = file->ReadColumn(c.index, dict_options);
        ASSERT_TRUE(plain.ok()) << plain.status().message();
        ASSERT_TRUE(dict.ok()) << dict.status().message();
        ASSERT_EQ(plain->length, dict->length);
        if (!dict->is_dictionary()) continue;
        ++dictionary_columns;
        const ColumnVector& entries = *dict->dictionary;
        const int width = c.physical_type == PhysicalType::kInt32 ? 4 : 8;
        std::set<std::string> distinct;
        for (int64_t i = 0; i < entries.length; ++i) {
          auto v = entries.FixedAt(i);
          distinct.emplace(reinterpret_cast<const char*>(v.data()), v.size());
        }
        EXPECT_EQ(static_cast<int64_t>(distinct.size()), entries.length) << "entries are distinct";
        for (int64_t r = 0; r < plain->length; ++r) {
          ASSERT_EQ(plain->IsNull(r), dict->IsNull(r)) << "row " << r;
          if (plain->IsNull(r)) {
            ASSERT_EQ(dict->CodeAt(r), entries.length) << "null code, row " << r;
          } else {
            ASSERT_EQ(std::memcmp(plain->FixedAt(r).data(), entries.FixedAt(dict->CodeAt(r)).data(),
                                  static_cast<size_t>(width)),
                      0)
                << "row " << r;
          }
        }
      }
    }
  }
  EXPECT_GE(dictionary_columns, 10) << "the corpus has many dictionary-encoded integer columns";
}

TEST(ParquetFile, DictionaryFormMergesRowGroupDictionaries) {
  // event_type: 7 distinct values (corpus README), dictionary-encoded in each of 5 row groups.
  auto source = LocalFileSource::Open(CorpusPath(kActivity));
  ASSERT_TRUE(source.ok());
  auto file = MustOpen(std::shared_ptr<ByteSource>(std::move(*source)));
  ASSERT_EQ(file->num_row_groups(), 5);
  ReadOptions options;
  options.dictionary_strings = true;
  auto v = file->ReadColumn(file->schema().FindColumn("event_type"), options);
  ASSERT_TRUE(v.ok()) << v.status().message();
  ASSERT_TRUE(v->is_dictionary());
  EXPECT_EQ(v->dictionary->length, 7);
  EXPECT_EQ(v->length, 5000);
}

TEST(ParquetFile, StatisticsAgreeWithTheDecodedValues) {
  // Min/max of `ts` per row group, computed from the expected values of independent readers.
  const json expected = Expected(kActivity);
  auto source = LocalFileSource::Open(CorpusPath(kActivity));
  auto file = MustOpen(std::shared_ptr<ByteSource>(std::move(*source)));
  const int ts = file->schema().FindColumn("ts");
  const json& values = expected["data"]["ts"];
  size_t row = 0;
  for (int g = 0; g < file->num_row_groups(); ++g) {
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (int64_t i = 0; i < file->row_group_num_rows(g); ++i, ++row) {
      lo = std::min(lo, values[row].get<int64_t>());
      hi = std::max(hi, values[row].get<int64_t>());
    }
    ColumnChunkStatistics s = file->statistics(g, ts);
    ASSERT_TRUE(s.min && s.max) << "row group " << g;
    int64_t min, max;
    ASSERT_EQ(s.min->size(), 8u);
    std::memcpy(&min, s.min->data(), 8);
    std::memcpy(&max, s.max->data(), 8);
    EXPECT_EQ(min, lo) << "row group " << g;
    EXPECT_EQ(max, hi) << "row group " << g;
    EXPECT_EQ(s.null_count.value_or(-1), 0);
  }
}

TEST(ParquetFile, ChecksumVerificationIsWhatRejectsCorruptPages) {
  // With verification off, the corrupt pages decode to the flipped values the corpus
  // documents (a = 454695448 at row 1286, b = -1145325128 at row 3911).
  auto source = LocalFileSource::Open(CorpusPath("malformed/datapage_v1-corrupt-checksum.parquet"));
  auto file = MustOpen(std::shared_ptr<ByteSource>(std::move(*source)));
  const int a = file->schema().FindColumn("a");
  const int b = file->schema().FindColumn("b");
  EXPECT_FALSE(file->ReadColumn(a).ok());
  ReadOptions lenient;
  lenient.verify_checksums = false;
  auto va = file->ReadColumn(a, lenient);
  auto vb = file->ReadColumn(b, lenient);
  ASSERT_TRUE(va.ok() && vb.ok());
  EXPECT_EQ(va->values_as<int32_t>()[1286], 454695448);
  EXPECT_EQ(vb->values_as<int32_t>()[3911], -1145325128);
}

TEST(ParquetFile, MemoryBudgetIsEnforced) {
  auto source = LocalFileSource::Open(CorpusPath(kActivity));
  auto file = MustOpen(std::shared_ptr<ByteSource>(std::move(*source)));
  ReadOptions tight;
  tight.max_column_bytes = 1000;
  auto v = file->ReadColumn(file->schema().FindColumn("url"), tight);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kOutOfMemory);
  EXPECT_NE(v.status().message().find("column 'url'"), std::string::npos) << v.status().message();
}

TEST(ParquetFile, NestedSchemaIsRejectedNamingTheColumn) {
  auto source = LocalFileSource::Open(CorpusPath("malformed/ARROW-GH-45185.parquet"));
  auto file = ParquetFile::Open(std::shared_ptr<ByteSource>(std::move(*source)));
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.status().message().find("column 'x' is a nested group"), std::string::npos)
      << file.status().message();
}

}  // namespace
}  // namespace frocket::parquet
