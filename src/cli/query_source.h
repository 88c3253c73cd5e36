// The query of `run` and `query`: exactly one of --file (or '-' for standard input),
// --string, --empty.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

namespace frocket::cli {

struct QuerySource {
  std::string file;
  std::string text;
  bool empty = false;

  void AddOptions(CLI::App* command);
  // The query text, or nullopt after printing why not.
  std::optional<std::string> Read() const;
};

}  // namespace frocket::cli
