// Repartition end to end on small hand-written inputs: where every record goes (a part, or
// the quarantine with its reason and line), the report's counts, the bad-row limit, refusing
// a directory it did not write, a second ordering, and --check finding what is wrong.
#include "ingest/repartition.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>

#include "common/bitmap.h"
#include "ingest/parquet_input.h"
#include "ingest/partition_check.h"
#include "parquet/file_writer.h"
#include "storage/object_store.h"

namespace frocket::ingest {
namespace {

namespace fs = std::filesystem;

// 2024-01-01T00:00:00Z in microseconds.
constexpr int64_t kDay = 1704067200LL * 1000000;

class RepartitionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("frocket-repartition-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    Write("in.csv",
          "id,ts,event,price\n"
          "u1,2024-01-01T00:00:02Z,view,1.5\n"
          "u2,2024-01-01T00:00:01Z,\"buy, now\",\n"
          "u1,2024-01-01T00:00:01Z,view,2\n"
          ",2024-01-01T00:00:03Z,view,1\n"
          "u3,not-a-time,view,1\n"
          "u4,2024-01-01T00:00:04Z,view\n"
          "u5,2024-01-01T00:00:05Z,view,cheap\n");
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
  }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  // `input` into `parts` parts at `out`, keyed by id and ts.
  RepartitionOptions KeyedOptions(const std::string& input, const std::string& out,
                                  uint32_t parts) const {
    RepartitionOptions o;
    o.inputs = {Path(input)};
    o.out = Path(out);
    o.parts = parts;
    o.group_column = "id";
    o.time_column = "ts";
    return o;
  }
  RepartitionOptions Options(const std::string& out) const {
    RepartitionOptions o = KeyedOptions("in.csv", out, 2);
    o.types = {{"ts", "TIMESTAMP"}, {"price", "DOUBLE"}};
    o.threads = 2;
    return o;
  }

  struct OutRow {
    std::string id;
    int64_t ts;
    uint32_t part;
  };
  // Every row of the dataset at `out`, part by part, in file order.
  std::vector<OutRow> ReadBack(const std::string& out, uint32_t parts) {
    std::vector<OutRow> rows;
    for (uint32_t p = 0; p < parts; ++p) {
      auto source = (*ObjectStoreFor(out))->Open(out + "/" + PartFileName(p, parts));
      EXPECT_TRUE(source.ok());
      auto reader = ParquetRecordReader::Open(*source);
      EXPECT_TRUE(reader.ok());
      CellBatch batch;
      while (*(*reader)->Next(100, &batch)) {
        for (size_t r = 0; r < batch.num_rows(); ++r) {
          rows.push_back({std::string(batch.row(r)[0].text), batch.row(r)[1].integer, p});
        }
      }
    }
    return rows;
  }

  fs::path dir_;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST_F(RepartitionTest, EveryRecordIsInAPartOrQuarantinedWithItsReason) {
  auto run = Repartition(Options("out"));
  ASSERT_TRUE(run.ok()) << run.status().message();
  EXPECT_EQ((*run)["records"], 7);
  EXPECT_EQ((*run)["rows"], 3);
  EXPECT_EQ((*run)["quarantined"], 4);
  EXPECT_EQ((*run)["quarantinedByReason"], nlohmann::json({{"group id is NULL", 1},
                                                           {"timestamp does not fit", 1},
                                                           {"ragged line", 1},
                                                           {"value does not fit its column", 1}}));
  const std::string src = Path("in.csv");
  EXPECT_EQ(ReadFile(Path("out/_quarantine/run-1-input-0.jsonl")),
            "{\"source\":\"" + src +
                "\",\"line\":5,\"reason\":\"group id is NULL\",\"record\":\",2024-01-01T00:00:03Z,"
                "view,1\"}\n"
                "{\"source\":\"" +
                src +
                "\",\"line\":6,\"reason\":\"timestamp does not fit: 'not-a-time' is not a "
                "TIMESTAMP_US\",\"record\":\"u3,not-a-time,view,1\"}\n"
                "{\"source\":\"" +
                src +
                "\",\"line\":7,\"reason\":\"ragged line: 3 fields where the header has 4\","
                "\"record\":\"u4,2024-01-01T00:00:04Z,view\"}\n"
                "{\"source\":\"" +
                src +
                "\",\"line\":8,\"reason\":\"value does not fit its column: column 'price': "
                "'cheap' is not a DOUBLE\",\"record\":\"u5,2024-01-01T00:00:05Z,view,cheap\"}\n");
  // The rows: each in its group's part, by time within it.
  auto rows = ReadBack(Path("out"), 2);
  ASSERT_EQ(rows.size(), 3u);
  std::map<uint32_t, std::vector<std::pair<int64_t, std::string>>> by_part;
  for (const OutRow& r : rows) {
    EXPECT_EQ(r.part, PartOfGroup(std::string_view(r.id), 2)) << r.id;
    by_part[r.part].push_back({r.ts, r.id});
  }
  for (const auto& [part, list] : by_part) {
    EXPECT_TRUE(std::is_sorted(list.begin(), list.end(),
                               [](const auto& a, const auto& b) { return a.first < b.first; }));
  }
  std::multiset<std::pair<int64_t, std::string>> all;
  for (const OutRow& r : rows) all.insert({r.ts, r.id});
  EXPECT_EQ(all, (std::multiset<std::pair<int64_t, std::string>>{
                     {kDay + 1000000, "u1"}, {kDay + 2000000, "u1"}, {kDay + 1000000, "u2"}}));
  auto report = nlohmann::json::parse(ReadFile(Path("out/_report.json")));
  EXPECT_EQ(report["rows"], 3);
  EXPECT_EQ(report["rowsQuarantined"], 4);
  EXPECT_EQ(report["partitioning"]["parts"], 2);
  auto check = CheckPartitioning(Path("out"), "", "");
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE((*check)["ok"]) << check->dump();
  EXPECT_EQ((*check)["groups"], 2);
}

TEST_F(RepartitionTest, TooManyBadRowsWriteNothing) {
  RepartitionOptions o = Options("out");
  o.max_bad_rows = *ParseBadRowLimit("3");
  auto run = Repartition(o);
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.status().message().find(
                "4 of the 7 records read would be quarantined, more than --max-bad-rows 3"),
            std::string::npos)
      << run.status().message();
  EXPECT_NE(run.status().message().find(":5: group id is NULL"), std::string::npos);
  EXPECT_FALSE(fs::exists(Path("out")));
  for (const auto& e : fs::directory_iterator(dir_)) {
    EXPECT_EQ(e.path().filename().string().find("frocket-tmp"), std::string::npos);
  }
  o.max_bad_rows = *ParseBadRowLimit("60%");
  EXPECT_TRUE(Repartition(o).ok());
}

TEST_F(RepartitionTest, GlobsAndDirectoriesNameTheirFilesAndAnUnreadableInputFailsTheJob) {
  Write("more.csv", "id,ts,event,price\nu9,2024-01-01T00:00:09Z,view,3\n");
  Write("notes.txt", "not an input");
  RepartitionOptions o = Options("out");
  o.inputs = {Path("*.csv")};  // in.csv and more.csv, not notes.txt
  auto run = Repartition(o);
  ASSERT_TRUE(run.ok()) << run.status().message();
  EXPECT_EQ((*run)["inputs"].size(), 2u);
  EXPECT_EQ((*run)["rows"], 4);
  o.inputs = {dir_.string()};  // the directory: its .csv files
  run = Repartition(o);
  ASSERT_TRUE(run.ok()) << run.status().message();
  EXPECT_EQ((*run)["inputs"].size(), 2u);

  // A Parquet input that is not one: the job fails naming it, and writes nothing.
  Write("broken.parquet", "PAR1 this is not a Parquet file PAR1");
  o.inputs = {Path("in.csv"), Path("broken.parquet")};
  o.out = Path("out2");
  run = Repartition(o);
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.status().message().find(Path("broken.parquet")), std::string::npos)
      << run.status().message();
  EXPECT_FALSE(fs::exists(Path("out2")));
  o.inputs = {Path("missing.csv")};
  run = Repartition(o);
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.status().message().find(Path("missing.csv")), std::string::npos);
  o.inputs = {Path("*.tsv")};
  run = Repartition(o);
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.status().message().find("names no input files"), std::string::npos);
  o.inputs = {Path("in.csv"), Path("in.csv")};
  EXPECT_FALSE(Repartition(o).ok());  // its rows would be written twice
  EXPECT_FALSE(fs::exists(Path("out2")));
}

// A Parquet file of (id INT, ts TIMESTAMP in `unit`), one row.
void WriteTimestampFile(const std::string& path, parquet::TimeUnit unit, int64_t ts) {
  parquet::LogicalType t;
  t.kind = parquet::LogicalType::Kind::kTimestamp;
  t.unit = unit;
  t.is_adjusted_to_utc = true;
  std::vector<parquet::WriterColumn> columns = {
      {"id", parquet::PhysicalType::kInt64, false, std::nullopt},
      {"ts", parquet::PhysicalType::kInt64, false, t}};
  auto writer = parquet::ParquetWriter::Create(path, columns);
  ASSERT_TRUE(writer.ok());
  std::vector<parquet::ColumnVector> vectors(2);
  const int64_t values[2] = {1, ts};
  for (int c = 0; c < 2; ++c) {
    vectors[c].physical_type = parquet::PhysicalType::kInt64;
    vectors[c].value_width = 8;
    vectors[c].length = 1;
    vectors[c].values.Resize(8);
    std::memcpy(vectors[c].values.data(), &values[c], 8);
  }
  ASSERT_TRUE((*writer)->WriteRowGroup(vectors).ok());
  ASSERT_TRUE((*writer)->Close().ok());
}

TEST_F(RepartitionTest, ParquetTimestampsOfAnotherUnitAreRefusedNotReinterpreted) {
  WriteTimestampFile(Path("ms.parquet"), parquet::TimeUnit::kMillis, 1000);
  WriteTimestampFile(Path("us.parquet"), parquet::TimeUnit::kMicros, 1000000);
  RepartitionOptions o = Options("out");
  o.types.clear();
  o.inputs = {Path("ms.parquet"), Path("us.parquet")};
  auto run = Repartition(o);
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.status().message().find("TIMESTAMP_MS"), std::string::npos)
      << run.status().message();
  // Saying which type does not make milliseconds microseconds.
  o.types = {{"ts", "TIMESTAMP_US"}};
  run = Repartition(o);
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.status().message().find("does not convert Parquet timestamps between units"),
            std::string::npos)
      << run.status().message();
  EXPECT_FALSE(fs::exists(Path("out")));
  o.inputs = {Path("us.parquet")};
  EXPECT_TRUE(Repartition(o).ok());
}

// A row of the pyarrow-style file below, and as read back.
struct EventRow {
  int64_t id;
  int64_t ts;  // milliseconds
  std::optional<std::string> event;
  std::optional<double> price;
  bool operator==(const EventRow&) const = default;
};

// Rows at random: ids and timestamps repeat (ties within and across users), NULLs in both
// value columns, no order at all.
std::vector<EventRow> RandomEvents(size_t n) {
  std::mt19937 rng(7);
  const char* events[] = {"view", "add", "buy", "ümlaut, \"quoted\""};
  std::vector<EventRow> rows;
  for (size_t i = 0; i < n; ++i) {
    EventRow r{static_cast<int64_t>(1000 + rng() % 300),
               static_cast<int64_t>(1'700'000'000'000 + rng() % 500), std::nullopt, std::nullopt};
    if (rng() % 5) r.event = events[rng() % 4];
    if (rng() % 3) r.price = static_cast<double>(rng() % 10000) / 4;
    rows.push_back(std::move(r));
  }
  return rows;
}

// Written as pyarrow writes by default: every chunk dictionary-encoded (ids and timestamps
// too), here in several row groups.
void WriteEventsFile(const std::string& path, const std::vector<EventRow>& rows,
                     size_t row_group_rows) {
  parquet::LogicalType ms;
  ms.kind = parquet::LogicalType::Kind::kTimestamp;
  ms.unit = parquet::TimeUnit::kMillis;
  ms.is_adjusted_to_utc = true;
  parquet::LogicalType text;
  text.kind = parquet::LogicalType::Kind::kString;
  parquet::WriterOptions options;
  options.always_dictionary = true;
  auto writer = parquet::ParquetWriter::Create(
      path,
      {{"id", parquet::PhysicalType::kInt64, false, std::nullopt},
       {"ts", parquet::PhysicalType::kInt64, false, ms},
       {"event", parquet::PhysicalType::kByteArray, true, text},
       {"price", parquet::PhysicalType::kDouble, true, std::nullopt}},
      options);
  ASSERT_TRUE(writer.ok());
  for (size_t start = 0; start < rows.size(); start += row_group_rows) {
    const size_t n = std::min(row_group_rows, rows.size() - start);
    std::vector<parquet::ColumnVector> v(4);
    for (int c : {0, 1, 3}) {
      v[c].physical_type = c == 3 ? parquet::PhysicalType::kDouble : parquet::PhysicalType::kInt64;
      v[c].value_width = 8;
      v[c].length = static_cast<int64_t>(n);
      v[c].values.ResizeZeroed(n * 8);
    }
    v[2].physical_type = parquet::PhysicalType::kByteArray;
    v[2].length = static_cast<int64_t>(n);
    v[2].offsets.ResizeZeroed((n + 1) * 4);
    for (int c : {2, 3}) v[c].validity.ResizeZeroed(bitmap::BytesFor(n));
    std::string data;
    for (size_t i = 0; i < n; ++i) {
      const EventRow& r = rows[start + i];
      v[0].values.as<int64_t>()[i] = r.id;
      v[1].values.as<int64_t>()[i] = r.ts;
      if (r.event) {
        data += *r.event;
        bitmap::Set(v[2].validity.data(), i);
      } else {
        ++v[2].null_count;
      }
      v[2].offsets.as<uint32_t>()[i + 1] = static_cast<uint32_t>(data.size());
      if (r.price) {
        v[3].values.as<double>()[i] = *r.price;
        bitmap::Set(v[3].validity.data(), i);
      } else {
        ++v[3].null_count;
      }
    }
    v[2].data.Resize(data.size());
    if (!data.empty()) std::memcpy(v[2].data.data(), data.data(), data.size());
    ASSERT_TRUE((*writer)->WriteRowGroup(v).ok());
  }
  ASSERT_TRUE((*writer)->Close().ok());
}

std::vector<EventRow> ReadEvents(const std::string& path) {
  auto source = (*ObjectStoreFor(path))->Open(path);
  EXPECT_TRUE(source.ok());
  auto reader = ParquetRecordReader::Open(*source);
  EXPECT_TRUE(reader.ok());
  std::vector<EventRow> rows;
  CellBatch batch;
  while (*(*reader)->Next(333, &batch)) {
    for (size_t r = 0; r < batch.num_rows(); ++r) {
      const Cell* c = batch.row(r);
      EventRow row{c[0].integer, c[1].integer, std::nullopt, std::nullopt};
      if (c[2].kind == CellKind::kText) row.event = std::string(c[2].text);
      if (c[3].kind == CellKind::kDouble) row.price = c[3].real;
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

TEST_F(RepartitionTest, PyarrowStyleFilesInNoOrderComeOutWhole) {
  const auto input = RandomEvents(5000);
  WriteEventsFile(Path("events.parquet"), input, 700);
  // The file really is what it should stand for: several row groups, every chunk a dictionary.
  auto source = (*ObjectStoreFor(Path("events.parquet")))->Open(Path("events.parquet"));
  auto file = parquet::ParquetFile::Open(*source);
  ASSERT_TRUE(file.ok());
  ASSERT_EQ((*file)->num_row_groups(), 8);
  for (int c : {0, 1}) {
    const auto& e = (*file)->chunk_metadata(0, c).encodings;
    EXPECT_NE(
        std::find(e.begin(), e.end(), static_cast<int32_t>(parquet::Encoding::kRleDictionary)),
        e.end());
  }
  for (RowOrder order : {RowOrder::kTime, RowOrder::kGroup}) {
    RepartitionOptions o = KeyedOptions("events.parquet", "events_out", 3);
    o.order = order;
    o.row_group_rows = 400;
    o.threads = 2;
    auto run = Repartition(o);
    ASSERT_TRUE(run.ok()) << run.status().message();
    EXPECT_EQ((*run)["rows"], 5000);
    // Expected: each part's rows from the input, stable-sorted by the part's order.
    for (uint32_t p = 0; p < 3; ++p) {
      std::vector<EventRow> want;
      for (const EventRow& r : input) {
        if (PartOfGroup(std::string_view(std::to_string(r.id)), 3) == p) want.push_back(r);
      }
      std::stable_sort(want.begin(), want.end(), [&](const EventRow& a, const EventRow& b) {
        if (order == RowOrder::kGroup && a.id != b.id) return a.id < b.id;
        return a.ts < b.ts;
      });
      EXPECT_TRUE(ReadEvents(Path("events_out/" + PartFileName(p, 3))) == want)
          << "part " << p << " in order " << static_cast<int>(order);
    }
    auto schema = nlohmann::json::parse(ReadFile(Path("events_out/_report.json")))["schema"];
    EXPECT_EQ(schema[1]["type"], "TIMESTAMP_MS");  // the unit kept
  }
}

TEST_F(RepartitionTest, OneJobAtATimeWritesADirectory) {
  const int fd = ::open(Path(".out.frocket-lock").c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);  // another job holds it
  auto run = Repartition(Options("out"));
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.status().message().find("another frocket repartition is writing it"),
            std::string::npos)
      << run.status().message();
  ::close(fd);
  EXPECT_TRUE(Repartition(Options("out")).ok());
}

TEST_F(RepartitionTest, AFileNamedTwoWaysIsStillNamedTwice) {
  RepartitionOptions o = Options("out");
  o.inputs = {Path("in.csv"), (dir_ / "." / "in.csv").string()};
  auto run = Repartition(o);
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.status().message().find("named twice"), std::string::npos);
}

TEST_F(RepartitionTest, ADirectoryItDidNotWriteIsNeverReplaced) {
  fs::create_directories(Path("mine"));
  Write("mine/keep.txt", "precious");
  Write("mine/_report.json", "{\"rows\": 3}");  // a report, but not repartition's
  auto run = Repartition(Options("mine"));
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.status().message().find("not written by frocket repartition"), std::string::npos);
  EXPECT_EQ(ReadFile(Path("mine/keep.txt")), "precious");
  // Its own output is replaced by a run again, whole.
  ASSERT_TRUE(Repartition(Options("out")).ok());
  const std::string first = ReadFile(Path("out/part-00000.parquet"));
  ASSERT_TRUE(Repartition(Options("out")).ok());
  EXPECT_EQ(ReadFile(Path("out/part-00000.parquet")), first);
}

TEST_F(RepartitionTest, GroupOrderSortsByIdThenTime) {
  ASSERT_TRUE(Repartition(Options("out")).ok());
  // The output read back as Parquet input, into one part ordered by group.
  RepartitionOptions o = KeyedOptions("out", "by_group", 1);
  o.order = RowOrder::kGroup;
  auto run = Repartition(o);
  ASSERT_TRUE(run.ok()) << run.status().message();
  auto rows = ReadBack(Path("by_group"), 1);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].id, "u1");
  EXPECT_EQ(rows[0].ts, kDay + 1000000);
  EXPECT_EQ(rows[1].id, "u1");
  EXPECT_EQ(rows[1].ts, kDay + 2000000);
  EXPECT_EQ(rows[2].id, "u2");
  auto check = CheckPartitioning(Path("by_group"), "", "");
  EXPECT_TRUE((*check)["ok"]) << check->dump();
}

TEST_F(RepartitionTest, CheckFindsMisplacedGroupsStrayFilesAndSharedGroups) {
  ASSERT_TRUE(Repartition(Options("out")).ok());
  fs::rename(Path("out/part-00000.parquet"), Path("out/swap"));
  fs::rename(Path("out/part-00001.parquet"), Path("out/part-00000.parquet"));
  fs::rename(Path("out/swap"), Path("out/part-00001.parquet"));
  fs::copy_file(Path("out/part-00000.parquet"), Path("out/extra.parquet"));
  auto check = CheckPartitioning(Path("out"), "", "");
  ASSERT_TRUE(check.ok());
  EXPECT_FALSE((*check)["ok"]);
  const std::string problems = (*check)["problems"].dump();
  EXPECT_NE(problems.find("belongs in part"), std::string::npos) << problems;
  EXPECT_NE(problems.find("extra.parquet: not one of the dataset's parts"), std::string::npos);
  // Without a report only sharing can be seen: the extra file shares a part's groups.
  fs::remove(Path("out/_report.json"));
  EXPECT_FALSE(CheckPartitioning(Path("out"), "", "").ok());  // which column holds the ids?
  check = CheckPartitioning(Path("out"), "id", "ts");
  ASSERT_TRUE(check.ok());
  EXPECT_FALSE((*check)["ok"]);
  EXPECT_NE((*check)["problems"].dump().find(" is in "), std::string::npos);
  fs::remove(Path("out/extra.parquet"));
  check = CheckPartitioning(Path("out"), "id", "ts");
  EXPECT_TRUE((*check)["ok"]) << check->dump();
}

}  // namespace
}  // namespace frocket::ingest
