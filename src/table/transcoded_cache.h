// TranscodedCache: parts kept on local disk in frocket's own layout — rows in time order,
// columns as the engine holds them, group ids already numbered — so that a new process's
// first query over a file seen before reads them back instead of decoding Parquet
// (FROCKET_TRANSCODED_CACHE_SIZE_MB, under $FROCKET_HOME/transcoded-cache).
//
// A file version has one entry per column and one for its row order (the file row of each
// part row). A part is made of the entries of the columns a query uses; the ones missing are
// read from the file, put in the same order and stored. Entries are keyed by the file's name,
// size and version tag (a local file's modification time, an S3 object's ETag) and by the
// group id and timestamp columns, so a changed file is never answered from its old entries.
// Bounded and shared between processes as the disk cache is (DiskCache: least recently used
// first out, written whole or not at all, checksummed).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/piece_reader.h"
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
  // part with time) of the file, every row, in time order: from the cache where it holds the
  // columns; else read from the file — whole, sorted by time — and stored. Errors name the file.
  // REQUIRES: Usable(*source).
  Result<Loaded> Load(const std::shared_ptr<ByteSource>& source,
                      const std::vector<std::string>& columns, const std::string& group_column,
                      const std::string& time_column);

 private:
  std::shared_ptr<DiskCache> store_;
};

// The entries' layouts, exposed for tests and the fuzzer. Bytes are checked completely: sizes,
// dictionary codes, string offsets, row numbers — whatever the engine would index with.
// A column entry: the column `name` as the engine holds it.
Result<Column> ReadColumnEntry(PieceReader& in, const std::string& name);
// A row-order entry: the number of rows, and the file row of each part row (empty: the file's
// order).
struct RowOrder {
  int64_t num_rows = 0;
  std::vector<uint32_t> order;
};
Result<RowOrder> ReadRowOrderEntry(PieceReader& in);

// The column entry's bytes, one after another (what the cache stores).
std::vector<uint8_t> ColumnEntryBytes(const Column& column);

}  // namespace frocket::table
