// CountGroups: a part's rows and groups counted from its file without loading it — the same
// numbers as a brute-force count of the rows written, and the same errors as LoadPart, for
// the same files.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <random>
#include <set>

#include "storage/local_file_source.h"
#include "support/inline_part.h"
#include "support/subprocess.h"
#include "table/part_loader.h"

namespace frocket::testing {
namespace {

using nlohmann::json;

class GroupCountTest : public ::testing::Test {
 protected:
  void TearDown() override { std::filesystem::remove(path_); }

  std::unique_ptr<parquet::ParquetFile> Write(const std::vector<InlineColumn>& columns,
                                              const json& rows, size_t rows_per_group) {
    const Status written = WriteRowsAsParquet(columns, rows, path_, rows_per_group);
    EXPECT_TRUE(written.ok()) << written.message();
    return Open(path_);
  }

  static std::unique_ptr<parquet::ParquetFile> Open(const std::string& path) {
    auto source = LocalFileSource::Open(path);
    EXPECT_TRUE(source.ok());
    auto file = parquet::ParquetFile::Open(std::shared_ptr<ByteSource>(std::move(*source)));
    EXPECT_TRUE(file.ok()) << file.status().message();
    return file.ok() ? std::move(*file) : nullptr;
  }

  // CountGroups must fail as LoadPart does, with the same message.
  static void ExpectSameError(const parquet::ParquetFile& file, const std::string& group,
                              const std::string& time, const std::string& mention) {
    auto loaded = table::LoadPart(file, {group}, group, time);
    auto counted = table::CountGroups(file, group, time);
    ASSERT_FALSE(loaded.ok());
    ASSERT_FALSE(counted.ok());
    EXPECT_EQ(counted.status().message(), loaded.status().message());
    EXPECT_NE(counted.status().message().find(mention), std::string::npos)
        << counted.status().message();
  }

  const std::string path_ = (std::filesystem::temp_directory_path() /
                             ("frocket-group-count-" + std::to_string(::getpid()) + ".parquet"))
                                .string();
};

TEST_F(GroupCountTest, CountsTheDistinctGroupIdsOfEveryRowGroup) {
  // Ids over a wide range, negatives among them, in random order; row groups of 700 rows, each
  // with a dictionary of its own.
  std::mt19937_64 random(7);
  std::uniform_int_distribution<int64_t> id(-40000, 40000);
  json rows = json::array();
  std::set<int64_t> distinct;
  for (int i = 0; i < 5000; ++i) {
    const int64_t user = id(random) / 37 * 37;
    distinct.insert(user);
    rows.push_back({user, i % 1000});
  }
  auto file = Write({{"user", ColumnType::kInt}, {"ts", ColumnType::kInt}}, rows, 700);
  ASSERT_NE(file, nullptr);
  ASSERT_EQ(file->num_row_groups(), 8);
  auto counted = table::CountGroups(*file, "user", "ts");
  ASSERT_TRUE(counted.ok()) << counted.status().message();
  ASSERT_TRUE(counted->has_value()) << "INT ids with timestamps whose nulls the footer tells";
  EXPECT_EQ((*counted)->rows, 5000);
  EXPECT_EQ((*counted)->groups, static_cast<int64_t>(distinct.size()));
  auto loaded = table::LoadPart(*file, {"user"}, "user", "ts");
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ((*loaded)->num_groups(), (*counted)->groups);
}

TEST_F(GroupCountTest, FailsAsLoadingThePartWould) {
  auto null_id = Write({{"user", ColumnType::kInt}, {"ts", ColumnType::kInt}},
                       R"([[1, 5], [null, 6], [1, 7], [null, 8]])"_json, 2);
  ASSERT_NE(null_id, nullptr);
  ExpectSameError(*null_id, "user", "ts", "group id column 'user' has 2 null values");
  ExpectSameError(*null_id, "missing", "ts", "no column 'missing'");
  ExpectSameError(*null_id, "user", "missing", "no column 'missing'");

  auto null_time = Write({{"user", ColumnType::kInt}, {"ts", ColumnType::kInt}},
                         R"([[1, 5], [2, null], [1, 7]])"_json, 2);
  ASSERT_NE(null_time, nullptr);
  ExpectSameError(*null_time, "user", "ts", "timestamp column 'ts' has 1 null values");
}

TEST_F(GroupCountTest, LeavesToLoadingWhatOnlyLoadingCanTell) {
  // String ids are numbered by loading them.
  auto strings = Write({{"user", ColumnType::kString}, {"ts", ColumnType::kInt}},
                       R"([["a", 5], ["b", 6], ["a", 7]])"_json, 2);
  ASSERT_NE(strings, nullptr);
  auto counted = table::CountGroups(*strings, "user", "ts");
  ASSERT_TRUE(counted.ok()) << counted.status().message();
  EXPECT_FALSE(counted->has_value());
  // parquet-testing's alltypes_plain.parquet (Impala) has no statistics: whether its bigint_col
  // holds nulls, as timestamps, is known only by reading it.
  auto impala = Open(TestDataDir() + "/parquet/conformance/alltypes_plain.parquet");
  ASSERT_NE(impala, nullptr);
  counted = table::CountGroups(*impala, "id", "bigint_col");
  ASSERT_TRUE(counted.ok()) << counted.status().message();
  EXPECT_FALSE(counted->has_value());
}

}  // namespace
}  // namespace frocket::testing
