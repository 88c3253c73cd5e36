#include "cli/query_source.h"

#include <fstream>
#include <iostream>
#include <sstream>

namespace frocket::cli {

void QuerySource::AddOptions(CLI::App* command) {
  auto* f =
      command->add_option("--file,-f", file, "A file holding the query ('-': standard input)");
  auto* s = command->add_option("--string,-s", text, "The query as a JSON string");
  auto* e = command->add_flag("--empty,-e", empty, "Run the empty query ({})");
  f->excludes(s)->excludes(e);
  s->excludes(e);
}

std::optional<std::string> QuerySource::Read() const {
  if (file == "-") {
    std::stringstream buffer;
    buffer << std::cin.rdbuf();
    return buffer.str();
  }
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) {
      std::cerr << "frocket: error: cannot read query file " << file << "\n";
      return std::nullopt;
    }
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
  }
  if (!text.empty()) return text;
  if (empty) return std::string("{}");
  std::cerr << "frocket: error: give the query with --file, --string or --empty\n";
  return std::nullopt;
}

}  // namespace frocket::cli
