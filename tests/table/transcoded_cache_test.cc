// The transcoded cache: parts kept on disk in frocket's layout. A part read back must hold the
// file's rows in time order — checked against the rows sorted stably by time with
// std::stable_sort, not against another frocket path — whether its columns came from the
// file, from the cache, or from both (a column added by a later query); a changed file, a
// corrupt entry and a full cache each fall back to the file. Entries are checked byte by
// byte: every truncation and the alterations that would index outside a buffer are refused.
#include "table/transcoded_cache.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <random>
#include <set>

#include "storage/local_file_source.h"
#include "support/inline_part.h"
#include "support/temp_dir.h"

namespace frocket::testing {
namespace {

using nlohmann::json;
using table::Column;
using table::Part;
using table::TranscodedCache;

const std::vector<InlineColumn> kColumns = {
    {"user", ColumnType::kInt},    {"ts", ColumnType::kInt},    {"event", ColumnType::kString},
    {"price", ColumnType::kFloat}, {"flag", ColumnType::kBool}, {"seq", ColumnType::kInt}};

// Rows in random time order, with ties, nulls in every column but the keys; seq numbers them.
json RandomRows(int n, int users, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const char* events[] = {"view", "cart", "buy"};
  json rows = json::array();
  for (int i = 0; i < n; ++i) {
    auto maybe = [&](json v) { return rng() % 7 == 0 ? json(nullptr) : v; };
    rows.push_back({static_cast<int64_t>(rng() % static_cast<uint64_t>(users)) * 1000 + 17,
                    static_cast<int64_t>(1'700'000'000'000 + rng() % 500), maybe(events[rng() % 3]),
                    maybe(static_cast<double>(rng() % 10'000) / 100), maybe(rng() % 2 == 0), i});
  }
  return rows;
}

// The rows sorted stably by ts: the order a part must hold them in.
json SortedByTime(const json& rows) {
  std::vector<size_t> order(rows.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return rows[a][1].get<int64_t>() < rows[b][1].get<int64_t>();
  });
  json out = json::array();
  for (size_t i : order) out.push_back(rows[i]);
  return out;
}

// The value of a part's column at a row, as the JSON the rows were written from.
json CellOf(const Column& c, int64_t r) {
  if (c.IsNull(r)) return nullptr;
  switch (c.type) {
    case ColumnType::kInt:
      return c.ints()[r];
    case ColumnType::kFloat:
      return c.floats()[r];
    case ColumnType::kBool:
      return c.bools()[r] != 0;
    case ColumnType::kString:
      return std::string(c.StringAt(r));
  }
  return "?";
}

// Every row of the part's columns among `names` equals the expected rows (in kColumns' layout).
void ExpectRows(const Part& part, const json& want, const std::vector<std::string>& names) {
  ASSERT_EQ(part.num_rows(), static_cast<int64_t>(want.size()));
  for (const std::string& name : names) {
    const auto index =
        static_cast<size_t>(std::find_if(kColumns.begin(), kColumns.end(),
                                         [&](const InlineColumn& c) { return c.name == name; }) -
                            kColumns.begin());
    const Column* c = part.FindColumn(name);
    ASSERT_NE(c, nullptr) << name;
    for (int64_t r = 0; r < part.num_rows(); ++r) {
      ASSERT_EQ(CellOf(*c, r), want[static_cast<size_t>(r)][index]) << name << " row " << r;
    }
  }
  // Group ordinals: one per distinct user, each row's naming its own user.
  std::set<int64_t> users;
  const Column& user = *part.FindColumn("user");
  for (int64_t r = 0; r < part.num_rows(); ++r) {
    users.insert(user.ints()[r]);
    ASSERT_EQ(std::get<int64_t>(part.group_codes().value(part.group_ordinals()[r])),
              user.ints()[r]);
  }
  EXPECT_EQ(part.num_groups(), static_cast<int32_t>(users.size()));
}

const std::vector<std::string> kAll = {"user", "ts", "event", "price", "flag", "seq"};

class TranscodedCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    rows_ = RandomRows(3000, 40, 1);
    Write(rows_);
  }
  void Write(const json& rows) {
    ASSERT_TRUE(WriteRowsAsParquet(kColumns, rows, file(), 500).ok());
  }
  std::string file() const { return dir_.File("part.parquet"); }
  std::string cache_dir() const { return dir_.File("cache"); }
  // A cache as a new process would open it.
  std::shared_ptr<TranscodedCache> OpenCache(uint64_t capacity = uint64_t{1} << 30) {
    auto store = DiskCache::Open(cache_dir(), capacity);
    EXPECT_TRUE(store.ok());
    return std::make_shared<TranscodedCache>(*store);
  }
  TranscodedCache::Loaded Load(TranscodedCache& cache, const std::vector<std::string>& columns) {
    auto source = LocalFileSource::Open(file());
    EXPECT_TRUE(source.ok());
    std::shared_ptr<ByteSource> bytes(std::move(*source));
    EXPECT_TRUE(TranscodedCache::Usable(*bytes));
    auto loaded = cache.Load(bytes, columns, "user", "ts");
    EXPECT_TRUE(loaded.ok()) << loaded.status().message();
    return loaded.ok() ? std::move(*loaded) : TranscodedCache::Loaded{};
  }

  // The next load reads the file (what the cache held was unusable), the one after the cache.
  void ExpectReadFromTheFileThenFromTheCache() {
    for (const bool from_cache : {false, true}) {
      auto loaded = Load(*OpenCache(), kAll);
      ASSERT_TRUE(loaded.part);
      EXPECT_EQ(loaded.from_cache, from_cache);
      ExpectRows(*loaded.part, SortedByTime(rows_), kAll);
    }
  }

  TempDir dir_{"frocket-transcoded-test"};
  json rows_;
};

TEST_F(TranscodedCacheTest, TheFirstLoadReadsTheFileLaterOnesTheCache) {
  auto first = Load(*OpenCache(), kAll);
  ASSERT_TRUE(first.part);
  EXPECT_FALSE(first.from_cache);
  ExpectRows(*first.part, SortedByTime(rows_), kAll);
  for (int i = 0; i < 2; ++i) {
    auto again = Load(*OpenCache(), kAll);
    ASSERT_TRUE(again.part);
    EXPECT_TRUE(again.from_cache);
    ExpectRows(*again.part, SortedByTime(rows_), kAll);
    EXPECT_TRUE(again.part->has_time());
  }
}

TEST_F(TranscodedCacheTest, ColumnsAddedLaterAreInTheSameOrder) {
  EXPECT_FALSE(Load(*OpenCache(), {"user", "ts"}).from_cache);
  auto more = Load(*OpenCache(), {"user", "ts", "event", "seq"});
  ASSERT_TRUE(more.part);
  EXPECT_FALSE(more.from_cache);  // event and seq were read from the file
  ExpectRows(*more.part, SortedByTime(rows_), {"user", "ts", "event", "seq"});
  auto cached = Load(*OpenCache(), {"user", "seq", "event", "ts"});
  ASSERT_TRUE(cached.part);
  EXPECT_TRUE(cached.from_cache);
  ExpectRows(*cached.part, SortedByTime(rows_), {"user", "ts", "event", "seq"});
}

TEST_F(TranscodedCacheTest, APartWithoutTimeKeepsTheRowsInTimeOrder) {
  Load(*OpenCache(), {"user", "seq"});
  auto cached = Load(*OpenCache(), {"user", "seq"});
  ASSERT_TRUE(cached.part);
  EXPECT_TRUE(cached.from_cache);
  EXPECT_FALSE(cached.part->has_time());
  ExpectRows(*cached.part, SortedByTime(rows_), {"user", "seq"});
}

TEST_F(TranscodedCacheTest, AChangedFileIsNeverAnsweredFromItsOldEntries) {
  Load(*OpenCache(), kAll);
  // Same size and row count, other values; its modification time moved on.
  const json changed = RandomRows(3000, 40, 2);
  Write(changed);
  struct timespec times[2] = {{0, UTIME_OMIT}, {2'000'000'000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, file().c_str(), times, 0), 0);
  auto loaded = Load(*OpenCache(), kAll);
  ASSERT_TRUE(loaded.part);
  EXPECT_FALSE(loaded.from_cache);
  ExpectRows(*loaded.part, SortedByTime(changed), kAll);
  EXPECT_TRUE(Load(*OpenCache(), kAll).from_cache);
}

TEST_F(TranscodedCacheTest, ACorruptEntryIsDroppedAndTheFileReadAgain) {
  Load(*OpenCache(), kAll);
  int altered = 0;
  for (const auto& entry : std::filesystem::directory_iterator(cache_dir())) {
    std::fstream f(entry.path(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(0, std::ios::end);
    const auto size = static_cast<std::streamoff>(f.tellg());
    f.seekp(size / 2);
    char c;
    f.seekg(size / 2);
    f.get(c);
    f.seekp(size / 2);
    f.put(static_cast<char>(c ^ 0x10));
    ++altered;
  }
  EXPECT_EQ(altered, 7);  // the row order and six columns
  ExpectReadFromTheFileThenFromTheCache();
}

// An entry whose checksum holds but whose content does not (a layout this build does not
// read, a crafted file): refused, dropped, and made again.
TEST_F(TranscodedCacheTest, AMalformedEntryIsDroppedAndMadeAgain) {
  Load(*OpenCache(), kAll);
  bool found = false;
  for (const auto& entry : std::filesystem::directory_iterator(cache_dir())) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t content = bytes.find('\n') + 1;
    if (bytes.substr(0, content).find("column|5:event") == std::string::npos) continue;
    found = true;
    // The codes end the content (3,000 of them, before the 8-byte checksum): one out of range.
    const size_t trailer = bytes.size() - 8;
    std::memset(&bytes[trailer - 4], 0xff, 4);
    const uint64_t sum = XXH3_64bits(bytes.data() + content, trailer - content);
    std::memcpy(&bytes[trailer], &sum, 8);
    std::ofstream(entry.path(), std::ios::binary | std::ios::trunc) << bytes;
  }
  ASSERT_TRUE(found);
  ExpectReadFromTheFileThenFromTheCache();
}

TEST(DiskCacheEntry, PiecesAreReadBackAndCheckedWhole) {
  TempDir dir("frocket-entry-test");
  auto cache = DiskCache::Open(dir.path(), 1 << 20);
  ASSERT_TRUE(cache.ok());
  const std::vector<uint8_t> a = {1, 2, 3}, b = {4, 5, 6, 7};
  const std::span<const uint8_t> pieces[] = {a, b};
  (*cache)->PutEntry("object", "v1", pieces);
  EXPECT_EQ((*cache)->GetEntry("object", "v2"), nullptr);  // another version
  auto entry = (*cache)->GetEntry("object", "v1");
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->remaining(), 7u);
  uint8_t got[7];
  ASSERT_TRUE(entry->Read(got, 2));
  ASSERT_TRUE(entry->Read(got + 2, 5));
  EXPECT_FALSE(entry->Read(got, 1));  // past the end
  EXPECT_EQ(std::vector<uint8_t>(got, got + 7), (std::vector<uint8_t>{1, 2, 3, 4, 5, 6, 7}));
  EXPECT_TRUE(entry->Finish());
  entry.reset();
  // Discarded: gone for the next reader, as if never stored.
  auto second = (*cache)->GetEntry("object", "v1");
  ASSERT_NE(second, nullptr);
  second->Discard("not wanted");
  second.reset();
  EXPECT_EQ((*cache)->GetEntry("object", "v1"), nullptr);
  EXPECT_EQ((*cache)->used_bytes(), 0u);
}

TEST_F(TranscodedCacheTest, GroupIdsStoredPlainInTheFileAreKeptNumbered) {
  // 70,000 users in one row group: more than a dictionary may hold, so the file has them plain.
  json rows = RandomRows(70'000, 1, 3);
  for (size_t i = 0; i < rows.size(); ++i) rows[i][0] = static_cast<int64_t>(i * 3 + 5);
  ASSERT_TRUE(WriteRowsAsParquet(kColumns, rows, file(), 70'000).ok());
  auto first = Load(*OpenCache(), {"user", "ts"});
  ASSERT_TRUE(first.part);
  EXPECT_FALSE(first.part->group_column().is_dictionary());
  auto cached = Load(*OpenCache(), {"user", "ts"});
  ASSERT_TRUE(cached.part);
  EXPECT_TRUE(cached.from_cache);
  EXPECT_TRUE(cached.part->group_column().is_dictionary());
  ExpectRows(*cached.part, SortedByTime(rows), {"user", "ts"});
}

TEST_F(TranscodedCacheTest, AFullCacheEvictsAndStillAnswers) {
  const uint64_t capacity = 48 << 10;  // room for a few of the entries, not all
  for (int i = 0; i < 3; ++i) {
    auto cache_store = DiskCache::Open(cache_dir(), capacity);
    ASSERT_TRUE(cache_store.ok());
    TranscodedCache cache(*cache_store);
    auto loaded = Load(cache, kAll);
    ASSERT_TRUE(loaded.part);
    EXPECT_FALSE(loaded.from_cache);
    ExpectRows(*loaded.part, SortedByTime(rows_), kAll);
    EXPECT_LE((*cache_store)->used_bytes(), capacity);
  }
}

// Columns of every form, through an entry's bytes and back.
TEST(TranscodedEntry, EveryColumnFormRoundTrips) {
  const json rows = RandomRows(700, 9, 4);
  for (const bool dictionary_strings : {true, false}) {
    auto columns = ColumnsFromRows(kColumns, rows, dictionary_strings);
    ASSERT_TRUE(columns.ok());
    for (const Column& c : *columns) {
      const std::vector<uint8_t> bytes = table::ColumnEntryBytes(c);
      SpanPieceReader in(bytes);
      auto back = table::ReadColumnEntry(in, c.name);
      ASSERT_TRUE(back.ok()) << c.name << ": " << back.status().message();
      ASSERT_EQ(back->length, c.length);
      EXPECT_EQ(back->null_count, c.null_count);
      EXPECT_EQ(back->is_dictionary(), c.is_dictionary());
      for (int64_t r = 0; r < c.length; ++r) ASSERT_EQ(CellOf(*back, r), CellOf(c, r)) << c.name;
    }
  }
}

TEST(TranscodedEntry, TruncatedOrAlteredEntriesAreRefused) {
  auto columns = ColumnsFromRows(kColumns, RandomRows(300, 9, 5), /*dictionary_strings=*/true);
  ASSERT_TRUE(columns.ok());
  const Column& event = (*columns)[2];
  ASSERT_TRUE(event.is_dictionary());
  const std::vector<uint8_t> bytes = table::ColumnEntryBytes(event);
  for (size_t n = 0; n < bytes.size(); ++n) {
    SpanPieceReader in(std::span<const uint8_t>(bytes.data(), n));
    EXPECT_FALSE(table::ReadColumnEntry(in, "event").ok()) << n;
  }
  // The codes are the entry's last 300 × 4 bytes: one past the dictionary's null code.
  std::vector<uint8_t> altered = bytes;
  const size_t code = altered.size() - 4;
  const uint32_t too_big = static_cast<uint32_t>(event.encoded.dictionary->length) + 1;
  std::memcpy(&altered[code], &too_big, 4);
  SpanPieceReader in(altered);
  auto refused = table::ReadColumnEntry(in, "event");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("codes malformed"), std::string::npos)
      << refused.status().message();
  // A plain string column whose last offset points past its bytes.
  auto plain = ColumnsFromRows(kColumns, RandomRows(50, 9, 6), /*dictionary_strings=*/false);
  ASSERT_TRUE(plain.ok());
  Column& strings = (*plain)[2];
  strings.encoded.offsets.as<uint32_t>()[50] += 1;
  const std::vector<uint8_t> bad = table::ColumnEntryBytes(strings);
  SpanPieceReader bad_in(bad);
  EXPECT_FALSE(table::ReadColumnEntry(bad_in, "event").ok());
}

}  // namespace
}  // namespace frocket::testing
