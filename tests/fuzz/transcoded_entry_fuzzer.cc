// libFuzzer target: the entries of the transcoded cache (parts on local disk in frocket's
// layout). Raw bytes, and — to reach past the header checks — valid entries of columns built
// from the input, then altered at positions the input chooses, read whole or a range of rows
// the input chooses. Whatever the bytes, reading succeeds or names the problem, and a column
// read back can be read at every row without touching memory outside it (the sanitizers watch).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <span>
#include <vector>

#include "support/inline_part.h"
#include "table/transcoded_cache.h"

namespace {

using frocket::ColumnType;
using frocket::table::Column;
using frocket::table::EntryInMemory;
using frocket::table::RowRange;

// Reads every row of the column as the engine would.
void TouchEveryRow(const Column& c) {
  volatile uint64_t sink = 0;
  for (int64_t r = 0; r < c.length; ++r) {
    if (c.IsNull(r)) continue;
    switch (c.type) {
      case ColumnType::kInt:
        sink = sink + static_cast<uint64_t>(c.ints()[r]);
        break;
      case ColumnType::kFloat:
        sink = sink + static_cast<uint64_t>(c.floats()[r] != 0);
        break;
      case ColumnType::kBool:
        sink = sink + c.bools()[r];
        break;
      case ColumnType::kString:
        sink = sink + c.StringAt(r).size();
        break;
    }
  }
}

void ReadColumn(std::span<const uint8_t> bytes, RowRange rows = {}) {
  auto column = frocket::table::ReadColumnEntry(EntryInMemory(bytes), "c", rows);
  if (!column.ok()) {
    if (column.status().message().empty()) std::abort();
    return;
  }
  TouchEveryRow(*column);
}

// A valid entry of a column made from the input's first bytes: its type, its rows' values
// (null for a zero byte), dictionary or plain strings.
std::vector<uint8_t> EntryFrom(std::span<const uint8_t> data, size_t* used) {
  const ColumnType types[] = {ColumnType::kInt, ColumnType::kFloat, ColumnType::kBool,
                              ColumnType::kString};
  const ColumnType type = types[data[1] % 4];
  const bool dictionary = (data[1] & 4) != 0;
  const size_t rows = std::min<size_t>(data[2], data.size() - 3);
  nlohmann::json values = nlohmann::json::array();
  for (size_t r = 0; r < rows; ++r) {
    const uint8_t b = data[3 + r];
    nlohmann::json v;
    if (b == 0) {
      v = nullptr;
    } else if (type == ColumnType::kInt) {
      v = static_cast<int64_t>(b) - 128;
    } else if (type == ColumnType::kFloat) {
      v = b / 4.0;
    } else if (type == ColumnType::kBool) {
      v = (b & 1) != 0;
    } else {
      v = std::string(b % 5, static_cast<char>('a' + b % 3));
    }
    values.push_back(nlohmann::json::array({v}));
  }
  *used = 3 + rows;
  auto columns = frocket::testing::ColumnsFromRows({{"c", type}}, values, dictionary);
  if (!columns.ok()) return {};
  return frocket::table::ColumnEntryBytes((*columns)[0]);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  const std::span<const uint8_t> input(data, size);
  switch (data[0] % 3) {
    case 0:
      ReadColumn(input.subspan(1));
      return 0;
    case 1: {
      auto order = frocket::table::ReadRowOrderEntry(EntryInMemory(input.subspan(1)));
      if (order.ok()) {
        for (uint32_t row : order->order) {
          if (row >= static_cast<uint64_t>(order->num_rows)) std::abort();
        }
      }
      return 0;
    }
    default: {
      size_t used = 0;
      std::vector<uint8_t> entry = EntryFrom(input, &used);
      if (entry.empty()) return 0;
      // Then (position, value) pairs from the rest of the input overwrite bytes of the entry.
      for (size_t i = used; i + 2 < size; i += 3) {
        const size_t at = (static_cast<size_t>(data[i]) << 8 | data[i + 1]) % entry.size();
        entry[at] = data[i + 2];
      }
      // Rows from a multiple of 8 (or not: refused) to an end, from the input's last two bytes.
      const RowRange rows{data[size - 2] % 3 == 0 ? data[size - 2] : data[size - 2] / 8 * 8,
                          data[size - 1] == 255 ? -1 : int64_t{data[size - 1]}};
      ReadColumn(entry, rows);
      return 0;
    }
  }
}
