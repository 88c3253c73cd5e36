// The `frocket` command line.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "cli/parquet_command.h"
#include "cli/query_command.h"
#include "dataset/activity_generator.h"

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

  frocket::cli::QueryFilesArgs query_args;
  std::string query_string, query_file;
  bool query_empty = false, nopretty = false;
  auto* query = app.add_subcommand(
      "query", "Run a query over Parquet files directly (one part per file), without a dataset");
  query->add_option("FILE", query_args.files, "Parquet files, each a part")->required();
  query->add_option("--group-id-column", query_args.group_column, "The group id column")
      ->required();
  query->add_option("--timestamp-column", query_args.time_column, "The timestamp column")
      ->required();
  auto* qs = query->add_option("--string", query_string, "The query as a JSON string");
  auto* qf = query->add_option("--file", query_file, "A file holding the query");
  auto* qe = query->add_flag("--empty", query_empty, "Run the empty query ({})");
  qs->excludes(qf)->excludes(qe);
  qf->excludes(qe);
  query->add_flag("--nopretty", nopretty, "Print the response on one line");
  query->callback([&] {
    if (!query_file.empty()) {
      std::ifstream in(query_file);
      if (!in) {
        std::cerr << "frocket: error: cannot read query file " << query_file << "\n";
        exit_code = 1;
        return;
      }
      std::stringstream buffer;
      buffer << in.rdbuf();
      query_args.query_text = buffer.str();
    } else if (!query_string.empty()) {
      query_args.query_text = query_string;
    } else if (query_empty) {
      query_args.query_text = "{}";
    } else {
      std::cerr << "frocket: error: give the query with --string, --file or --empty\n";
      exit_code = 2;
      return;
    }
    query_args.pretty = !nopretty;
    exit_code = frocket::cli::RunQueryFiles(query_args);
  });

  std::string generate_dir;
  frocket::dataset::GeneratorOptions generate_options;
  auto* generate = app.add_subcommand(
      "generate", "Write a synthetic website-activity dataset, partitioned by user");
  generate->add_option("OUT_DIR", generate_dir, "Directory to write part files into")->required();
  generate->add_option("--rows", generate_options.rows, "Total rows (default 1000000)");
  generate->add_option("--parts", generate_options.parts, "Number of part files (default 4)");
  generate->add_option("--seed", generate_options.seed, "Random seed (default 1)");
  generate->callback([&] {
    auto parts = frocket::dataset::GenerateActivityDataset(generate_dir, generate_options);
    if (!parts.ok()) {
      std::cerr << "frocket: error: " << parts.status().message() << "\n";
      exit_code = 1;
      return;
    }
    int64_t rows = 0, users = 0;
    for (const auto& p : *parts) rows += p.rows, users += p.users;
    std::cerr << "wrote " << parts->size() << " parts, " << rows << " rows, " << users
              << " users to " << generate_dir << "\n";
  });

  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
