// Config: frocket's settings, read from FROCKET_* environment variables with Funnel Rocket's
// names and defaults (its docs/operating.md) plus frocket's own. Every known variable is
// listed once, with its default and meaning; `frocket config` prints the table.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace frocket {

struct ConfigVariable {
  const char* name;
  const char* default_value;  // "" when unset by default
  const char* description;
  bool secret = false;  // `frocket config` says whether it is set, never its value
};

class Config {
 public:
  // The known variables, in documentation order.
  static const std::vector<ConfigVariable>& Variables();

  // The value: the environment's if set, else the default. REQUIRES: a known name.
  static std::string Get(const std::string& name);
  // Typed reads; a malformed value is an error naming the variable and what was expected.
  static Result<int64_t> Int(const std::string& name, int64_t min = INT64_MIN,
                             int64_t max = INT64_MAX);
  static Result<double> Double(const std::string& name);
  static Result<bool> Bool(const std::string& name);
  // FROCKET_HOME, a leading "~" replaced by $HOME.
  static std::string Home();
  // First of `names` that is set in the environment, else the default of the last one.
  static std::string GetFirst(const std::vector<std::string>& names);
};

}  // namespace frocket
