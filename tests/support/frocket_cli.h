// Running the real `frocket` binary from tests: one run's arguments, what it printed and its
// stdout parsed as JSON, and descriptions of runs for assertion messages.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "support/subprocess.h"

namespace frocket::testing {

struct FrocketRun {
  std::vector<std::string> args;
  ProcessResult result;
  std::optional<nlohmann::json> out;  // stdout parsed, when it is JSON
  // The command line, exit status and output, for assertion messages.
  std::string Describe() const;
};

// Runs `frocket ARGS...` with `env` added to this process's environment.
FrocketRun RunFrocket(const std::vector<std::string>& args, const Environment& env,
                      int timeout_seconds = 30);

// A run that failed as it should: exit status 1, a JSON response with success false and no
// answer, and an errorMessage holding every one of `mentions` (see Mentions).
void ExpectFailed(const FrocketRun& r, const std::vector<std::string>& mentions);

// s, cut to max characters for messages.
std::string Abbrev(const std::string& s, size_t max = 2000);

// A mention is one string, or alternatives separated by '|': whether text holds one of them.
bool Mentions(const std::string& text, const std::string& mention);

}  // namespace frocket::testing
