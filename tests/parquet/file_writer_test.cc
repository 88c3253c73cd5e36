// frocket's Parquet writer, read back by frocket's reader: every column type, nulls, each
// encoding the writer chooses (delta for ascending integers, dictionary for repeated values,
// plain otherwise), both codecs, several row groups and pages, statistics, and the atomic
// appearance of the file. (tests/e2e/writer_duckdb_test.mjs checks the same files in DuckDB.)
#include "parquet/file_writer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "parquet/file_reader.h"
#include "storage/local_file_source.h"
#include "support/temp_dir.h"

namespace frocket::parquet {
namespace {

namespace fs = std::filesystem;

using frocket::testing::TempDir;

// Plain-form vectors built from test values.
ColumnVector Int64s(const std::vector<std::optional<int64_t>>& v) {
  ColumnVector c;
  c.physical_type = PhysicalType::kInt64;
  c.value_width = 8;
  c.length = static_cast<int64_t>(v.size());
  c.values.ResizeZeroed(v.size() * 8);
  c.validity.ResizeZeroed(bitmap::BytesFor(v.size()));
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i]) {
      ++c.null_count;
      continue;
    }
    c.values.as<int64_t>()[i] = *v[i];
    bitmap::Set(c.validity.data(), i);
  }
  if (c.null_count == 0) c.validity = Buffer();
  return c;
}

ColumnVector Int32s(const std::vector<int32_t>& v) {
  ColumnVector c;
  c.physical_type = PhysicalType::kInt32;
  c.value_width = 4;
  c.length = static_cast<int64_t>(v.size());
  c.values.Resize(v.size() * 4);
  std::memcpy(c.values.data(), v.data(), v.size() * 4);
  return c;
}

ColumnVector Doubles(const std::vector<std::optional<double>>& v) {
  ColumnVector c;
  c.physical_type = PhysicalType::kDouble;
  c.value_width = 8;
  c.length = static_cast<int64_t>(v.size());
  c.values.ResizeZeroed(v.size() * 8);
  c.validity.ResizeZeroed(bitmap::BytesFor(v.size()));
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i]) {
      ++c.null_count;
      continue;
    }
    c.values.as<double>()[i] = *v[i];
    bitmap::Set(c.validity.data(), i);
  }
  if (c.null_count == 0) c.validity = Buffer();
  return c;
}

ColumnVector Bools(const std::vector<bool>& v) {
  ColumnVector c;
  c.physical_type = PhysicalType::kBoolean;
  c.value_width = 1;
  c.length = static_cast<int64_t>(v.size());
  c.values.Resize(v.size());
  for (size_t i = 0; i < v.size(); ++i) c.values.data()[i] = v[i];
  return c;
}

ColumnVector Strings(const std::vector<std::optional<std::string>>& v) {
  ColumnVector c;
  c.physical_type = PhysicalType::kByteArray;
  c.length = static_cast<int64_t>(v.size());
  c.offsets.Resize((v.size() + 1) * 4);
  c.offsets.as<uint32_t>()[0] = 0;
  c.validity.ResizeZeroed(bitmap::BytesFor(v.size()));
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i]) {
      c.data.Append(v[i]->data(), v[i]->size());
      bitmap::Set(c.validity.data(), i);
    } else {
      ++c.null_count;
    }
    c.offsets.as<uint32_t>()[i + 1] = static_cast<uint32_t>(c.data.size());
  }
  if (c.null_count == 0) c.validity = Buffer();
  return c;
}

std::unique_ptr<ParquetFile> Open(const std::string& path) {
  auto source = LocalFileSource::Open(path);
  EXPECT_TRUE(source.ok()) << source.status().message();
  auto file = ParquetFile::Open(std::shared_ptr<ByteSource>(std::move(*source)));
  EXPECT_TRUE(file.ok()) << file.status().message();
  return std::move(*file);
}

struct Data {
  std::vector<std::optional<int64_t>> ts, mixed;
  std::vector<int32_t> small;
  std::vector<std::optional<double>> price;
  std::vector<bool> flag;
  std::vector<std::optional<std::string>> event, url;
};

Data MakeData(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const char* events[] = {"view", "click", "buy"};
  Data d;
  int64_t t = 1700000000000;
  for (size_t i = 0; i < n; ++i) {
    t += static_cast<int64_t>(rng() % 5000);  // ascending: DELTA_BINARY_PACKED
    d.ts.push_back(t);
    d.mixed.push_back(i % 13 == 0 ? std::nullopt
                                  : std::optional<int64_t>(static_cast<int64_t>(rng())));
    d.small.push_back(static_cast<int32_t>(rng() % 7) - 3);  // few values: dictionary
    d.price.push_back(i % 5 == 0 ? std::nullopt : std::optional<double>((rng() % 100000) / 100.0));
    d.flag.push_back(rng() % 3 == 0);
    d.event.push_back(i % 11 == 0 ? std::nullopt : std::optional<std::string>(events[rng() % 3]));
    d.url.push_back("https://x.example/" + std::to_string(rng()));  // unique: plain
  }
  return d;
}

std::vector<WriterColumn> Schema() {
  LogicalType text;
  text.kind = LogicalType::Kind::kString;
  return {{"ts", PhysicalType::kInt64, false, std::nullopt},
          {"mixed", PhysicalType::kInt64, true, std::nullopt},
          {"small", PhysicalType::kInt32, false, std::nullopt},
          {"price", PhysicalType::kDouble, true, std::nullopt},
          {"flag", PhysicalType::kBoolean, false, std::nullopt},
          {"event", PhysicalType::kByteArray, true, text},
          {"url", PhysicalType::kByteArray, false, text}};
}

void WriteRows(ParquetWriter* w, const Data& d, size_t begin, size_t end) {
  auto slice = [&](const auto& v) {
    return std::vector<typename std::decay_t<decltype(v)>::value_type>(
        v.begin() + static_cast<ptrdiff_t>(begin), v.begin() + static_cast<ptrdiff_t>(end));
  };
  std::vector<ColumnVector> columns;
  columns.push_back(Int64s(slice(d.ts)));
  columns.push_back(Int64s(slice(d.mixed)));
  columns.push_back(Int32s(slice(d.small)));
  columns.push_back(Doubles(slice(d.price)));
  columns.push_back(Bools(slice(d.flag)));
  columns.push_back(Strings(slice(d.event)));
  columns.push_back(Strings(slice(d.url)));
  ASSERT_TRUE(w->WriteRowGroup(columns).ok());
}

void ExpectReadsBack(const ParquetFile& f, const Data& d) {
  ASSERT_EQ(f.num_rows(), static_cast<int64_t>(d.ts.size()));
  auto col = [&](const char* name) {
    auto v = f.ReadColumn(f.schema().FindColumn(name));
    EXPECT_TRUE(v.ok()) << v.status().message();
    return std::move(*v);
  };
  ColumnVector ts = col("ts"), mixed = col("mixed"), small = col("small"), price = col("price"),
               flag = col("flag"), event = col("event"), url = col("url");
  for (size_t i = 0; i < d.ts.size(); ++i) {
    const auto r = static_cast<int64_t>(i);
    ASSERT_EQ(ts.values_as<int64_t>()[i], *d.ts[i]) << i;
    ASSERT_EQ(mixed.IsNull(r), !d.mixed[i].has_value()) << i;
    if (d.mixed[i]) {
      ASSERT_EQ(mixed.values_as<int64_t>()[i], *d.mixed[i]) << i;
    }
    ASSERT_EQ(small.values_as<int32_t>()[i], d.small[i]) << i;
    ASSERT_EQ(price.IsNull(r), !d.price[i].has_value()) << i;
    if (d.price[i]) {
      ASSERT_EQ(price.values_as<double>()[i], *d.price[i]) << i;
    }
    ASSERT_EQ(flag.values.data()[i] != 0, d.flag[i]) << i;
    ASSERT_EQ(event.IsNull(r), !d.event[i].has_value()) << i;
    if (d.event[i]) {
      ASSERT_EQ(event.StringAt(r), *d.event[i]) << i;
    }
    ASSERT_EQ(url.StringAt(r), *d.url[i]) << i;
  }
}

TEST(ParquetWriter, RoundTripsEveryTypeWithBothCodecs) {
  TempDir dir;
  const Data d = MakeData(70000, 42);
  for (CompressionCodec codec : {CompressionCodec::kZstd, CompressionCodec::kSnappy}) {
    SCOPED_TRACE(CodecName(static_cast<int32_t>(codec)));
    WriterOptions options;
    options.codec = codec;
    options.page_bytes = 64 * 1024;  // several pages per chunk
    options.key_value_metadata.push_back({"frocket.test", std::string("yes")});
    const std::string path =
        dir.File(std::string("t-") + CodecName(static_cast<int32_t>(codec)) + ".parquet");
    auto w = ParquetWriter::Create(path, Schema(), options);
    ASSERT_TRUE(w.ok()) << w.status().message();
    WriteRows(w->get(), d, 0, 30000);
    WriteRows(w->get(), d, 30000, 70000);
    ASSERT_TRUE((*w)->Close().ok());
    auto f = Open(path);
    ASSERT_EQ(f->num_row_groups(), 2);
    ASSERT_EQ(f->metadata().key_value_metadata.size(), 1u);
    EXPECT_EQ(f->metadata().key_value_metadata[0].key, "frocket.test");
    ExpectReadsBack(*f, d);

    // The encodings the writer was meant to choose.
    auto encodings = [&](const char* name) {
      return f->chunk_metadata(0, f->schema().FindColumn(name)).encodings;
    };
    auto has = [](const std::vector<int32_t>& e, Encoding x) {
      return std::find(e.begin(), e.end(), static_cast<int32_t>(x)) != e.end();
    };
    EXPECT_TRUE(has(encodings("ts"), Encoding::kDeltaBinaryPacked));
    EXPECT_TRUE(has(encodings("small"), Encoding::kRleDictionary));
    EXPECT_TRUE(has(encodings("event"), Encoding::kRleDictionary));
    EXPECT_FALSE(has(encodings("url"), Encoding::kRleDictionary));
    EXPECT_FALSE(has(encodings("mixed"), Encoding::kRleDictionary));

    // Statistics: min/max of the first row group's timestamps and null counts.
    const int ts = f->schema().FindColumn("ts");
    ColumnChunkStatistics s = f->statistics(0, ts);
    ASSERT_TRUE(s.min && s.max);
    int64_t lo, hi;
    std::memcpy(&lo, s.min->data(), 8);
    std::memcpy(&hi, s.max->data(), 8);
    EXPECT_EQ(lo, *d.ts[0]);
    EXPECT_EQ(hi, *d.ts[29999]);
    int64_t nulls = 0;
    for (size_t i = 0; i < 30000; ++i) nulls += !d.price[i].has_value();
    EXPECT_EQ(f->statistics(0, f->schema().FindColumn("price")).null_count, nulls);
  }
}

// The same strings in dictionary form: entries in an order of their own (distinct, one never
// used), nulls coded one past the last entry.
ColumnVector DictionaryStrings(const std::vector<std::optional<std::string>>& v, uint32_t seed) {
  std::vector<std::optional<std::string>> entries;
  for (const auto& s : v) {
    if (s && std::find(entries.begin(), entries.end(), s) == entries.end()) entries.push_back(s);
  }
  entries.push_back(std::string("never used"));
  std::shuffle(entries.begin(), entries.end(), std::mt19937(seed));
  ColumnVector c = Strings(v);
  c.offsets = Buffer();
  c.data = Buffer();
  c.codes.Resize(v.size() * 4);
  for (size_t i = 0; i < v.size(); ++i) {
    c.codes.as<int32_t>()[i] =
        v[i] ? static_cast<int32_t>(std::find(entries.begin(), entries.end(), v[i]) -
                                    entries.begin())
             : static_cast<int32_t>(entries.size());
  }
  c.dictionary = std::make_shared<ColumnVector>(Strings(entries));
  return c;
}

std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A STRING column handed over in dictionary form is written byte for byte as the same values
// in plain form: dictionary-encoded (few distinct values, with nulls), and plain (too many
// distinct values for a dictionary to pay); values of 90-100 bytes in 64 KB pages, so that
// pages are split by the values' size (1,024 rows a page).
TEST(ParquetWriter, StringsInDictionaryFormWriteTheSameBytesAsPlain) {
  TempDir dir;
  std::mt19937 rng(7);
  std::vector<std::optional<std::string>> few, many;
  for (int i = 0; i < 5000; ++i) {
    if (rng() % 5 == 0) {
      few.push_back(std::nullopt);
    } else {
      few.push_back("event-" + std::string(80, 'e') + std::to_string(rng() % 12));
    }
    many.push_back("url/" + std::string(80, 'u') + std::to_string(rng()));
  }
  LogicalType text;
  text.kind = LogicalType::Kind::kString;
  const std::vector<WriterColumn> schema = {{"few", PhysicalType::kByteArray, true, text},
                                            {"many", PhysicalType::kByteArray, false, text}};
  WriterOptions options;
  options.page_bytes = 64 << 10;
  auto write = [&](const std::string& name, bool dictionary_form) {
    auto w = ParquetWriter::Create(dir.File(name), schema, options);
    EXPECT_TRUE(w.ok());
    for (int group = 0; group < 2; ++group) {
      const auto begin = few.begin() + group * 2500;
      std::vector<std::optional<std::string>> a(begin, begin + 2500);
      std::vector<std::optional<std::string>> b(many.begin() + group * 2500,
                                                many.begin() + group * 2500 + 2500);
      std::vector<ColumnVector> columns;
      columns.push_back(dictionary_form ? DictionaryStrings(a, group) : Strings(a));
      columns.push_back(dictionary_form ? DictionaryStrings(b, group) : Strings(b));
      EXPECT_TRUE((*w)->WriteRowGroup(columns).ok());
    }
    EXPECT_TRUE((*w)->Close().ok());
    return FileBytes(dir.File(name));
  };
  const std::string plain = write("plain.parquet", false);
  const std::string coded = write("coded.parquet", true);
  EXPECT_GT(plain.size(), 1000u);
  EXPECT_TRUE(plain == coded) << plain.size() << " and " << coded.size() << " bytes";
  auto f = Open(dir.File("coded.parquet"));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->num_rows(), 5000);
}

TEST(ParquetWriter, FileAppearsOnlyWhenClosed) {
  TempDir dir;
  const std::string path = dir.File("atomic.parquet");
  {
    auto w = ParquetWriter::Create(path, Schema());
    ASSERT_TRUE(w.ok());
    WriteRows(w->get(), MakeData(100, 1), 0, 100);
    EXPECT_FALSE(fs::exists(path)) << "nothing at the path before Close()";
    // Destroyed without Close(): the temporary file is removed too.
  }
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(fs::is_empty(dir.path())) << "no temporary file left behind";
}

TEST(ParquetWriter, RejectsInconsistentInput) {
  TempDir dir;
  auto w = ParquetWriter::Create(dir.File("bad.parquet"), Schema());
  ASSERT_TRUE(w.ok());
  std::vector<ColumnVector> too_few;
  too_few.push_back(Int64s({1, 2}));
  EXPECT_FALSE((*w)->WriteRowGroup(too_few).ok());
  // A REQUIRED column with a null.
  Data d = MakeData(10, 2);
  d.ts[3] = std::nullopt;
  std::vector<ColumnVector> columns;
  columns.push_back(Int64s(d.ts));
  columns.push_back(Int64s(d.mixed));
  columns.push_back(Int32s(d.small));
  columns.push_back(Doubles(d.price));
  columns.push_back(Bools(d.flag));
  columns.push_back(Strings(d.event));
  columns.push_back(Strings(d.url));
  Status st = (*w)->WriteRowGroup(columns);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("'ts' is REQUIRED but has nulls"), std::string::npos) << st.message();
  // A dictionary-form string column with a code past its dictionary, or too few codes.
  LogicalType text;
  text.kind = LogicalType::Kind::kString;
  auto coded = ParquetWriter::Create(dir.File("coded.parquet"),
                                     {{"s", PhysicalType::kByteArray, false, text}});
  ASSERT_TRUE(coded.ok());
  std::vector<ColumnVector> bad;
  bad.push_back(DictionaryStrings({"a", "b", "a"}, 1));
  bad[0].codes.as<int32_t>()[1] = 7;
  st = (*coded)->WriteRowGroup(bad);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("'s': a code is outside the vector's dictionary"), std::string::npos)
      << st.message();
  bad[0] = DictionaryStrings({"a", "b", "a"}, 1);
  bad[0].codes.Resize(8);
  EXPECT_FALSE((*coded)->WriteRowGroup(bad).ok());
  auto dup = ParquetWriter::Create(dir.File("dup.parquet"),
                                   {{"a", PhysicalType::kInt64, false, std::nullopt},
                                    {"a", PhysicalType::kInt64, false, std::nullopt}});
  EXPECT_FALSE(dup.ok());
}

}  // namespace
}  // namespace frocket::parquet
