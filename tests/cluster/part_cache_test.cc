// PartCache: least-recently-used eviction within the byte budget, and invalidation of a
// dataset's registrations.
#include "cluster/part_cache.h"

#include <gtest/gtest.h>

#include "support/inline_part.h"

namespace frocket::cluster {
namespace {

std::shared_ptr<table::Part> SomePart(int rows) {
  nlohmann::json data = nlohmann::json::array();
  for (int i = 0; i < rows; ++i) data.push_back({i % 7, i});
  auto part = frocket::testing::PartFromRows({{"user", ColumnType::kInt}, {"ts", ColumnType::kInt}},
                                             data, "user", "ts", true);
  EXPECT_TRUE(part.ok()) << part.status().message();
  return *part;
}

TEST(PartCache, EvictsLeastRecentlyUsedWithinBudget) {
  auto a = SomePart(1000), b = SomePart(1000), c = SomePart(1000);
  const uint64_t one = a->MemoryUsage();
  PartCache cache(one * 2 + one / 2);  // room for two parts
  cache.Put("ds@1|a", a);
  cache.Put("ds@1|b", b);
  EXPECT_EQ(cache.Get("ds@1|a"), a);  // a is now the most recent
  cache.Put("ds@1|c", c);             // evicts b, the least recent
  EXPECT_EQ(cache.Get("ds@1|b"), nullptr);
  EXPECT_EQ(cache.Get("ds@1|a"), a);
  EXPECT_EQ(cache.Get("ds@1|c"), c);
  EXPECT_LE(cache.used_bytes(), cache.capacity());
}

TEST(PartCache, ReplacingAKeyDoesNotDoubleCount) {
  auto a = SomePart(1000);
  PartCache cache(1 << 30);
  cache.Put("k", a);
  const uint64_t once = cache.used_bytes();
  cache.Put("k", a);
  EXPECT_EQ(cache.used_bytes(), once);
}

TEST(PartCache, PartLargerThanTheCacheIsNotKept) {
  auto big = SomePart(100000);
  PartCache cache(big->MemoryUsage() / 2);
  cache.Put("big", big);
  EXPECT_EQ(cache.Get("big"), nullptr);
  EXPECT_EQ(cache.used_bytes(), 0u);
}

TEST(PartCache, InvalidateDropsEveryRegistrationOfADataset) {
  PartCache cache(1 << 30);
  cache.Put("sales@2026-01-01|p0", SomePart(10));
  cache.Put("sales@2026-01-02|p0", SomePart(10));
  cache.Put("salesforce@2026-01-01|p0", SomePart(10));
  cache.Invalidate("sales@");
  EXPECT_EQ(cache.Get("sales@2026-01-01|p0"), nullptr);
  EXPECT_EQ(cache.Get("sales@2026-01-02|p0"), nullptr);
  EXPECT_NE(cache.Get("salesforce@2026-01-01|p0"), nullptr) << "another dataset is untouched";
}

}  // namespace
}  // namespace frocket::cluster
