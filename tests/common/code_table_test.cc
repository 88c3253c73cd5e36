// CodeTable (common/code_table.h): keys numbered 0, 1, 2... in order of first appearance, held
// to a std::unordered_map doing the same, through the table's growth, by both ways of inserting.
#include "common/code_table.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <unordered_map>

namespace frocket {
namespace {

enum class Insert { kFindOrInsert, kUnpredictable };

void ExpectNumbersKeysInOrderOfFirstAppearance(Insert how, size_t expected, uint64_t seed) {
  std::mt19937_64 rng(seed);
  CodeTable table(expected);
  std::unordered_map<uint64_t, int32_t> reference;
  // Keys from a range small enough to repeat often, with every kind of bit pattern: small,
  // negative as int64, and multiples of large powers of two (which a weak hash would collide).
  const uint64_t range = 1 + rng() % 50000;
  for (int i = 0; i < 200000; ++i) {
    uint64_t key = rng() % range;
    switch (rng() % 3) {
      case 0:
        break;
      case 1:
        key = static_cast<uint64_t>(-static_cast<int64_t>(key));
        break;
      case 2:
        key <<= 40;
        break;
    }
    const auto [it, added] = reference.try_emplace(key, static_cast<int32_t>(reference.size()));
    bool inserted = !added;
    const int32_t code = how == Insert::kFindOrInsert
                             ? table.FindOrInsert(key, &inserted)
                             : table.FindOrInsertUnpredictable(key, &inserted);
    ASSERT_EQ(code, it->second) << "key " << key << " at " << i;
    ASSERT_EQ(inserted, added) << "key " << key << " at " << i;
    ASSERT_EQ(table.size(), reference.size());
  }
}

TEST(CodeTable, NumbersKeysInOrderOfFirstAppearance) {
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    for (size_t expected : {size_t{0}, size_t{100}, size_t{40000}}) {
      SCOPED_TRACE("seed " + std::to_string(seed) + ", sized for " + std::to_string(expected));
      ExpectNumbersKeysInOrderOfFirstAppearance(Insert::kFindOrInsert, expected, seed);
      ExpectNumbersKeysInOrderOfFirstAppearance(Insert::kUnpredictable, expected, seed);
    }
  }
}

TEST(CodeTable, BothWaysOfInsertingMixed) {
  std::mt19937_64 rng(9);
  CodeTable table(16);
  std::unordered_map<uint64_t, int32_t> reference;
  for (int i = 0; i < 100000; ++i) {
    const uint64_t key = rng() % 30000;
    const auto [it, added] = reference.try_emplace(key, static_cast<int32_t>(reference.size()));
    bool inserted = !added;
    const int32_t code = rng() % 2 == 0 ? table.FindOrInsert(key, &inserted)
                                        : table.FindOrInsertUnpredictable(key, &inserted);
    ASSERT_EQ(code, it->second);
    ASSERT_EQ(inserted, added);
  }
}

}  // namespace
}  // namespace frocket
