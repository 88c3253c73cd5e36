// RecordReader: one input file read as batches of records (CellBatch), whatever its format.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "ingest/cell_batch.h"

namespace frocket::ingest {

class RecordReader {
 public:
  virtual ~RecordReader() = default;
  // The input's columns, in its order (a CSV header, the keys JSON Lines sampling found, a
  // Parquet schema's leaves).
  virtual const std::vector<std::string>& column_names() const = 0;
  // Clears `batch` and fills it with up to `max_records` records (rows plus defects). Returns
  // false once the input is exhausted and nothing was added. The batch's text may point into
  // the reader's buffers: it is valid until the next call.
  virtual Result<bool> Next(size_t max_records, CellBatch* batch) = 0;
  // Input bytes consumed so far, for progress.
  virtual uint64_t bytes_consumed() const = 0;
};

}  // namespace frocket::ingest
