// SqliteDatastore, the embedded datastore, used directly: round trips of a registration,
// replacement of a name as a whole, several connections (as several processes have) writing
// and reading at once, and errors that name the database path.
#include "cluster/sqlite_datastore.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "support/temp_dir.h"

namespace frocket::cluster {
namespace {

namespace fs = std::filesystem;

class SqliteDatastoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok()) << std::strerror(errno);
    root_ = dir_.path();
    path_ = root_ + "/nested/dir/frocket.db";
  }

  frocket::testing::TempDir dir_{"frocket-sqlite"};

  std::unique_ptr<SqliteDatastore> OpenStore() {
    auto store = SqliteDatastore::Open(path_);
    EXPECT_TRUE(store.ok()) << store.status().message();
    return store.ok() ? std::move(*store) : nullptr;
  }

  static StoredDataset Make(const std::string& name, const std::vector<std::string>& files,
                            const std::string& registered_at = "2026-01-01T00:00:00.000001+00:00") {
    StoredDataset d;
    d.info.id.name = name;
    d.info.id.registered_at = registered_at;
    d.info.basepath = "/data/" + name;
    d.info.group_id_column = "uid";
    d.info.timestamp_column = "ts";
    d.info.total_parts = static_cast<int64_t>(files.size());
    for (const auto& f : files) {
      d.parts.filenames.push_back(f);
      d.parts.sizes.push_back(100);
      d.parts.total_size += 100;
    }
    d.schema.group_id_column = "uid";
    d.schema.timestamp_column = "ts";
    dataset::ColumnInfo uid;
    uid.name = "uid";
    uid.type = ColumnType::kInt;
    uid.dtype_name = "int64";
    uid.numeric_min = 1;
    uid.numeric_max = 9;
    dataset::ColumnInfo ts;
    ts.name = "ts";
    ts.type = ColumnType::kInt;
    ts.dtype_name = "int64";
    ts.numeric_min = 1000;
    ts.numeric_max = 9000;
    dataset::ColumnInfo event;
    event.name = "event";
    event.type = ColumnType::kString;
    event.dtype_name = "string";
    event.categorical = true;
    event.top_values = {{"view", 0.5}, {"buy", 0.25}};
    event.unique_ratio = 0.01;
    d.schema.columns = {uid, ts, event};
    d.schema.unsupported_columns["blob"] = "decimal(10,2)";
    d.schema.min_timestamp = 1000;
    d.schema.max_timestamp = 9000;
    return d;
  }

  void ManyConnectionsRound();

  std::string root_;
  std::string path_;
};

TEST_F(SqliteDatastoreTest, CreatesItsDirectoryAndRoundTripsADataset) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(fs::exists(path_));
  EXPECT_NE(store->Describe().find(path_), std::string::npos) << store->Describe();

  auto none = store->LoadDataset("ds");
  ASSERT_TRUE(none.ok()) << none.status().message();
  EXPECT_FALSE(none->has_value());
  auto no_info = store->GetDataset("ds");
  ASSERT_TRUE(no_info.ok());
  EXPECT_FALSE(no_info->has_value());

  const StoredDataset written = Make("ds", {"a.parquet", "b.parquet"});
  ASSERT_TRUE(store->WriteDataset(written).ok());
  auto loaded = store->LoadDataset("ds");
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  ASSERT_TRUE(loaded->has_value());
  const StoredDataset& d = **loaded;
  EXPECT_EQ(dataset::ToJson(d.info), dataset::ToJson(written.info));
  EXPECT_EQ(dataset::ToJson(d.parts), dataset::ToJson(written.parts));
  EXPECT_EQ(dataset::ToJson(d.schema, true), dataset::ToJson(written.schema, true));
  EXPECT_EQ(dataset::ToJson(d.schema, false), dataset::ToJson(written.schema, false));

  auto list = store->ListDatasets();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].id.name, "ds");

  // Names are exact.
  auto other = store->LoadDataset("DS");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());
}

TEST_F(SqliteDatastoreTest, PersistsAcrossConnections) {
  {
    auto store = OpenStore();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->WriteDataset(Make("ds", {"a.parquet"})).ok());
  }
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  auto loaded = store->LoadDataset("ds");
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  EXPECT_EQ((*loaded)->parts.filenames, std::vector<std::string>{"a.parquet"});
}

TEST_F(SqliteDatastoreTest, RewritingANameReplacesItWhole) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->WriteDataset(Make("ds", {"a.parquet", "b.parquet"})).ok());
  ASSERT_TRUE(store->SetLastUsed("ds", 1234.5).ok());
  StoredDataset second = Make("ds", {"c.parquet"}, "2026-02-02T00:00:00.000002+00:00");
  second.info.basepath = "/elsewhere";
  second.schema.columns.pop_back();
  ASSERT_TRUE(store->WriteDataset(second).ok());

  auto loaded = store->LoadDataset("ds");
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  EXPECT_EQ((*loaded)->info.basepath, "/elsewhere");
  EXPECT_EQ((*loaded)->info.id.registered_at, "2026-02-02T00:00:00.000002+00:00");
  EXPECT_EQ((*loaded)->parts.filenames, std::vector<std::string>{"c.parquet"});
  EXPECT_EQ((*loaded)->schema.Find("event"), nullptr);
  auto list = store->ListDatasets();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 1u);
  // A new registration has not been queried yet.
  auto last_used = store->GetLastUsed("ds");
  ASSERT_TRUE(last_used.ok());
  EXPECT_FALSE(last_used->has_value());
}

TEST_F(SqliteDatastoreTest, RemoveAndLastUsed) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  auto removed = store->RemoveDataset("ds");
  ASSERT_TRUE(removed.ok());
  EXPECT_FALSE(*removed);
  ASSERT_TRUE(store->WriteDataset(Make("ds", {"a.parquet"})).ok());
  auto never = store->GetLastUsed("ds");
  ASSERT_TRUE(never.ok());
  EXPECT_FALSE(never->has_value());
  ASSERT_TRUE(store->SetLastUsed("ds", 1700000000.25).ok());
  auto used = store->GetLastUsed("ds");
  ASSERT_TRUE(used.ok() && used->has_value());
  EXPECT_DOUBLE_EQ(**used, 1700000000.25);
  // Setting last-used of an unknown name creates nothing.
  ASSERT_TRUE(store->SetLastUsed("ghost", 1.0).ok());
  auto list = store->ListDatasets();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 1u);

  removed = store->RemoveDataset("ds");
  ASSERT_TRUE(removed.ok());
  EXPECT_TRUE(*removed);
  auto gone = store->LoadDataset("ds");
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());
}

TEST_F(SqliteDatastoreTest, UsesWriteAheadLogging) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->WriteDataset(Make("ds", {"a.parquet"})).ok());
  // In WAL mode a connection that wrote keeps the -wal file beside the database.
  EXPECT_TRUE(fs::exists(path_ + "-wal")) << "the datastore should run in WAL mode";
}

// Connections of their own (one per "process"), all writing and reading at once — first
// opening a database that does not exist yet, which they all create and switch to WAL mode.
TEST_F(SqliteDatastoreTest, ManyConnectionsWriteAndReadAtOnce) {
  for (int round = 0; round < 20; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    path_ = root_ + "/round-" + std::to_string(round) + "/frocket.db";
    ManyConnectionsRound();
  }
}

void SqliteDatastoreTest::ManyConnectionsRound() {
  constexpr int kWriters = 6;
  constexpr int kPerWriter = 25;
  std::atomic<int> failures{0};
  std::vector<std::string> messages(kWriters * 2);
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      auto store = SqliteDatastore::Open(path_);
      if (!store.ok()) {
        ++failures;
        messages[w] = store.status().message();
        return;
      }
      for (int i = 0; i < kPerWriter; ++i) {
        const std::string name = "w" + std::to_string(w) + "-" + std::to_string(i);
        Status s = (*store)->WriteDataset(Make(name, {"a.parquet", "b.parquet"}));
        if (s.ok()) s = (*store)->WriteDataset(Make("shared", {name + ".parquet"}));
        if (!s.ok()) {
          ++failures;
          messages[w] = s.message();
          return;
        }
      }
    });
    threads.emplace_back([&, w] {
      auto store = SqliteDatastore::Open(path_);
      if (!store.ok()) {
        ++failures;
        messages[kWriters + w] = store.status().message();
        return;
      }
      for (int i = 0; i < kPerWriter; ++i) {
        auto list = (*store)->ListDatasets();
        auto shared = (*store)->LoadDataset("shared");
        if (!list.ok() || !shared.ok()) {
          ++failures;
          messages[kWriters + w] = !list.ok() ? list.status().message() : shared.status().message();
          return;
        }
        // A reader sees one whole registration: one part, named after the dataset it came with.
        if (shared->has_value() &&
            ((*shared)->parts.filenames.size() != 1 || (*shared)->info.total_parts != 1)) {
          ++failures;
          messages[kWriters + w] = "a torn registration of 'shared'";
          return;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& m : messages) EXPECT_EQ(m, "");
  EXPECT_EQ(failures.load(), 0);
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  auto list = store->ListDatasets();
  ASSERT_TRUE(list.ok()) << list.status().message();
  EXPECT_EQ(list->size(), static_cast<size_t>(kWriters * kPerWriter + 1));
}

TEST_F(SqliteDatastoreTest, OpenFailsNamingAPathThatCannotBeCreated) {
  const std::string file = root_ + "/plain-file";
  std::ofstream(file) << "x";
  const std::string path = file + "/sub/frocket.db";
  auto store = SqliteDatastore::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find(file), std::string::npos) << store.status().message();
}

TEST_F(SqliteDatastoreTest, OpenFailsOnAFileThatIsNotADatabase) {
  fs::create_directories(fs::path(path_).parent_path());
  std::ofstream(path_) << std::string(4096, 'z');
  auto store = SqliteDatastore::Open(path_);
  if (store.ok()) {
    // Opening may be lazy; the first use must fail then, naming the database.
    auto list = (*store)->ListDatasets();
    ASSERT_FALSE(list.ok());
    EXPECT_NE(list.status().message().find(path_), std::string::npos) << list.status().message();
  } else {
    EXPECT_NE(store.status().message().find(path_), std::string::npos) << store.status().message();
  }
}

}  // namespace
}  // namespace frocket::cluster
