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
#include <unistd.h>

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
// `some_rows`: the part holds some of the file's rows, and may number users it has no row of.
void ExpectRows(const Part& part, const json& want, const std::vector<std::string>& names,
                bool some_rows = false) {
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
  if (some_rows) {
    EXPECT_GE(part.num_groups(), static_cast<int32_t>(users.size()));
  } else {
    EXPECT_EQ(part.num_groups(), static_cast<int32_t>(users.size()));
  }
}

const std::vector<std::string> kAll = {"user", "ts", "event", "price", "flag", "seq"};

class TranscodedCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    rows_ = RandomRows(3000, 40, 1);
    Write(rows_);
  }
  void Write(const json& rows, int64_t row_group_rows = 500) {
    ASSERT_TRUE(WriteRowsAsParquet(kColumns, rows, file(), row_group_rows).ok());
  }
  // The cache's file of the entry whose key holds `key_part`, and that key (its file's first
  // two lines); an empty path if there is none.
  struct EntryFile {
    std::string path, uri, etag;
  };
  EntryFile FindEntryFile(const std::string& key_part) const {
    for (const auto& file : std::filesystem::directory_iterator(cache_dir())) {
      std::ifstream in(file.path(), std::ios::binary);
      EntryFile found{file.path().string(), "", ""};
      std::getline(in, found.uri);
      std::getline(in, found.etag);
      if (found.uri.find(key_part) != std::string::npos) return found;
    }
    return {};
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

// An entry whose checksums hold but whose content does not (a layout this build does not
// read, a crafted file): refused, dropped, and made again.
TEST_F(TranscodedCacheTest, AMalformedEntryIsDroppedAndMadeAgain) {
  Load(*OpenCache(), kAll);
  const EntryFile event = FindEntryFile("column|5:event");
  ASSERT_FALSE(event.path.empty());
  // Put again through the cache (so that its checksums are right) with its last code — the
  // codes end the entry, 3,000 of them — out of range.
  auto store = DiskCache::Open(cache_dir(), uint64_t{1} << 30);
  ASSERT_TRUE(store.ok());
  auto entry = (*store)->MapEntry(event.uri, event.etag);
  ASSERT_NE(entry, nullptr);
  std::vector<uint8_t> bytes(entry->bytes().begin(), entry->bytes().end());
  entry->Discard("replaced by the test");
  entry.reset();
  std::memset(&bytes[bytes.size() - 4], 0xff, 4);
  const std::span<const uint8_t> pieces[] = {bytes};
  (*store)->PutEntry(event.uri, event.etag, pieces);
  ASSERT_NE((*store)->MapEntry(event.uri, event.etag), nullptr);
  store->reset();
  ExpectReadFromTheFileThenFromTheCache();
}

// A query with a timeframe reads the timeframe's rows of the cached columns, and checks only
// the blocks holding them: an entry corrupt elsewhere answers it, and is found out (and read
// from the file again) by the next query that reads every row. Timestamps cached in dictionary
// form (30,000 distinct in row groups of 500) and plain (70,000 in one row group, more than a
// dictionary may hold), each searched in its own way.
TEST_F(TranscodedCacheTest, ATimeframeReadsOnlyItsRowsAndTheirBlocks) {
  for (const bool dictionary : {true, false}) {
    SCOPED_TRACE(dictionary ? "timestamps in dictionary form" : "plain timestamps");
    std::filesystem::remove_all(cache_dir());
    // A timestamp a row, 1 ms apart, shuffled: the ts entry spans several blocks.
    const int64_t n = dictionary ? 30'000 : 70'000;
    std::vector<int64_t> times(static_cast<size_t>(n));
    std::iota(times.begin(), times.end(), int64_t{1'700'000'000'000});
    std::shuffle(times.begin(), times.end(), std::mt19937_64(7));
    rows_ = RandomRows(static_cast<int>(n), 500, 8);
    for (size_t i = 0; i < rows_.size(); ++i) rows_[i][1] = times[i];
    Write(rows_, dictionary ? 500 : n);
    Load(*OpenCache(), kAll);
    // The ts entry's last bytes (the last rows' values or codes end it), altered on disk.
    const EntryFile ts = FindEntryFile("column|2:ts");
    ASSERT_FALSE(ts.path.empty());
    {
      std::fstream f(ts.path, std::ios::in | std::ios::out | std::ios::binary);
      f.seekg(0, std::ios::end);
      const auto size = static_cast<uint64_t>(f.tellg());
      uint64_t length;
      f.seekg(static_cast<std::streamoff>(size - 16));
      f.read(reinterpret_cast<char*>(&length), 8);
      const uint64_t blocks = (length + DiskCache::kEntryBlock - 1) / DiskCache::kEntryBlock;
      ASSERT_GE(blocks, 4u);
      f.seekp(static_cast<std::streamoff>(size - 16 - blocks * 8 - 100));
      f.put('\x7f');
    }

    const int64_t from = 1'700'000'001'000, to = 1'700'000'003'500;
    table::TimeKeyRange timeframe;
    timeframe.from = from;
    timeframe.to = to;
    auto source = LocalFileSource::Open(file());
    ASSERT_TRUE(source.ok());
    std::shared_ptr<ByteSource> bytes(std::move(*source));
    auto loaded = OpenCache()->Load(bytes, kAll, "user", "ts", timeframe);
    ASSERT_TRUE(loaded.ok()) << loaded.status().message();
    EXPECT_TRUE(loaded->from_cache);
    const Part& part = *loaded->part;
    EXPECT_EQ(part.time_column().is_dictionary(), dictionary);
    EXPECT_TRUE(part.coverage().Contains(timeframe));
    EXPECT_FALSE(part.coverage().Contains(table::TimeKeyRange{}));
    // The rows from the first at `from` to the last before `to` (row r of the sorted rows has
    // time 1.7e12 + r), and at most 7 before them, so as to start on a whole byte.
    const json sorted = SortedByTime(rows_);
    const int64_t first_row = part.LowerBoundRow(from), end_row = part.LowerBoundRow(to);
    ASSERT_EQ(end_row - first_row, to - from);
    EXPECT_LE(first_row, 7);
    EXPECT_EQ(part.num_rows(), end_row);
    const int64_t offset = from - 1'700'000'000'000 - first_row;
    json want = json::array();
    for (int64_t r = 0; r < part.num_rows(); ++r) {
      want.push_back(sorted[static_cast<size_t>(offset + r)]);
    }
    ExpectRows(part, want, kAll, /*some_rows=*/true);
    // Every row: the corrupt block is read, the entry dropped, the rows read from the file.
    ExpectReadFromTheFileThenFromTheCache();
  }
}

TEST(TranscodedCacheFloatTime, ATimeframeOverFloatTimestampsReadsItsRows) {
  // FLOAT timestamps a millisecond apart from -5 s to 15 s, shuffled: the cache's binary search
  // compares their time keys, whose order for negative doubles is the reverse of their bits'.
  TempDir dir("frocket-transcoded-float");
  ASSERT_TRUE(dir.ok());
  const int n = 20'000;
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937_64(3));
  auto time_of = [](int i) { return -5.0 + i / 1000.0; };
  json rows = json::array();
  for (int i : order) rows.push_back({i % 97, time_of(i)});
  const std::string file = dir.File("part.parquet");
  ASSERT_TRUE(
      WriteRowsAsParquet({{"user", ColumnType::kInt}, {"ts", ColumnType::kFloat}}, rows, file, n)
          .ok());
  auto store = DiskCache::Open(dir.File("cache"), uint64_t{1} << 30);
  ASSERT_TRUE(store.ok());
  auto cache = std::make_shared<TranscodedCache>(*store);
  auto load = [&](const table::TimeKeyRange& timeframe) {
    auto source = LocalFileSource::Open(file);
    EXPECT_TRUE(source.ok());
    return cache->Load(std::shared_ptr<ByteSource>(std::move(*source)), {"user", "ts"}, "user",
                       "ts", timeframe);
  };
  ASSERT_TRUE(load({}).ok());  // builds the entry
  // [-1.5 s, 2.25 s): rows 3500 .. 7249 of the sorted ones.
  table::TimeKeyRange timeframe;
  timeframe.from = table::FloatTimeKey(-1.5);
  timeframe.to = table::FloatTimeKey(2.25);
  auto loaded = load(timeframe);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_TRUE(loaded->from_cache);
  const Part& part = *loaded->part;
  EXPECT_TRUE(part.coverage().Contains(timeframe));
  const int64_t first = part.LowerBoundRow(-1.5), end = part.LowerBoundRow(2.25);
  ASSERT_EQ(end - first, 3750);
  EXPECT_LE(first, 7);  // from a whole byte of validity
  EXPECT_EQ(part.num_rows(), end);
  const double* ts = part.time_column().floats();
  const int64_t* user = part.FindColumn("user")->ints();
  for (int64_t r = 0; r < part.num_rows(); ++r) {
    const int i = static_cast<int>(3500 - first + r);
    ASSERT_EQ(ts[r], time_of(i)) << "row " << r;
    ASSERT_EQ(user[r], i % 97) << "row " << r;
  }
}

// Pieces put whole come back mapped, 64-byte aligned, one after another; each block's checksum
// is checked when a range in it is first verified, so a corrupt block fails the ranges in it
// (and drops the entry) but not those before it.
TEST(DiskCacheEntry, PiecesAreMappedAndCheckedBlockByBlock) {
  TempDir dir("frocket-entry-test");
  auto cache = DiskCache::Open(dir.path(), 1 << 22);
  ASSERT_TRUE(cache.ok());
  std::vector<uint8_t> a(100'000), b(3), c(150'000);  // 250,003 bytes: four blocks
  std::mt19937_64 rng(9);
  for (auto* piece : {&a, &b, &c}) {
    for (uint8_t& x : *piece) x = static_cast<uint8_t>(rng());
  }
  std::vector<uint8_t> whole = a;
  whole.insert(whole.end(), b.begin(), b.end());
  whole.insert(whole.end(), c.begin(), c.end());
  const std::span<const uint8_t> pieces[] = {a, b, c};
  (*cache)->PutEntry("object", "v1", pieces);
  EXPECT_EQ((*cache)->MapEntry("object", "v2"), nullptr);  // another version
  {
    auto entry = (*cache)->MapEntry("object", "v1");
    ASSERT_NE(entry, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(entry->bytes().data()) % 64, 0u);
    ASSERT_EQ(entry->bytes().size(), whole.size());
    EXPECT_TRUE(std::equal(whole.begin(), whole.end(), entry->bytes().begin()));
    EXPECT_TRUE(entry->Verify(0, whole.size()));
    EXPECT_TRUE(entry->Verify(whole.size(), 0));
    EXPECT_FALSE(entry->Verify(whole.size() - 2, 3));  // past the end
  }
  // A byte of the third block altered on disk (the file: the key's line padded, the bytes,
  // four block checksums, the length and the checksum of those).
  std::string file;
  for (const auto& f : std::filesystem::directory_iterator(dir.path())) file = f.path();
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(0, std::ios::end);
    const auto size = static_cast<uint64_t>(f.tellg());
    const uint64_t header = size - whole.size() - 4 * 8 - 16;
    const uint64_t at = 2 * DiskCache::kEntryBlock + 5;
    f.seekp(static_cast<std::streamoff>(header + at));
    f.put(static_cast<char>(whole[at] ^ 1));
  }
  {
    auto entry = (*cache)->MapEntry("object", "v1");
    ASSERT_NE(entry, nullptr);
    EXPECT_TRUE(entry->Verify(10, DiskCache::kEntryBlock));  // blocks 0 and 1
    EXPECT_TRUE(entry->Verify(3 * DiskCache::kEntryBlock, 100));
    EXPECT_FALSE(entry->Verify(2 * DiskCache::kEntryBlock + 1000, 1));
    EXPECT_FALSE(entry->Verify(0, 1));  // a corrupt entry: nothing more of it is used
  }
  EXPECT_EQ((*cache)->MapEntry("object", "v1"), nullptr);  // dropped
  EXPECT_EQ((*cache)->used_bytes(), 0u);
  // A file cut short is no entry; one discarded is gone for the next reader.
  (*cache)->PutEntry("object", "v1", pieces);
  ASSERT_EQ(::truncate(file.c_str(), 1000), 0);
  EXPECT_EQ((*cache)->MapEntry("object", "v1"), nullptr);
  (*cache)->PutEntry("object", "v1", pieces);
  auto second = (*cache)->MapEntry("object", "v1");
  ASSERT_NE(second, nullptr);
  second->Discard("not wanted");
  second.reset();
  EXPECT_EQ((*cache)->MapEntry("object", "v1"), nullptr);
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
      auto back = table::ReadColumnEntry(table::EntryInMemory(bytes), c.name);
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
    const auto cut = table::EntryInMemory(std::span<const uint8_t>(bytes.data(), n));
    EXPECT_FALSE(table::ReadColumnEntry(cut, "event").ok()) << n;
  }
  // The codes are the entry's last 300 × 4 bytes: one past the dictionary's null code.
  std::vector<uint8_t> altered = bytes;
  const size_t code = altered.size() - 4;
  const uint32_t too_big = static_cast<uint32_t>(event.encoded.dictionary->length) + 1;
  std::memcpy(&altered[code], &too_big, 4);
  auto refused = table::ReadColumnEntry(table::EntryInMemory(altered), "event");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("codes malformed"), std::string::npos)
      << refused.status().message();
  // A plain string column whose last offset points past its bytes.
  auto plain = ColumnsFromRows(kColumns, RandomRows(50, 9, 6), /*dictionary_strings=*/false);
  ASSERT_TRUE(plain.ok());
  Column& strings = (*plain)[2];
  strings.encoded.offsets.as<uint32_t>()[50] += 1;
  const std::vector<uint8_t> bad = table::ColumnEntryBytes(strings);
  EXPECT_FALSE(table::ReadColumnEntry(table::EntryInMemory(bad), "event").ok());
}

// Rows of an entry, each column form: the same values as those rows of the column, the nulls
// among them counted, plain strings' offsets from 0. A range not starting on a whole byte of
// validity, or past the rows, is refused.
TEST(TranscodedEntry, RowRangesReadThoseRows) {
  const json rows = RandomRows(700, 9, 10);
  for (const bool dictionary_strings : {true, false}) {
    auto columns = ColumnsFromRows(kColumns, rows, dictionary_strings);
    ASSERT_TRUE(columns.ok());
    for (const Column& c : *columns) {
      const auto entry = table::EntryInMemory(table::ColumnEntryBytes(c));
      for (const auto& [begin, end] : std::vector<std::pair<int64_t, int64_t>>{
               {0, 0}, {0, 9}, {8, 700}, {96, 97}, {696, 700}, {696, 696}, {256, 512}}) {
        auto back = table::ReadColumnEntry(entry, c.name, {begin, end});
        ASSERT_TRUE(back.ok()) << c.name << ": " << back.status().message();
        ASSERT_EQ(back->length, end - begin);
        int64_t nulls = 0;
        for (int64_t r = begin; r < end; ++r) nulls += c.IsNull(r) ? 1 : 0;
        EXPECT_EQ(back->null_count, nulls) << c.name;
        for (int64_t r = 0; r < back->length; ++r) {
          ASSERT_EQ(CellOf(*back, r), CellOf(c, begin + r)) << c.name << " row " << begin + r;
        }
        if (c.type == ColumnType::kString && !c.is_dictionary()) {
          EXPECT_EQ(back->encoded.offsets.as<uint32_t>()[0], 0u);
        }
      }
      EXPECT_FALSE(table::ReadColumnEntry(entry, c.name, {4, 100}).ok());
      EXPECT_FALSE(table::ReadColumnEntry(entry, c.name, {8, 701}).ok());
      EXPECT_FALSE(table::ReadColumnEntry(entry, c.name, {16, 8}).ok());
    }
  }
}

}  // namespace
}  // namespace frocket::testing
