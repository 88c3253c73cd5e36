// CellBatch: a run of input records as the readers hand them over — one cell per field, as
// the input wrote it (text for CSV, JSON's own types for JSON Lines, decoded values for
// Parquet) — before they are converted to the dataset's column types (value_conversion.h).
//
// Records a reader could not split into fields at all (a ragged CSV line, invalid JSON or
// UTF-8) are not rows of the batch: they are `defects`, kept with their raw bytes and reason
// so that they reach the quarantine, never vanish.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace frocket::ingest {

enum class CellKind : uint8_t { kNull, kBool, kInt, kDouble, kText };

struct Cell {
  CellKind kind = CellKind::kNull;
  // A CSV field that was quoted: "" is then an empty string where a bare empty field is NULL.
  bool quoted = false;
  // kText known to be valid UTF-8 already (a reader checked it), so conversion need not.
  bool utf8_checked = false;
  int64_t integer = 0;    // kBool (0 or 1), kInt
  double real = 0;        // kDouble
  std::string_view text;  // kText: into the reader's buffer or the batch's `owned` strings
  // kText that is entry `entry` of the input's own dictionary for the column (Parquet's
  // dictionary pages; see CellBatch::dictionaries), or -1.
  int32_t entry = -1;
};

// Where a record came from: a line number (1-based, of the record's first line) for text
// formats, a row number (0-based) for Parquet; and its raw text for text formats.
struct RecordOrigin {
  int64_t position = 0;
  std::string_view raw;
};

struct RecordDefect {
  RecordOrigin origin;
  std::string reason;  // e.g. "ragged line: 3 fields where the header has 5"
};

struct CellBatch {
  size_t num_columns = 0;   // the reader's column_names().size()
  std::vector<Cell> cells;  // row-major: row r's cells at [r * num_columns, (r+1) * num_columns)
  std::vector<RecordOrigin> origins;  // one per row
  std::vector<RecordDefect> defects;  // records that are not rows (see above)
  std::deque<std::string> owned;      // text a reader had to rewrite (unescaped quotes)
  // Per column: a number naming the dictionary its cells' `entry` index — the same number for
  // the same dictionary, another one for any other (never reused in the process) — or 0.
  std::vector<uint64_t> dictionaries;

  size_t num_rows() const { return origins.size(); }
  const Cell* row(size_t r) const { return cells.data() + r * num_columns; }
  void Clear() {
    cells.clear();
    origins.clear();
    defects.clear();
    owned.clear();
    dictionaries.clear();
  }
};

}  // namespace frocket::ingest
