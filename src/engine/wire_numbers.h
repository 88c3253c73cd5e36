// Numbers in the wire form of part results (JSON between processes): doubles that JSON cannot
// hold (NaN, infinities) as strings, 128-bit integers as decimal text.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"

namespace frocket::engine {

nlohmann::json WireDouble(double d);
Result<double> ReadWireDouble(const nlohmann::json& j);

std::string WireInt128(__int128 v);
Result<__int128> ParseInt128(const std::string& s);

}  // namespace frocket::engine
