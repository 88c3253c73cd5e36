// Counting an integer column's distinct values without decoding its rows
// (ParquetFile::CountDistinctIntegers, ColumnReader's distinct form): against the values that
// independent readers recorded for the shared corpus, and on column chunks built by hand for
// what the corpus lacks — dictionary entries no row uses, indices past the dictionary, nulls,
// a chunk that leaves its dictionary for plain pages.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "parquet/column_reader.h"
#include "parquet/file_reader.h"
#include "parquet/metadata.h"
#include "storage/local_file_source.h"
#include "storage/memory_source.h"
#include "support/subprocess.h"

namespace frocket::parquet {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

TEST(CountDistinctIntegers, AgreesWithTheCorpusValues) {
  // Every INT32/INT64 column of the corpus whose expected values are complete: distinct non-null
  // values and nulls as the independent readers recorded them; where the reader fails, so does
  // the count.
  int checked = 0;
  for (const char* dir : {"conformance", "writers/duckdb", "writers/arrow-rs", "writers/clickhouse",
                          "writers/hyparquet-writer"}) {
    for (const auto& entry :
         fs::directory_iterator(fs::path(testing::TestDataDir()) / "parquet" / dir)) {
      if (entry.path().extension() != ".parquet") continue;
      std::ifstream in(fs::path(entry.path()).replace_extension(".expected.json"));
      const json expected = json::parse(in);
      auto source = LocalFileSource::Open(entry.path().string());
      ASSERT_TRUE(source.ok());
      auto file = ParquetFile::Open(std::shared_ptr<ByteSource>(std::move(*source)));
      if (!file.ok()) continue;  // nested schemas: no column to count
      for (const auto& c : (*file)->schema().columns()) {
        if (c.physical_type != PhysicalType::kInt32 && c.physical_type != PhysicalType::kInt64) {
          continue;
        }
        SCOPED_TRACE(entry.path().filename().string() + " column " + c.name);
        auto count = (*file)->CountDistinctIntegers(c.index, 0, (*file)->num_row_groups());
        if (!(*file)->ReadColumn(c.index).ok()) {
          EXPECT_FALSE(count.ok());
          continue;
        }
        ASSERT_TRUE(count.ok()) << count.status().message();
        EXPECT_EQ(count->rows, (*file)->num_rows());
        if (!expected.at("complete").get<bool>()) continue;
        std::set<std::string> distinct;
        int64_t nulls = 0;
        for (const json& v : expected.at("data").at(c.name)) {
          if (v.is_null()) {
            ++nulls;
          } else {
            distinct.insert(v.dump());
          }
        }
        EXPECT_EQ(count->nulls, nulls);
        EXPECT_EQ(count->distinct, static_cast<int64_t>(distinct.size()));
        ++checked;
      }
    }
  }
  EXPECT_GE(checked, 40) << "the corpus has many integer columns";
}

// --- column chunks built by hand (uncompressed, no checksums) ---

ColumnDescriptor IntColumn(bool nullable, PhysicalType type = PhysicalType::kInt64) {
  ColumnDescriptor d;
  d.name = "id";
  d.physical_type = type;
  d.repetition = nullable ? Repetition::kOptional : Repetition::kRequired;
  d.kind = ValueKind::kInt;
  return d;
}

void AppendPage(PageHeader h, const std::vector<uint8_t>& body, std::vector<uint8_t>* chunk) {
  h.uncompressed_page_size = static_cast<int32_t>(body.size());
  h.compressed_page_size = static_cast<int32_t>(body.size());
  const std::vector<uint8_t> header = EncodePageHeader(h);
  chunk->insert(chunk->end(), header.begin(), header.end());
  chunk->insert(chunk->end(), body.begin(), body.end());
}

std::vector<uint8_t> PlainInts(const std::vector<int64_t>& values,
                               PhysicalType type = PhysicalType::kInt64) {
  const size_t width = type == PhysicalType::kInt64 ? 8 : 4;
  std::vector<uint8_t> bytes(values.size() * width);
  for (size_t i = 0; i < values.size(); ++i) {
    const auto narrow = static_cast<int32_t>(values[i]);
    std::memcpy(bytes.data() + i * width,
                width == 8 ? static_cast<const void*>(&values[i]) : &narrow, width);
  }
  return bytes;
}

// One bit-packed run of the RLE/bit-packed hybrid encoding.
std::vector<uint8_t> BitPacked(const std::vector<uint32_t>& values, int bit_width) {
  const size_t groups = (values.size() + 7) / 8;
  std::vector<uint8_t> out;
  for (uint64_t header = (groups << 1) | 1; true; header >>= 7) {  // ULEB128
    out.push_back(static_cast<uint8_t>((header & 0x7f) | (header >= 0x80 ? 0x80 : 0)));
    if (header < 0x80) break;
  }
  std::vector<uint8_t> packed(groups * static_cast<size_t>(bit_width), 0);
  for (size_t i = 0; i < values.size(); ++i) {
    for (int b = 0; b < bit_width; ++b) {
      if ((values[i] >> b) & 1) {
        const size_t bit = i * static_cast<size_t>(bit_width) + static_cast<size_t>(b);
        packed[bit / 8] |= static_cast<uint8_t>(1u << (bit % 8));
      }
    }
  }
  out.insert(out.end(), packed.begin(), packed.end());
  return out;
}

void AppendDictionary(const std::vector<int64_t>& entries, std::vector<uint8_t>* chunk,
                      PhysicalType type = PhysicalType::kInt64) {
  PageHeader h;
  h.type = static_cast<int32_t>(PageType::kDictionaryPage);
  h.dictionary_page_header = DictionaryPageHeader{static_cast<int32_t>(entries.size()),
                                                  static_cast<int32_t>(Encoding::kPlain)};
  AppendPage(h, PlainInts(entries, type), chunk);
}

// A v1 data page; `present` (nullable columns) says which rows have a value.
void AppendDataPage(Encoding encoding, const std::vector<uint8_t>& values, size_t rows,
                    const std::vector<uint32_t>* present, std::vector<uint8_t>* chunk) {
  PageHeader h;
  h.type = static_cast<int32_t>(PageType::kDataPage);
  h.data_page_header =
      DataPageHeader{static_cast<int32_t>(rows), static_cast<int32_t>(encoding),
                     static_cast<int32_t>(Encoding::kRle), static_cast<int32_t>(Encoding::kRle)};
  std::vector<uint8_t> body;
  if (present != nullptr) {
    const std::vector<uint8_t> levels = BitPacked(*present, 1);
    const auto length = static_cast<uint32_t>(levels.size());
    body.resize(4);
    std::memcpy(body.data(), &length, 4);
    body.insert(body.end(), levels.begin(), levels.end());
  }
  body.insert(body.end(), values.begin(), values.end());
  AppendPage(h, body, chunk);
}

void AppendIndexPage(const std::vector<uint32_t>& indices, int bit_width,
                     std::vector<uint8_t>* chunk, const std::vector<uint32_t>* present = nullptr,
                     size_t rows = 0) {
  std::vector<uint8_t> values = {static_cast<uint8_t>(bit_width)};
  const std::vector<uint8_t> packed = BitPacked(indices, bit_width);
  values.insert(values.end(), packed.begin(), packed.end());
  AppendDataPage(Encoding::kRleDictionary, values, present ? rows : indices.size(), present, chunk);
}

struct Chunk {
  std::vector<uint8_t> bytes;
  int64_t rows = 0;
};

Result<DistinctCount> CountChunks(const ColumnDescriptor& column, const std::vector<Chunk>& chunks,
                                  DistinctIntegers* distinct) {
  int64_t rows = 0;
  for (const Chunk& c : chunks) rows += c.rows;
  ColumnReader reader(column, ReadOptions{}, rows, distinct);
  ColumnMetaData meta;
  meta.type = static_cast<int32_t>(column.physical_type);
  meta.codec = static_cast<int32_t>(CompressionCodec::kUncompressed);
  for (size_t g = 0; g < chunks.size(); ++g) {
    FROCKET_RETURN_IF_ERROR(
        reader.AppendChunk(chunks[g].bytes, meta, chunks[g].rows, static_cast<int>(g)));
  }
  FROCKET_ASSIGN_OR_RETURN(ColumnVector v, reader.Finish());
  return DistinctCount{v.length, v.null_count, distinct->size()};
}

TEST(DistinctForm, CountsOnlyTheDictionaryEntriesRowsUse) {
  // Five entries, rows using three of them; a second row group's dictionary shares one value
  // with the first and has one unused entry of its own.
  for (PhysicalType type : {PhysicalType::kInt32, PhysicalType::kInt64}) {
    Chunk first, second;
    AppendDictionary({10, 20, 30, 40, -50}, &first.bytes, type);
    AppendIndexPage({0, 2, 2, 0, 4, 0}, 3, &first.bytes);
    first.rows = 6;
    AppendDictionary({-50, 60, 70}, &second.bytes, type);
    AppendIndexPage({0, 1, 1}, 2, &second.bytes);
    second.rows = 3;
    for (bool bounded : {true, false}) {
      SCOPED_TRACE(std::string(type == PhysicalType::kInt32 ? "INT32" : "INT64") +
                   (bounded ? ", bitmap" : ", hashed"));
      DistinctIntegers distinct =
          bounded ? DistinctIntegers(-100, 100, 1 << 10) : DistinctIntegers();
      auto count = CountChunks(IntColumn(false, type), {first, second}, &distinct);
      ASSERT_TRUE(count.ok()) << count.status().message();
      EXPECT_EQ(count->rows, 9);
      EXPECT_EQ(count->nulls, 0);
      EXPECT_EQ(count->distinct, 4) << "10, 30, -50, 60";
      EXPECT_EQ(distinct.is_bitmap(), bounded) << "-50 sign-extended, inside the range";
    }
  }
}

// Reads the chunks as loading a part does (dictionary form): its error, if any.
Status ReadChunks(const ColumnDescriptor& column, const std::vector<Chunk>& chunks,
                  const ReadOptions& options) {
  int64_t rows = 0;
  for (const Chunk& c : chunks) rows += c.rows;
  ColumnReader reader(column, options, rows);
  ColumnMetaData meta;
  for (size_t g = 0; g < chunks.size(); ++g) {
    FROCKET_RETURN_IF_ERROR(
        reader.AppendChunk(chunks[g].bytes, meta, chunks[g].rows, static_cast<int>(g)));
  }
  return reader.Finish().status();
}

// The count of these chunks must fail, as reading them in dictionary form does, with its
// message, which must mention `what`.
void ExpectSameError(const std::vector<Chunk>& chunks, const ReadOptions& options,
                     const std::string& what) {
  const ColumnDescriptor column = IntColumn(false);
  ReadOptions dictionary_form = options;
  dictionary_form.dictionary_integers = true;
  const Status read = ReadChunks(column, chunks, dictionary_form);
  int64_t rows = 0;
  for (const Chunk& c : chunks) rows += c.rows;
  DistinctIntegers distinct;
  ColumnReader reader(column, options, rows, &distinct);
  Status count;
  for (size_t g = 0; g < chunks.size() && count.ok(); ++g) {
    count =
        reader.AppendChunk(chunks[g].bytes, ColumnMetaData{}, chunks[g].rows, static_cast<int>(g));
  }
  if (count.ok()) count = reader.Finish().status();
  ASSERT_FALSE(read.ok());
  ASSERT_FALSE(count.ok());
  EXPECT_EQ(count.message(), read.message());
  EXPECT_NE(count.message().find(what), std::string::npos) << count.message();
}

TEST(DistinctForm, FailsAsReadingTheColumnDoes) {
  // An index past the dictionary: at bit width 3 (eight marks, spare ones looked at once a
  // page), and at bit width 20 (a million marks would be too many: each index checked).
  for (int bit_width : {3, 20}) {
    SCOPED_TRACE("bit width " + std::to_string(bit_width));
    Chunk chunk;
    AppendDictionary({10, 20, 30, 40, 50}, &chunk.bytes);
    AppendIndexPage({0, 1, 2, 0}, bit_width, &chunk.bytes);
    AppendIndexPage({0, 1, 5, 0}, bit_width, &chunk.bytes);
    chunk.rows = 8;
    ExpectSameError({chunk}, ReadOptions{}, "row group 0, page 2 (");  // the second data page
    ExpectSameError({chunk}, ReadOptions{},
                    "dictionary index 5 is out of range: the dictionary has 5 entries");
  }
  // A page whose first 4096 indices hold one past the dictionary and whose run then ends
  // before its 5000 values: reading finds the index first, and so must the count.
  {
    std::vector<uint32_t> indices(5000, 1);
    indices[2] = 5;
    Chunk chunk;
    AppendDictionary({10, 20, 30, 40, 50}, &chunk.bytes);
    std::vector<uint8_t> values = {3};
    const std::vector<uint8_t> packed = BitPacked(indices, 3);
    values.insert(values.end(), packed.begin(), packed.end() - 300);  // 800 values cut off
    AppendDataPage(Encoding::kRleDictionary, values, indices.size(), nullptr, &chunk.bytes);
    chunk.rows = 5000;
    ExpectSameError({chunk}, ReadOptions{}, "dictionary index 5 is out of range");
    indices[2] = 4;  // then the run's end is the error
    Chunk cut;
    AppendDictionary({10, 20, 30, 40, 50}, &cut.bytes);
    values = {3};
    const std::vector<uint8_t> repacked = BitPacked(indices, 3);
    values.insert(values.end(), repacked.begin(), repacked.end() - 300);
    AppendDataPage(Encoding::kRleDictionary, values, indices.size(), nullptr, &cut.bytes);
    cut.rows = 5000;
    ExpectSameError({cut}, ReadOptions{}, "dictionary indices: RLE/bit-packed data ends");
  }
  // More rows than the read budget allows codes for (4 bytes a row).
  {
    Chunk chunk;
    AppendDictionary({10, 20}, &chunk.bytes);
    AppendIndexPage({0, 1, 1, 0, 1, 0, 0, 1, 1}, 1, &chunk.bytes);
    chunk.rows = 9;
    ReadOptions small;
    small.max_column_bytes = 32;
    ExpectSameError({chunk}, small, "the column's codes would take 36 bytes");
  }
}

TEST(DistinctForm, NullsAreCountedAndNotValues) {
  // Six rows, four present; their indices name two entries of three.
  Chunk chunk;
  AppendDictionary({-7, 8, 9}, &chunk.bytes);
  const std::vector<uint32_t> present = {1, 0, 1, 1, 0, 1};
  AppendIndexPage({2, 2, 0, 2}, 2, &chunk.bytes, &present, 6);
  chunk.rows = 6;
  DistinctIntegers distinct(-10, 10, 1 << 10);
  auto count = CountChunks(IntColumn(true), {chunk}, &distinct);
  ASSERT_TRUE(count.ok()) << count.status().message();
  EXPECT_EQ(count->rows, 6);
  EXPECT_EQ(count->nulls, 2);
  EXPECT_EQ(count->distinct, 2) << "-7 and 9";
}

TEST(DistinctForm, AChunkThatLeavesItsDictionaryForPlainPages) {
  // Dictionary pages, then plain ones (a writer whose dictionary grew too large): the plain
  // values, some outside the range the bitmap was given, are counted with the used entries.
  Chunk chunk;
  AppendDictionary({1, 2, 3}, &chunk.bytes);
  AppendIndexPage({0, 0, 1}, 2, &chunk.bytes);
  AppendDataPage(Encoding::kPlain, PlainInts({2, 3, 1000000, -5, 1000000}), 5, nullptr,
                 &chunk.bytes);
  chunk.rows = 8;
  DistinctIntegers distinct(0, 10, 1 << 10);
  auto count = CountChunks(IntColumn(false), {chunk}, &distinct);
  ASSERT_TRUE(count.ok()) << count.status().message();
  EXPECT_EQ(count->rows, 8);
  EXPECT_EQ(count->distinct, 5) << "1, 2, 3, 1000000, -5";
  EXPECT_FALSE(distinct.is_bitmap());
}

// A file of one REQUIRED INT64 column "id", a row group per chunk (plain pages), with these
// statistics (min, max) where given.
std::vector<uint8_t> FileOf(const std::vector<Chunk>& chunks,
                            const std::vector<std::optional<std::pair<int64_t, int64_t>>>& stats) {
  std::vector<uint8_t> bytes = {'P', 'A', 'R', '1'};
  FileMetaData meta;
  meta.version = 1;
  SchemaElement root;
  root.name = "schema";
  root.num_children = 1;
  SchemaElement id;
  id.name = "id";
  id.type = static_cast<int32_t>(PhysicalType::kInt64);
  id.repetition_type = static_cast<int32_t>(Repetition::kRequired);
  meta.schema = {root, id};
  auto plain = [](int64_t v) { return std::string(reinterpret_cast<const char*>(&v), 8); };
  for (size_t g = 0; g < chunks.size(); ++g) {
    ColumnMetaData m;
    m.type = static_cast<int32_t>(PhysicalType::kInt64);
    m.encodings = {static_cast<int32_t>(Encoding::kPlain)};
    m.path_in_schema = {"id"};
    m.num_values = chunks[g].rows;
    m.total_uncompressed_size = static_cast<int64_t>(chunks[g].bytes.size());
    m.total_compressed_size = m.total_uncompressed_size;
    m.data_page_offset = static_cast<int64_t>(bytes.size());
    if (stats[g]) {
      m.statistics = Statistics{};
      m.statistics->min_value = plain(stats[g]->first);
      m.statistics->max_value = plain(stats[g]->second);
      m.statistics->null_count = 0;
    }
    RowGroup group;
    group.columns = {ColumnChunk{std::nullopt, m.data_page_offset, m, std::nullopt, std::nullopt}};
    group.num_rows = chunks[g].rows;
    group.total_byte_size = m.total_compressed_size;
    meta.row_groups.push_back(group);
    meta.num_rows += chunks[g].rows;
    bytes.insert(bytes.end(), chunks[g].bytes.begin(), chunks[g].bytes.end());
  }
  const std::vector<uint8_t> footer = EncodeFileMetaData(meta);
  bytes.insert(bytes.end(), footer.begin(), footer.end());
  const auto length = static_cast<uint32_t>(footer.size());
  bytes.insert(bytes.end(), reinterpret_cast<const uint8_t*>(&length),
               reinterpret_cast<const uint8_t*>(&length) + 4);
  bytes.insert(bytes.end(), {'P', 'A', 'R', '1'});
  return bytes;
}

TEST(CountDistinctIntegers, StatisticsAreHintsWhetherMissingOrWrong) {
  // Row groups of 1..3, 3..6 and 100..1000: statistics missing for one, or narrower than the
  // values (no bitmap may then lose a value), never change the count.
  std::vector<Chunk> chunks(3);
  const std::vector<std::vector<int64_t>> values = {{1, 2, 3}, {3, 4, 5, 6}, {100, 1000, 100}};
  for (size_t g = 0; g < 3; ++g) {
    AppendDataPage(Encoding::kPlain, PlainInts(values[g]), values[g].size(), nullptr,
                   &chunks[g].bytes);
    chunks[g].rows = static_cast<int64_t>(values[g].size());
  }
  using Range = std::optional<std::pair<int64_t, int64_t>>;
  const std::vector<std::vector<Range>> statistics = {
      {Range({1, 3}), Range({3, 6}), Range({100, 1000})},  // right
      {std::nullopt, Range({3, 6}), Range({100, 1000})},   // the first missing
      {Range({1, 3}), std::nullopt, Range({100, 1000})},   // the second
      {Range({1, 3}), Range({3, 6}), Range({100, 200})},   // the last too narrow
      {Range({2, 3}), Range({4, 5}), Range({100, 100})},   // all too narrow
  };
  for (size_t i = 0; i < statistics.size(); ++i) {
    SCOPED_TRACE("statistics " + std::to_string(i));
    auto source = std::make_shared<MemorySource>("ids.parquet", FileOf(chunks, statistics[i]));
    auto file = ParquetFile::Open(source);
    ASSERT_TRUE(file.ok()) << file.status().message();
    for (const auto& [first, end, distinct] :
         std::vector<std::tuple<int, int, int64_t>>{{0, 3, 8}, {0, 2, 6}, {1, 3, 6}, {2, 3, 2}}) {
      auto count = (*file)->CountDistinctIntegers(0, first, end);
      ASSERT_TRUE(count.ok()) << count.status().message();
      EXPECT_EQ(count->distinct, distinct) << "row groups " << first << ".." << end;
    }
  }
}

TEST(DistinctForm, TooFewRowsIsAnError) {
  Chunk chunk;
  AppendDictionary({1, 2}, &chunk.bytes);
  AppendIndexPage({0, 1}, 1, &chunk.bytes);
  chunk.rows = 2;
  DistinctIntegers distinct;
  const ColumnDescriptor column = IntColumn(false);  // the reader keeps a reference to it
  ColumnReader reader(column, ReadOptions{}, 3, &distinct);
  ColumnMetaData meta;
  ASSERT_TRUE(reader.AppendChunk(chunk.bytes, meta, 2, 0).ok());
  auto v = reader.Finish();
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("decoded 2 rows, expected 3"), std::string::npos)
      << v.status().message();
}

}  // namespace
}  // namespace frocket::parquet
