// libFuzzer target: CsvReader on arbitrary bytes. The first byte picks the options (delimiter,
// quote, header), the rest is the file. Whatever the bytes, reading ends without a crash, and
// every batch is consistent: full rows, text that lies in its record or the batch's own
// strings, line numbers that never go back, and the whole input consumed.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/csv_reader.h"
#include "storage/memory_source.h"

namespace {

using frocket::ingest::CellBatch;
using frocket::ingest::CellKind;

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

bool Within(std::string_view inner, const char* begin, size_t size) {
  return inner.empty() || (inner.data() >= begin && inner.data() + inner.size() <= begin + size);
}

bool WithinOwned(std::string_view text, const CellBatch& batch) {
  for (const std::string& s : batch.owned) {
    if (Within(text, s.data(), s.size())) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t selector = data[0];
  frocket::ingest::CsvOptions options;
  options.delimiter = ",;\t|"[selector & 3];
  options.quote = (selector & 4) ? '\'' : '"';
  options.header = (selector & 8) != 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto source = std::make_shared<frocket::MemorySource>(
      "fuzz.csv", std::vector<uint8_t>(input.begin(), input.end()));
  auto reader = frocket::ingest::CsvReader::Open(
      std::make_unique<frocket::ingest::ByteStream>(std::move(source), input.size()), options);
  if (!reader.ok()) {
    Check(!reader.status().message().empty());
    return 0;
  }
  const size_t columns = (*reader)->column_names().size();
  CellBatch batch;
  int64_t last_row = 1;
  int64_t last_defect = 1;
  size_t records = 0;
  size_t raw_bytes = 0;  // records' raw texts do not overlap
  for (;;) {
    auto more = (*reader)->Next(7, &batch);
    Check(more.ok());  // the only errors are failed reads and records over 64 MB
    if (!*more) break;
    Check(batch.num_columns == columns);
    Check(batch.cells.size() == batch.num_rows() * columns);
    Check(batch.num_rows() + batch.defects.size() <= 7);
    Check(batch.num_rows() + batch.defects.size() >= 1);
    for (size_t r = 0; r < batch.num_rows(); ++r) {
      const auto& origin = batch.origins[r];
      Check(origin.position >= last_row && !origin.raw.empty());
      last_row = origin.position;
      raw_bytes += origin.raw.size();
      for (size_t c = 0; c < columns; ++c) {
        const auto& cell = batch.row(r)[c];
        Check(cell.kind == CellKind::kNull || cell.kind == CellKind::kText);
        if (cell.kind == CellKind::kNull) Check(cell.text.empty() && !cell.quoted);
        // Text lies within its record's raw bytes, unless it was unescaped into `owned`.
        if (cell.kind == CellKind::kText) {
          Check(Within(cell.text, origin.raw.data(), origin.raw.size()) ||
                WithinOwned(cell.text, batch));
        }
      }
    }
    for (const auto& defect : batch.defects) {
      Check(defect.origin.position >= last_defect && !defect.reason.empty());
      Check(!defect.origin.raw.empty());
      last_defect = defect.origin.position;
      raw_bytes += defect.origin.raw.size();
    }
    records += batch.num_rows() + batch.defects.size();
    Check(raw_bytes <= input.size() && records <= input.size());
    Check((*reader)->bytes_consumed() <= input.size());
  }
  Check((*reader)->bytes_consumed() == input.size());
  return 0;
}
