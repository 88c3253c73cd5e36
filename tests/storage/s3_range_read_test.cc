// Parquet over S3 reads only what a query needs: a part of 15 columns loaded for 3 of them
// downloads those column chunks and the footer, not the file; the values are those of the
// same file read locally; the disk cache serves a repeat read without a GET, and never the
// bytes of an object that has since been replaced.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <random>

#include "parquet/file_reader.h"
#include "parquet/file_writer.h"
#include "storage/disk_cache.h"
#include "storage/local_file_source.h"
#include "storage/s3_object_store.h"
#include "storage/s3_server_test.h"
#include "table/part_loader.h"

namespace frocket {
namespace {

using parquet::ColumnVector;
using parquet::PhysicalType;

constexpr int64_t kRowsPerGroup = 60000;
constexpr int kRowGroups = 2;
// The columns a query reads: the first, one in the middle and the last, so that each lies
// far from the others (a reader that fetched the spans between them would fail the test).
const std::vector<std::string> kQueryColumns = {"user_id", "ts", "label"};

ColumnVector Int64s(std::mt19937_64& rng, int64_t n, uint64_t modulo) {
  ColumnVector c;
  c.physical_type = PhysicalType::kInt64;
  c.value_width = 8;
  c.length = n;
  c.values.Resize(static_cast<size_t>(n) * 8);
  for (int64_t i = 0; i < n; ++i) c.values.as<int64_t>()[i] = static_cast<int64_t>(rng() % modulo);
  return c;
}

ColumnVector Doubles(std::mt19937_64& rng, int64_t n) {
  ColumnVector c;
  c.physical_type = PhysicalType::kDouble;
  c.value_width = 8;
  c.length = n;
  c.values.Resize(static_cast<size_t>(n) * 8);
  std::uniform_real_distribution<double> value(-1e6, 1e6);
  for (int64_t i = 0; i < n; ++i) c.values.as<double>()[i] = value(rng);
  return c;
}

// Random hex strings of 8 to 15 characters; every 11th row null.
ColumnVector Strings(std::mt19937_64& rng, int64_t n) {
  ColumnVector c;
  c.physical_type = PhysicalType::kByteArray;
  c.length = n;
  c.offsets.Resize(static_cast<size_t>(n + 1) * 4);
  c.offsets.as<uint32_t>()[0] = 0;
  c.validity.ResizeZeroed(bitmap::BytesFor(static_cast<size_t>(n)));
  static const char kHex[] = "0123456789abcdef";
  for (int64_t i = 0; i < n; ++i) {
    if (i % 11 == 3) {
      ++c.null_count;
    } else {
      const size_t length = 8 + rng() % 8;
      for (size_t k = 0; k < length; ++k) c.data.Append(&kHex[rng() % 16], 1);
      bitmap::Set(c.validity.data(), static_cast<size_t>(i));
    }
    c.offsets.as<uint32_t>()[i + 1] = static_cast<uint32_t>(c.data.size());
  }
  return c;
}

// A part of 15 columns of similar size: user_id, 6 fillers, ts, 6 fillers, label.
Status WriteWidePart(const std::string& path, uint64_t seed) {
  std::vector<parquet::WriterColumn> columns;
  parquet::LogicalType kString;
  kString.kind = parquet::LogicalType::Kind::kString;
  for (int c = 0; c < 15; ++c) {
    if (c == 0) {
      columns.push_back({"user_id", PhysicalType::kInt64, false, std::nullopt});
    } else if (c == 7) {
      columns.push_back({"ts", PhysicalType::kInt64, false, std::nullopt});
    } else if (c == 14) {
      columns.push_back({"label", PhysicalType::kByteArray, true, kString});
    } else if (c % 3 == 0) {
      columns.push_back({"text_" + std::to_string(c), PhysicalType::kByteArray, true, kString});
    } else if (c % 3 == 1) {
      columns.push_back(
          {"number_" + std::to_string(c), PhysicalType::kDouble, false, std::nullopt});
    } else {
      columns.push_back({"count_" + std::to_string(c), PhysicalType::kInt64, false, std::nullopt});
    }
  }
  FROCKET_ASSIGN_OR_RETURN(auto writer, parquet::ParquetWriter::Create(path, columns));
  std::mt19937_64 rng(seed);
  for (int g = 0; g < kRowGroups; ++g) {
    std::vector<ColumnVector> vectors;
    for (const auto& column : columns) {
      if (column.name == "user_id") {
        vectors.push_back(Int64s(rng, kRowsPerGroup, 20000));
      } else if (column.name == "ts") {
        vectors.push_back(Int64s(rng, kRowsPerGroup, uint64_t{1} << 50));
      } else if (column.physical_type == PhysicalType::kByteArray) {
        vectors.push_back(Strings(rng, kRowsPerGroup));
      } else if (column.physical_type == PhysicalType::kDouble) {
        vectors.push_back(Doubles(rng, kRowsPerGroup));
      } else {
        vectors.push_back(Int64s(rng, kRowsPerGroup, uint64_t{1} << 62));
      }
    }
    FROCKET_RETURN_IF_ERROR(writer->WriteRowGroup(vectors));
  }
  return writer->Close();
}

struct Loaded {
  std::shared_ptr<table::Part> part;
  uint64_t remote_bytes = 0;
  uint64_t disk_cache_bytes = 0;
};

Result<Loaded> LoadFrom(std::shared_ptr<ByteSource> source) {
  FROCKET_ASSIGN_OR_RETURN(auto file, parquet::ParquetFile::Open(source));
  Loaded loaded;
  FROCKET_ASSIGN_OR_RETURN(loaded.part, table::LoadPart(*file, kQueryColumns, "user_id", "ts"));
  loaded.remote_bytes = source->remote_bytes();
  loaded.disk_cache_bytes = source->disk_cache_bytes();
  return loaded;
}

Result<Loaded> LoadLocal(const std::string& path) {
  FROCKET_ASSIGN_OR_RETURN(auto source, LocalFileSource::Open(path));
  return LoadFrom(std::shared_ptr<ByteSource>(std::move(source)));
}

// The same rows and values (parts put rows in timestamp order, so in the same order).
void ExpectSameValues(const table::Part& actual, const table::Part& expected) {
  ASSERT_EQ(actual.num_rows(), expected.num_rows());
  for (const std::string& name : kQueryColumns) {
    SCOPED_TRACE(name);
    const table::Column* a = actual.FindColumn(name);
    const table::Column* e = expected.FindColumn(name);
    ASSERT_NE(a, nullptr);
    ASSERT_NE(e, nullptr);
    ASSERT_EQ(a->type, e->type);
    ASSERT_EQ(a->length, e->length);
    ASSERT_EQ(a->null_count, e->null_count);
    for (int64_t row = 0; row < a->length; ++row) {
      ASSERT_EQ(a->IsNull(row), e->IsNull(row)) << "row " << row;
      if (e->IsNull(row)) continue;
      if (e->type == ColumnType::kString) {
        ASSERT_EQ(a->StringAt(row), e->StringAt(row)) << "row " << row;
      } else {
        ASSERT_EQ(a->ints()[row], e->ints()[row]) << "row " << row;
      }
    }
  }
}

class S3RangeReadTest : public testing::S3ServerTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(S3ServerTest::SetUp());
    client_ = std::make_shared<S3Client>(Settings());
  }

  // Writes a wide part with `seed` and uploads it as bkt/wide/part-0.parquet; its local path.
  std::string UploadWidePart(const std::string& name, uint64_t seed) {
    const std::string path = dir_ + "/" + name;
    Status written = WriteWidePart(path, seed);
    EXPECT_TRUE(written.ok()) << written.message();
    Status put = server_->Put("bkt/wide/part-0.parquet", testing::ReadWholeFile(path));
    EXPECT_TRUE(put.ok()) << put.message();
    return path;
  }

  Result<Loaded> LoadFromS3(std::shared_ptr<DiskCache> disk_cache) {
    S3ObjectStore store(client_, std::move(disk_cache));
    FROCKET_ASSIGN_OR_RETURN(auto source, store.Open("s3://bkt/wide/part-0.parquet"));
    return LoadFrom(std::move(source));
  }

  // The same through a disk cache in `cache_dir`, opened anew (as by a new process).
  Result<Loaded> LoadFromS3Through(const std::string& cache_dir) {
    FROCKET_ASSIGN_OR_RETURN(auto cache, DiskCache::Open(cache_dir, uint64_t{256} << 20));
    return LoadFromS3(std::move(cache));
  }

  // Loads the part through the disk cache: the values must be `expected`'s, and the bytes
  // come all from the cache or all from S3.
  void ExpectLoadThrough(const std::string& cache_dir, const table::Part& expected,
                         bool all_from_cache) {
    auto loaded = LoadFromS3Through(cache_dir);
    ASSERT_TRUE(loaded.ok()) << loaded.status().message();
    EXPECT_EQ(loaded->remote_bytes > 0, !all_from_cache) << loaded->remote_bytes;
    EXPECT_EQ(loaded->disk_cache_bytes > 0, all_from_cache) << loaded->disk_cache_bytes;
    ExpectSameValues(*loaded->part, expected);
  }

  std::shared_ptr<S3Client> client_;
};

TEST_F(S3RangeReadTest, ThreeOfFifteenColumnsFetchUnderAThirdOfTheFile) {
  const std::string path = UploadWidePart("wide.parquet", 7);
  ASSERT_FALSE(HasFailure());
  const uint64_t file_size = std::filesystem::file_size(path);

  const uint64_t before = S3Client::BytesFetched();
  auto remote = LoadFromS3(nullptr);
  ASSERT_TRUE(remote.ok()) << remote.status().message();
  const uint64_t fetched = S3Client::BytesFetched() - before;

  // What the three columns take in the file: the least a reader must download.
  auto local_source = LocalFileSource::Open(path);
  ASSERT_TRUE(local_source.ok());
  auto file = parquet::ParquetFile::Open(std::shared_ptr<ByteSource>(std::move(*local_source)));
  ASSERT_TRUE(file.ok()) << file.status().message();
  uint64_t needed = 0;
  for (const std::string& name : kQueryColumns) {
    for (int g = 0; g < (*file)->num_row_groups(); ++g) {
      needed += (*file)->chunk_range(g, (*file)->schema().FindColumn(name)).length;
    }
  }
  const double ratio = static_cast<double>(fetched) / static_cast<double>(file_size);
  std::printf("file %llu bytes; 3 columns' chunks %llu bytes; fetched %llu bytes (%.1f%%)\n",
              static_cast<unsigned long long>(file_size), static_cast<unsigned long long>(needed),
              static_cast<unsigned long long>(fetched), 100 * ratio);
  RecordProperty("fetched_ratio_percent", std::to_string(100 * ratio));
  EXPECT_EQ(remote->remote_bytes, fetched);
  EXPECT_GE(fetched, needed);
  EXPECT_LT(ratio, 0.35);

  auto local = LoadLocal(path);
  ASSERT_TRUE(local.ok()) << local.status().message();
  ExpectSameValues(*remote->part, *local->part);
}

TEST_F(S3RangeReadTest, DiskCacheServesRepeatReadsButNotAReplacedObject) {
  const std::string first = UploadWidePart("first.parquet", 8);
  ASSERT_FALSE(HasFailure());
  const std::string cache_dir = dir_ + "/disk-cache";
  auto local = LoadLocal(first);
  ASSERT_TRUE(local.ok()) << local.status().message();

  // A cold read fills the cache.
  ExpectLoadThrough(cache_dir, *local->part, /*all_from_cache=*/false);
  // The cache reopened (as by a new process) serves every byte: no range GET at all.
  const int gets = server_->RangedGets();
  const uint64_t before = S3Client::BytesFetched();
  ExpectLoadThrough(cache_dir, *local->part, /*all_from_cache=*/true);
  EXPECT_EQ(S3Client::BytesFetched(), before);
  EXPECT_EQ(server_->RangedGets(), gets);
  // The object replaced under the same key: its new ETag misses the cache, and the values
  // read are the new file's.
  const std::string second = UploadWidePart("second.parquet", 9);
  ASSERT_FALSE(HasFailure());
  auto local_second = LoadLocal(second);
  ASSERT_TRUE(local_second.ok()) << local_second.status().message();
  ExpectLoadThrough(cache_dir, *local_second->part, /*all_from_cache=*/false);
}

// The object replaced between opening it (HEAD) and reading its columns: the read fails
// saying so instead of mixing two versions.
TEST_F(S3RangeReadTest, ObjectReplacedWhileOpenFailsTheRead) {
  UploadWidePart("first.parquet", 10);
  ASSERT_FALSE(HasFailure());
  S3ObjectStore store(client_, nullptr);
  auto source = store.Open("s3://bkt/wide/part-0.parquet");
  ASSERT_TRUE(source.ok()) << source.status().message();
  auto file = parquet::ParquetFile::Open(*source);
  ASSERT_TRUE(file.ok()) << file.status().message();
  UploadWidePart("second.parquet", 11);
  ASSERT_FALSE(HasFailure());
  auto part = table::LoadPart(**file, kQueryColumns, "user_id", "ts");
  ASSERT_FALSE(part.ok());
  EXPECT_NE(part.status().message().find("s3://bkt/wide/part-0.parquet"), std::string::npos)
      << part.status().message();
  EXPECT_NE(part.status().message().find("changed"), std::string::npos) << part.status().message();
}

}  // namespace
}  // namespace frocket
