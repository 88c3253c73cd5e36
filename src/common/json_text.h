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

// Funnel Rocket's shape of an API answer: members that are null, and objects left empty,
// are left out of objects, at every depth of objects but not inside arrays (a funnel step
// keeps "aggregations": null, an aggregation its "name": null).
template <typename Json>
void DropAbsentMembers(Json* j) {
  if (!j->is_object()) return;
  for (auto it = j->begin(); it != j->end();) {
    DropAbsentMembers(&*it);
    if (it->is_null() || (it->is_object() && it->empty())) {
      it = j->erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace frocket
