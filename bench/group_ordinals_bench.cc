// Group ordinals, by hash or by sort: which way to number the groups of a part 0..G-1.
//
// frocket numbers groups with an open-addressing hash table (table::ValueCodes). The
// alternative measured here sorts (id, row) pairs with an LSD radix sort and numbers runs of
// equal ids. Both run on the user_id column of the benchmark file (1,000,000 rows, 40,000
// users, users interleaved); both must find the same number of groups.
// Usage: group_ordinals_bench FILE [REPETITIONS]
#include <cstdio>
#include <iostream>
#include <vector>

#include "bench_timer.h"
#include "storage/local_file_source.h"
#include "table/part_loader.h"

using namespace frocket;

namespace {

// Ordinals by sorting: radix sort of (id, row) on the id's varying bytes, then one pass.
int32_t OrdinalsBySort(const int64_t* ids, int64_t n, std::vector<int32_t>* ordinals) {
  std::vector<uint32_t> perm(static_cast<size_t>(n)), scratch(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) perm[static_cast<size_t>(i)] = static_cast<uint32_t>(i);
  auto key = [&](uint32_t i) { return static_cast<uint64_t>(ids[i]) ^ (uint64_t{1} << 63); };
  uint64_t any = 0, all = ~uint64_t{0};
  for (int64_t i = 0; i < n; ++i)
    any |= key(static_cast<uint32_t>(i)), all &= key(static_cast<uint32_t>(i));
  for (int byte = 0; byte < 8; ++byte) {
    if ((((any ^ all) >> (8 * byte)) & 0xff) == 0) continue;
    size_t count[257] = {};
    for (uint32_t i : perm) ++count[((key(i) >> (8 * byte)) & 0xff) + 1];
    for (int b = 0; b < 256; ++b) count[b + 1] += count[b];
    for (uint32_t i : perm) scratch[count[(key(i) >> (8 * byte)) & 0xff]++] = i;
    perm.swap(scratch);
  }
  ordinals->resize(static_cast<size_t>(n));
  int32_t groups = 0;
  for (int64_t k = 0; k < n; ++k) {
    if (k > 0 && ids[perm[static_cast<size_t>(k)]] != ids[perm[static_cast<size_t>(k - 1)]])
      ++groups;
    (*ordinals)[perm[static_cast<size_t>(k)]] = groups;
  }
  return n > 0 ? groups + 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return std::cerr << "usage: group_ordinals_bench FILE [REPETITIONS]\n", 2;
  const int reps = argc > 2 ? std::stoi(argv[2]) : 20;
  auto source = LocalFileSource::Open(argv[1]);
  auto file = parquet::ParquetFile::Open(std::shared_ptr<ByteSource>(std::move(*source)));
  if (!file.ok()) return std::cerr << file.status().message() << "\n", 1;
  int index = (*file)->schema().FindColumn("user_id");
  auto vector = (*file)->ReadColumn(index);
  auto column = table::ToColumn((*file)->schema().column(index), std::move(*vector));
  if (!column.ok()) return std::cerr << column.status().message() << "\n", 1;

  int32_t hash_groups = 0, sort_groups = 0;
  bench::Timing hash =
      bench::Repeat(reps, [&] { hash_groups = table::ValueCodes::Encode(*column).num_values(); });
  std::vector<int32_t> ordinals;
  bench::Timing sort = bench::Repeat(
      reps, [&] { sort_groups = OrdinalsBySort(column->ints(), column->length, &ordinals); });
  std::printf("{\"method\":\"hash\",\"min_s\":%.6f,\"median_s\":%.6f,\"groups\":%d}\n", hash.min_s,
              hash.median_s, hash_groups);
  std::printf("{\"method\":\"sort\",\"min_s\":%.6f,\"median_s\":%.6f,\"groups\":%d}\n", sort.min_s,
              sort.median_s, sort_groups);
  return hash_groups == sort_groups ? 0 : 1;
}
