// DistinctIntegers against std::unordered_set: the same count whether the values stay in the
// bitmap's range, leave it part way, or were never bounded.
#include "common/distinct_integers.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <unordered_set>
#include <vector>

namespace frocket {
namespace {

constexpr uint64_t kBits = 1 << 20;

std::vector<int64_t> RandomValues(size_t n, int64_t low, int64_t high, uint32_t seed) {
  std::mt19937_64 random(seed);
  std::uniform_int_distribution<int64_t> pick(low, high);
  std::vector<int64_t> values(n);
  for (auto& v : values) v = pick(random);
  return values;
}

int64_t Reference(const std::vector<int64_t>& values) {
  return static_cast<int64_t>(std::unordered_set<int64_t>(values.begin(), values.end()).size());
}

TEST(DistinctIntegers, ValuesInsideTheRangeAreBitsOfABitmap) {
  const auto values = RandomValues(200000, -5000, 70000, 1);
  DistinctIntegers one_by_one(-5000, 70000, kBits);
  for (int64_t v : values) one_by_one.Insert(v);
  DistinctIntegers all(-5000, 70000, kBits);
  all.InsertAll(values.data(), values.size());
  EXPECT_TRUE(one_by_one.is_bitmap());
  EXPECT_TRUE(all.is_bitmap());
  EXPECT_EQ(one_by_one.size(), Reference(values));
  EXPECT_EQ(all.size(), Reference(values));
}

TEST(DistinctIntegers, TheRangesEndsAreInsideIt) {
  const int64_t low = std::numeric_limits<int64_t>::max() - 100;
  DistinctIntegers set(low, std::numeric_limits<int64_t>::max(), kBits);
  set.Insert(low);
  set.Insert(std::numeric_limits<int64_t>::max());
  set.Insert(low);
  EXPECT_TRUE(set.is_bitmap());
  EXPECT_EQ(set.size(), 2);
}

TEST(DistinctIntegers, AValueOutsideTheRangeMovesTheSetToAHashTable) {
  // Statistics that were wrong: most values inside, some below and above, some repeated
  // after the move.
  auto values = RandomValues(100000, 0, 50000, 2);
  const auto outside = RandomValues(3000, -1000000, 1000000, 3);
  values.insert(values.begin() + 40000, outside.begin(), outside.end());
  values.insert(values.end(), values.begin(), values.begin() + 50000);
  DistinctIntegers one_by_one(0, 50000, kBits);
  for (int64_t v : values) one_by_one.Insert(v);
  DistinctIntegers all(0, 50000, kBits);
  all.InsertAll(values.data(), values.size());
  EXPECT_FALSE(one_by_one.is_bitmap());
  EXPECT_FALSE(all.is_bitmap());
  EXPECT_EQ(one_by_one.size(), Reference(values));
  EXPECT_EQ(all.size(), Reference(values));
}

TEST(DistinctIntegers, ARangeTooWideOrReversedIsHashedFromTheStart) {
  const auto values = RandomValues(50000, std::numeric_limits<int64_t>::min(),
                                   std::numeric_limits<int64_t>::max(), 4);
  std::vector<DistinctIntegers> sets;
  sets.emplace_back(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(),
                    kBits);
  sets.emplace_back(10, 0, kBits);
  sets.emplace_back();
  for (DistinctIntegers& set : sets) {
    EXPECT_FALSE(set.is_bitmap());
    set.InsertAll(values.data(), values.size());
    set.InsertAll(values.data(), 1000);
    EXPECT_EQ(set.size(), Reference(values));
  }
  DistinctIntegers just_too_wide(0, static_cast<int64_t>(kBits), kBits);
  EXPECT_FALSE(just_too_wide.is_bitmap());
  DistinctIntegers widest(0, static_cast<int64_t>(kBits) - 1, kBits);
  EXPECT_TRUE(widest.is_bitmap());
}

TEST(DistinctIntegers, Int32ValuesAreSignExtended) {
  const std::vector<int32_t> values = {-3, -1, 0, 7, -3, 100, -100, -2147483647 - 1};
  DistinctIntegers set(-2147483648LL, 100, kBits);
  set.InsertAll(values.data(), values.size());
  EXPECT_FALSE(set.is_bitmap());  // 2^31 + 101 values: too wide
  EXPECT_EQ(set.size(), 7);
  DistinctIntegers bitmap(-100, 100, kBits);
  bitmap.InsertAll(values.data(), values.size() - 1);
  EXPECT_TRUE(bitmap.is_bitmap());
  EXPECT_EQ(bitmap.size(), 6);
  DistinctIntegers narrow(-3, 7, kBits);
  narrow.InsertAll(values.data(), values.size());
  EXPECT_FALSE(narrow.is_bitmap());
  EXPECT_EQ(narrow.size(), 7);
}

}  // namespace
}  // namespace frocket
