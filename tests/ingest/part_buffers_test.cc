// Routing, spilling and merging rows (part_buffers.h) against a brute-force reference: every
// row of a part, in input order, stable-sorted by the part's key — whatever the memory limit,
// and so whatever runs were spilled.
#include "ingest/part_buffers.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <set>
#include <sstream>

#include "common/bitmap.h"

namespace frocket::ingest {
namespace {

struct Row {
  int64_t id;
  int64_t ts;
  std::string s;
  bool has_x;
  double x;
  bool operator==(const Row&) const = default;
};

void PrintTo(const Row& r, std::ostream* os) {
  *os << "{id " << r.id << ", ts " << r.ts << ", s " << r.s.size() << " bytes of "
      << (r.s.empty() ? 0 : r.s[0]) << ", x " << (r.has_x ? std::to_string(r.x) : "NULL") << "}";
}

// The first difference, for a readable failure.
std::string FirstDifference(const std::vector<std::vector<Row>>& got,
                            const std::vector<std::vector<Row>>& want) {
  if (got.size() != want.size()) return "parts differ in number";
  for (size_t p = 0; p < got.size(); ++p) {
    for (size_t i = 0; i < std::max(got[p].size(), want[p].size()); ++i) {
      if (i >= got[p].size() || i >= want[p].size() || !(got[p][i] == want[p][i])) {
        std::ostringstream os;
        os << "part " << p << " row " << i << " of " << got[p].size() << "/" << want[p].size()
           << ": got ";
        if (i < got[p].size()) PrintTo(got[p][i], &os);
        os << " want ";
        if (i < want[p].size()) PrintTo(want[p][i], &os);
        return os.str();
      }
    }
  }
  return "";
}

IngestSchema TestSchema() {
  IngestSchema schema;
  schema.columns = {{"ts", ColumnKind::kInt64, parquet::TimeUnit::kMicros},
                    {"s", ColumnKind::kString, parquet::TimeUnit::kMicros},
                    {"id", ColumnKind::kInt64, parquet::TimeUnit::kMicros},
                    {"x", ColumnKind::kDouble, parquet::TimeUnit::kMicros}};
  schema.group_column = 2;
  schema.time_column = 0;
  return schema;
}

// Two inputs of random rows: few ids and timestamps (many ties), strings up to 3 KB.
std::vector<std::vector<Row>> RandomInputs(uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::vector<Row>> inputs(2);
  for (auto& rows : inputs) {
    const int n = 1500 + static_cast<int>(rng() % 500);
    for (int i = 0; i < n; ++i) {
      Row r{static_cast<int64_t>(rng() % 60), static_cast<int64_t>(rng() % 25),
            std::string(rng() % 7 == 0 ? rng() % 3000 : rng() % 20,
                        static_cast<char>('a' + rng() % 26)),
            rng() % 3 != 0, static_cast<double>(rng() % 1000) / 8};
      if (!r.has_x) r.x = 0;  // a NULL reads back as 0
      rows.push_back(std::move(r));
    }
  }
  return inputs;
}

// Row i's string, in either form (ColumnAppender gives coded columns in dictionary form).
std::string_view StringOf(const parquet::ColumnVector& v, int64_t i) {
  return v.is_dictionary() ? v.dictionary->StringAt(v.CodeAt(i)) : v.StringAt(i);
}

std::vector<Row> Decode(const std::vector<parquet::ColumnVector>& v) {
  std::vector<Row> rows;
  for (int64_t i = 0; i < v[0].length; ++i) {
    const bool has_x = !v[3].IsNull(i);
    rows.push_back({v[2].values_as<int64_t>()[i], v[0].values_as<int64_t>()[i],
                    std::string(StringOf(v[1], i)), has_x,
                    has_x ? v[3].values_as<double>()[i] : 0});
  }
  return rows;
}

// Routes the inputs (input i on thread buffer i % threads) and reads every part back.
std::vector<std::vector<Row>> RouteAndRead(const std::vector<std::vector<Row>>& inputs,
                                           RowOrder order, uint64_t limit, uint32_t parts,
                                           uint64_t* spills, size_t dictionary_bytes = 0) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("frocket-part-buffers-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  RecordLayout layout(TestSchema(), order, dictionary_bytes);
  SpillFiles spill(dir.string(), parts);
  std::vector<std::unique_ptr<PartBuffers>> buffers;
  for (int t = 0; t < 2; ++t)
    buffers.push_back(std::make_unique<PartBuffers>(layout, parts, limit, 2, &spill));
  const std::vector<std::string> names = {"id", "ts", "x", "s"};  // an input's own order
  for (size_t in = 0; in < inputs.size(); ++in) {
    RowEncoder encoder(layout, names, in, parts);
    CellBatch batch;
    batch.num_columns = names.size();
    std::vector<std::string> xs;
    for (size_t r = 0; r < inputs[in].size(); ++r) {
      const Row& row = inputs[in][r];
      Cell id{CellKind::kInt, false, false, row.id, 0, {}};
      Cell ts{CellKind::kInt, false, false, row.ts, 0, {}};
      Cell x{row.has_x ? CellKind::kDouble : CellKind::kNull, false, false, 0, row.x, {}};
      Cell s{CellKind::kText, false, false, 0, 0, row.s};
      batch.cells.insert(batch.cells.end(), {id, ts, x, s});
      batch.origins.push_back({static_cast<int64_t>(r), {}});
    }
    std::string reason;
    std::string_view record;
    for (size_t r = 0; r < batch.num_rows(); ++r) {
      const int part = encoder.Encode(batch, r, &record, &reason);
      EXPECT_GE(part, 0) << reason;
      EXPECT_TRUE(buffers[in % 2]->Add(static_cast<uint32_t>(part), record).ok());
    }
  }
  *spills = buffers[0]->spills() + buffers[1]->spills();
  std::vector<std::vector<Row>> out(parts);
  for (uint32_t p = 0; p < parts; ++p) {
    PartRowStream stream(layout, {buffers[0].get(), buffers[1].get()}, spill, p);
    ColumnAppender appender(layout);
    while (true) {
      auto record = stream.Next();
      EXPECT_TRUE(record.ok());
      if (!record.ok() || *record == nullptr) break;
      appender.Append(*record);
      if (appender.rows() == 700) {  // several row groups per part
        auto rows = Decode(appender.RowGroup());
        out[p].insert(out[p].end(), rows.begin(), rows.end());
      }
    }
    auto rows = Decode(appender.RowGroup());
    out[p].insert(out[p].end(), rows.begin(), rows.end());
  }
  std::filesystem::remove_all(dir);
  return out;
}

std::vector<std::vector<Row>> Reference(const std::vector<std::vector<Row>>& inputs, RowOrder order,
                                        uint32_t parts) {
  std::vector<std::vector<Row>> out(parts);
  for (const auto& rows : inputs) {
    for (const Row& r : rows) out[PartOfGroup(r.id, parts)].push_back(r);
  }
  for (auto& rows : out) {
    std::stable_sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
      if (order == RowOrder::kGroup && a.id != b.id) return a.id < b.id;
      return a.ts < b.ts;
    });
  }
  return out;
}

TEST(PartBuffers, EveryPartIsItsRowsInOrderWhateverWasSpilled) {
  for (uint32_t seed : {1u, 2u, 3u}) {
    const auto inputs = RandomInputs(seed);
    for (RowOrder order : {RowOrder::kTime, RowOrder::kGroup}) {
      const auto expected = Reference(inputs, order, 5);
      uint64_t spills = 0;
      EXPECT_EQ(
          FirstDifference(RouteAndRead(inputs, order, uint64_t{1} << 30, 5, &spills), expected),
          "");
      EXPECT_EQ(spills, 0u);
      // 64 KB per thread: runs spilled many times over, merged with what stayed in memory.
      EXPECT_EQ(FirstDifference(RouteAndRead(inputs, order, 64 << 10, 5, &spills), expected), "");
      EXPECT_GT(spills, 10u);
    }
  }
}

// Inputs already in time order, as exports by time range are: each thread's records need no
// sort, only the merge of the threads' — the same rows as sorting them.
TEST(PartBuffers, InputsAlreadyInOrderNeedOnlyTheMerge) {
  auto inputs = RandomInputs(5);
  for (auto& rows : inputs) {
    std::stable_sort(rows.begin(), rows.end(),
                     [](const Row& a, const Row& b) { return a.ts < b.ts; });
  }
  for (RowOrder order : {RowOrder::kTime, RowOrder::kGroup}) {
    const auto expected = Reference(inputs, order, 5);
    uint64_t spills = 0;
    EXPECT_EQ(FirstDifference(RouteAndRead(inputs, order, uint64_t{1} << 30, 5, &spills), expected),
              "");
    EXPECT_EQ(FirstDifference(RouteAndRead(inputs, order, 64 << 10, 5, &spills), expected), "");
    EXPECT_GT(spills, 1u);
  }
}

// Strings as dictionary codes (string_dictionary.h): all of them, or the first ones until the
// dictionary is full and the rest as bytes — the same rows either way, spilled or not.
TEST(PartBuffers, StringsAsDictionaryCodesReadBackTheSame) {
  const auto inputs = RandomInputs(4);
  size_t distinct = 0;
  {
    std::set<std::string> seen;
    for (const auto& rows : inputs) {
      for (const Row& r : rows) seen.insert(r.s);
    }
    distinct = seen.size();
  }
  ASSERT_GT(distinct, 100u);
  for (RowOrder order : {RowOrder::kTime, RowOrder::kGroup}) {
    const auto expected = Reference(inputs, order, 5);
    for (size_t bytes : {size_t{1} << 24, size_t{4} << 10}) {
      uint64_t spills = 0;
      EXPECT_EQ(FirstDifference(RouteAndRead(inputs, order, uint64_t{1} << 30, 5, &spills, bytes),
                                expected),
                "")
          << bytes;
      EXPECT_EQ(FirstDifference(RouteAndRead(inputs, order, 64 << 10, 5, &spills, bytes), expected),
                "")
          << bytes;
      EXPECT_GT(spills, 1u);
    }
  }
}

// A job's dictionaries draw on one budget: what one takes the other cannot, and a value
// refused takes nothing.
TEST(StringDictionary, DictionariesShareOneBudget) {
  std::atomic<int64_t> budget{200};
  StringDictionary a(&budget), b(&budget);
  auto intern = [](StringDictionary& d, const std::string& v) {
    return d.Intern(v, StringHash(v));
  };
  // Eight-byte values cost 40 bytes each: five fit in 200.
  EXPECT_EQ(intern(a, "value-01"), 0);
  EXPECT_EQ(intern(a, "value-02"), 1);
  EXPECT_EQ(intern(a, "value-03"), 2);
  EXPECT_EQ(intern(b, "value-04"), 0);
  EXPECT_EQ(budget.load(), 40);
  EXPECT_EQ(intern(b, "a much longer value"), -1);  // 51 bytes: refused, nothing taken
  EXPECT_EQ(budget.load(), 40);
  EXPECT_TRUE(b.full());
  EXPECT_FALSE(a.full());
  EXPECT_EQ(intern(a, "value-05"), 3);  // the last 40 bytes
  EXPECT_EQ(budget.load(), 0);
  EXPECT_EQ(intern(a, "value-06"), -1);
  EXPECT_EQ(budget.load(), 0);
  EXPECT_EQ(intern(a, "value-02"), 1);  // numbered values keep their codes
}

// A value too long for the budget left stays bytes; shorter ones are still numbered.
TEST(StringDictionary, AValueTooLongForWhatIsLeftDoesNotStopIt) {
  std::atomic<int64_t> budget{10000};
  StringDictionary d(&budget);
  const std::string big(20000, 'x');
  EXPECT_EQ(d.Intern(big, StringHash(big)), -1);
  EXPECT_FALSE(d.full());
  EXPECT_EQ(budget.load(), 10000);
  EXPECT_EQ(d.Intern("short", StringHash("short")), 0);
  EXPECT_EQ(budget.load(), 10000 - (5 + 32));
}

// A dictionary refused for holding its most entries (its budget at the start / 32) gives
// nothing back to the budget it did not take.
TEST(StringDictionary, ARefusalTakesNothing) {
  std::atomic<int64_t> budget{200};
  StringDictionary a(&budget), b(&budget);  // at most 200 / 32 = 6 entries each
  for (const char* v : {"a", "b", "c", "d", "e", "f"}) EXPECT_GE(a.Intern(v, StringHash(v)), 0);
  EXPECT_EQ(budget.load(), 2);  // 6 x (1 + 32)
  EXPECT_EQ(a.Intern("g", StringHash("g")), -1);
  EXPECT_EQ(budget.load(), 2);
  EXPECT_EQ(b.Intern("x", StringHash("x")), -1);  // 33 bytes do not fit in 2
}

// More distinct strings than ColumnAppender renumbers through its table (kMostCodes): the
// row groups holding the later codes are written in plain form, the same rows either way.
TEST(PartBuffers, StringsPastTheAppendersCodeTableReadBackTheSame) {
  std::vector<std::vector<Row>> inputs(2);
  for (int i = 0; i < 80000; ++i) {
    inputs[static_cast<size_t>(i % 2)].push_back(
        {i % 997, i / 7, "value " + std::to_string(i * 7919 % 80000), i % 3 == 0, 0.5 * i});
    if (!inputs[static_cast<size_t>(i % 2)].back().has_x)
      inputs[static_cast<size_t>(i % 2)].back().x = 0;
  }
  const auto expected = Reference(inputs, RowOrder::kTime, 3);
  uint64_t spills = 0;
  EXPECT_EQ(FirstDifference(RouteAndRead(inputs, RowOrder::kTime, uint64_t{1} << 30, 3, &spills,
                                         size_t{64} << 20),
                            expected),
            "");
}

TEST(StringDictionary, NumbersEachValueOnceWithinItsBudget) {
  std::atomic<int64_t> budget{1000};
  StringDictionary d(&budget);
  StringCodes codes(&d);
  const int32_t a = codes.Code("alpha");
  const int32_t b = codes.Code("beta");
  EXPECT_EQ(a, 0);
  EXPECT_EQ(b, 1);
  EXPECT_EQ(codes.Code("alpha"), a);
  EXPECT_EQ(d.Intern("beta", StringHash("beta")), b);  // another thread's view
  EXPECT_EQ(d.Value(a), "alpha");
  EXPECT_EQ(d.Value(b), "beta");
  // An input dictionary's entries: looked up once per dictionary, by entry.
  EXPECT_EQ(codes.Code("beta", 7, 3), b);
  EXPECT_EQ(codes.Code("gamma", 7, 0), 2);
  EXPECT_EQ(codes.Code("gamma", 8, 1), 2);
  // Each value costs its bytes and 32 more (its view, hash and index slots): what the first
  // three left of 1000 bytes holds 24 four-byte values.
  std::vector<int32_t> got;
  for (int i = 0; i < 40; ++i) got.push_back(codes.Code("v" + std::to_string(100 + i)));
  int numbered = 0;
  for (int i = 0; i < 40; ++i) {
    if (got[i] >= 0) {
      ++numbered;
      EXPECT_EQ(d.Value(got[i]), "v" + std::to_string(100 + i));
    }
  }
  EXPECT_EQ(numbered, 24);  // (1000 - (5 + 32) - (4 + 32) - (5 + 32)) / (4 + 32)
  EXPECT_TRUE(d.full());
  EXPECT_EQ(codes.Code("alpha"), a);  // numbered values keep their codes
  EXPECT_EQ(codes.Code("delta"), -1);
}

}  // namespace
}  // namespace frocket::ingest
