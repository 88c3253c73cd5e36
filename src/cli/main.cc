// The `frocket` command line.
#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/parquet_command.h"

int main(int argc, char** argv) {
  CLI::App app{"frocket: user-behavior analytics over Parquet datasets"};
  app.require_subcommand(1);
  int exit_code = 0;

  auto* parquet = app.add_subcommand("parquet", "Inspect a Parquet file");
  parquet->require_subcommand(1);

  std::string schema_file;
  auto* schema = parquet->add_subcommand("schema", "Print a Parquet file's footer facts as JSON");
  schema->add_option("FILE", schema_file, "Parquet file")->required();
  schema->callback([&] { exit_code = frocket::cli::RunParquetSchema(schema_file); });

  std::string cat_file;
  std::vector<std::string> cat_columns;
  std::optional<int64_t> cat_limit;
  auto* cat = parquet->add_subcommand("cat", "Print a Parquet file's rows as JSON Lines");
  cat->add_option("FILE", cat_file, "Parquet file")->required();
  cat->add_option("--columns", cat_columns, "Columns to print (comma-separated)")->delimiter(',');
  cat->add_option("--limit", cat_limit, "Print at most this many rows");
  cat->callback([&] { exit_code = frocket::cli::RunParquetCat(cat_file, cat_columns, cat_limit); });

  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
