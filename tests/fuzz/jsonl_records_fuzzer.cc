// libFuzzer target: JSON Lines on arbitrary bytes, read (JsonlReader), converted and packed as
// records (RowEncoder) and unpacked into column vectors (ColumnAppender) — the path every text
// input's values take. Whatever the bytes: no crash, every record a row or a defect, and every
// row either encoded or given a reason, with the vectors holding exactly the encoded rows.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ingest/jsonl_reader.h"
#include "ingest/row_record.h"
#include "storage/memory_source.h"

namespace {

using namespace frocket::ingest;

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto source = std::make_shared<frocket::MemorySource>("fuzz.jsonl",
                                                        std::vector<uint8_t>(data, data + size));
  auto reader = JsonlReader::Open(std::make_unique<ByteStream>(std::move(source), size), 8);
  if (!reader.ok()) return 0;
  // A schema over the sampled keys: the first two are the keys, the rest take each type in turn.
  const auto& names = (*reader)->column_names();
  IngestSchema schema;
  const ColumnKind kinds[] = {ColumnKind::kString, ColumnKind::kInt64, ColumnKind::kDouble,
                              ColumnKind::kBool, ColumnKind::kTimestamp};
  for (size_t i = 0; i < names.size() && i < 12; ++i) {
    schema.columns.push_back({names[i], i == 1 ? ColumnKind::kTimestamp : kinds[i % 5],
                              frocket::parquet::TimeUnit::kMicros});
  }
  if (schema.columns.size() < 2) return 0;
  schema.group_column = 0;
  schema.time_column = 1;
  // No dictionary, a small one that fills (strings then kept as bytes), a large one.
  const size_t dictionary_bytes[] = {0, 200, size_t{1} << 20};
  RecordLayout layout(schema, size % 2 ? RowOrder::kTime : RowOrder::kGroup,
                      dictionary_bytes[size % 3]);
  RowEncoder encoder(layout, names, 1, 7);
  ColumnAppender appender(layout);
  CellBatch batch;
  size_t encoded = 0;
  while (true) {
    auto more = (*reader)->Next(5, &batch);
    if (!more.ok() || !*more) break;
    Check(batch.num_rows() + batch.defects.size() <= 5);
    for (size_t r = 0; r < batch.num_rows(); ++r) {
      std::string_view record;
      std::string reason;
      const int part = encoder.Encode(batch, r, &record, &reason);
      if (part < 0) {
        Check(!reason.empty());
        continue;
      }
      Check(part < 7 &&
            RecordSize(reinterpret_cast<const uint8_t*>(record.data())) == record.size());
      appender.Append(reinterpret_cast<const uint8_t*>(record.data()));
      ++encoded;
    }
  }
  const auto& vectors = appender.RowGroup();
  for (const auto& v : vectors) Check(v.length == static_cast<int64_t>(encoded));
  return 0;
}
