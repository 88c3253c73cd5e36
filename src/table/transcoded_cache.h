// TranscodedCache: parts kept on local disk in frocket's own layout — rows in time order,
// columns as the engine holds them, group ids already numbered — so that a new process's
// first query over a file seen before reads them back instead of decoding Parquet
// (FROCKET_TRANSCODED_CACHE_SIZE_MB, under $FROCKET_HOME/transcoded-cache).
//
// A file version has one entry per column and one for its row order (the file row of each
// part row). A part is made of the entries of the columns a query uses, mapped into memory and
// used where they lie — of a query with a timeframe, only the rows inside it; the ones missing
// are read from the file, put in the same order and stored. Entries are keyed by the file's name,
// size and version tag (a local file's modification time, an S3 object's ETag) and by the
// group id and timestamp columns, so a changed file is never answered from its old entries.
// Bounded and shared between processes as the disk cache is (DiskCache: least recently used
// first out, written whole or not at all, checksummed block by block).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "storage/byte_source.h"
#include "storage/disk_cache.h"
#include "table/part.h"

namespace frocket::table {

class TranscodedCache {
 public:
  explicit TranscodedCache(std::shared_ptr<DiskCache> store) : store_(std::move(store)) {}
  // Sized by FROCKET_TRANSCODED_CACHE_SIZE_MB; null when that is 0.
  static Result<std::shared_ptr<TranscodedCache>> FromConfig();

  // Whether parts of this source can be kept: only where its version can be told.
  static bool Usable(const ByteSource& source) { return !source.version_tag().empty(); }

  struct Loaded {
    std::shared_ptr<Part> part;
    bool from_cache = false;  // every column came from the cache (no Parquet read)
  };
  // The part of `columns` (which hold the group id column; the timestamp column too for a
  // part with time) of the file, in time order: from the cache where it holds the columns —
  // when they include the timestamps, only the rows of `timeframe` (and a few before them; the
  // part's coverage() is then the timeframe); else read from the file — whole, every row,
  // sorted by time — and stored. Errors name the file.
  // REQUIRES: Usable(*source).
  Result<Loaded> Load(const std::shared_ptr<ByteSource>& source,
                      const std::vector<std::string>& columns, const std::string& group_column,
                      const std::string& time_column, const TimeKeyRange& timeframe = {});

 private:
  std::shared_ptr<DiskCache> store_;
};

// The entries' layouts, exposed for tests and the fuzzer. Bytes are checked completely: sizes,
// dictionary codes, string offsets, row numbers — whatever the engine would index with.
//
// An entry as a reader has it: its bytes (64-byte aligned, writable memory of their own: the
// columns read are views of them), how to verify a range of them before it is used (null:
// every byte trusted), and what keeps them alive.
struct EntryView {
  std::span<uint8_t> bytes;
  std::function<bool(uint64_t offset, uint64_t n)> verify;
  std::shared_ptr<const void> owner;
};
// An entry's bytes copied into memory of their own, every byte trusted (tests, fuzzers).
EntryView EntryInMemory(std::span<const uint8_t> bytes);
// Rows [begin, end) of a column; end -1: to the last. `begin` is a multiple of 8.
struct RowRange {
  int64_t begin = 0;
  int64_t end = -1;
};
// A column entry: the column `name` as the engine holds it, rows `rows` of it.
Result<Column> ReadColumnEntry(const EntryView& entry, const std::string& name, RowRange rows = {});
// A row-order entry: the number of rows, and the file row of each part row (empty: the file's
// order).
struct RowOrder {
  int64_t num_rows = 0;
  std::vector<uint32_t> order;
};
Result<RowOrder> ReadRowOrderEntry(const EntryView& entry);

// The column entry's bytes, one after another (what the cache stores).
std::vector<uint8_t> ColumnEntryBytes(const Column& column);

}  // namespace frocket::table
