// JsonText: how frocket writes every JSON document — responses, CLI output, stored metadata,
// task messages — so that one rule holds everywhere: bytes that are not UTF-8 (a string value
// in a part, a part's file name, a query typed in Latin-1) come out as U+FFFD, never as an
// exception. Parquet's own values keep their bytes where they must (`parquet cat` writes
// non-UTF-8 strings as base64).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace frocket {

// indent < 0: compact, on one line.
template <typename Json>
std::string JsonText(const Json& j, int indent = -1) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace frocket
