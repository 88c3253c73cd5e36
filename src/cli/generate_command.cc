// `frocket generate OUT_DIR`: a synthetic website-activity dataset (activity_generator.h),
// for trying frocket out and for benchmarks.
#include <iostream>
#include <memory>

#include "cli/activity_generator.h"
#include "cli/commands.h"

namespace frocket::cli {

void AddGenerateCommand(CLI::App& app, Globals& globals) {
  struct Options {
    std::string dir;
    GeneratorOptions generator;
  };
  auto o = std::make_shared<Options>();
  auto* generate = app.add_subcommand(
      "generate", "Write a synthetic website-activity dataset, partitioned by user");
  generate->add_option("OUT_DIR", o->dir, "Directory to write part files into")->required();
  generate->add_option("--rows", o->generator.rows, "Total rows (default 1000000)");
  generate->add_option("--parts", o->generator.parts, "Number of part files (default 4)");
  generate->add_option("--seed", o->generator.seed, "Random seed (default 1)");
  generate->callback([o, &globals] {
    auto parts = GenerateActivityDataset(o->dir, o->generator);
    if (!parts.ok()) {
      std::cerr << "frocket: error: " << parts.status().message() << "\n";
      globals.exit_code = 1;
      return;
    }
    int64_t rows = 0, users = 0;
    for (const auto& p : *parts) rows += p.rows, users += p.users;
    std::cerr << "wrote " << parts->size() << " parts, " << rows << " rows, " << users
              << " users to " << o->dir << "\n";
  });
}

}  // namespace frocket::cli
