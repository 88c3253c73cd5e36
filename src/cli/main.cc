// The `frocket` command line (DESIGN.md §5; Funnel Rocket's commands and arguments).
#include <CLI/CLI.hpp>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "cli/dataset_commands.h"
#include "cli/parquet_command.h"
#include "cli/query_command.h"
#include "cli/serve_command.h"
#include "cli/worker_command.h"
#include "dataset/activity_generator.h"

namespace {

// The query of `run`/`query`: exactly one of --file, --string, --empty.
struct QuerySource {
  std::string file;
  std::string text;
  bool empty = false;

  void AddOptions(CLI::App* command) {
    auto* f =
        command->add_option("--file,-f", file, "A file holding the query ('-': standard input)");
    auto* s = command->add_option("--string,-s", text, "The query as a JSON string");
    auto* e = command->add_flag("--empty,-e", empty, "Run the empty query ({})");
    f->excludes(s)->excludes(e);
    s->excludes(e);
  }
  // The query text, or nullopt after printing why not.
  std::optional<std::string> Read() const {
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
};

// A command line that does not parse: what is wrong, in the form of every other error, and
// where to look. An unknown command is named as such (CLI11 says "a subcommand is required").
int ArgumentError(const CLI::App& app, int argc, char** argv, const CLI::ParseError& e) {
  std::string command;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--loglevel") {
      ++i;
      continue;
    }
    if (!arg.starts_with("-")) {
      command = arg;
      break;
    }
  }
  bool known = command.empty();
  std::string names;
  for (const CLI::App* sub : app.get_subcommands({})) {
    known |= sub->get_name() == command;
    names += (names.empty() ? "" : ", ") + sub->get_name();
  }
  if (!known) {
    std::cerr << "frocket: error: no command '" << command << "'; the commands are " << names
              << "\nRun 'frocket help' for what each does.\n";
  } else {
    std::cerr << "frocket: error: " << e.what() << "\nRun 'frocket "
              << (command.empty() ? "" : command + " ") << "--help' for the options.\n";
  }
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"frocket: user-behavior analytics over Parquet datasets", "frocket"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("frocket ") + FROCKET_VERSION);
  bool nopretty = false;
  app.add_flag("--nopretty", nopretty, "Print JSON on one line, tables as JSON");
  // Funnel Rocket's other global options, so that its users' scripts run unchanged.
  bool notrim = false, nocolor = false;
  app.add_flag("--notrim", notrim, "Accepted for Funnel Rocket's scripts: nothing is trimmed");
  app.add_flag("--nocolor", nocolor, "Accepted for Funnel Rocket's scripts: logs are not colored");
  std::string loglevel;
  app.add_option("--loglevel", loglevel, "Log level (sets FROCKET_LOG_LEVEL)")
      ->check(CLI::IsMember({"debug", "info", "warning", "error", "critical"}, CLI::ignore_case));
  app.parse_complete_callback([&] {
    for (char& c : loglevel) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!loglevel.empty()) ::setenv("FROCKET_LOG_LEVEL", loglevel.c_str(), 1);
  });
  int exit_code = 0;
  frocket::cli::OutputOptions out;
  auto output = [&] {
    out.pretty = !nopretty;
    return out;
  };

  // register NAME BASEPATH GROUP_ID_COLUMN TIMESTAMP_COLUMN
  frocket::dataset::RegisterArgs register_args;
  std::string validation = "sample";
  bool skip_uniques = false;
  auto* reg = app.add_subcommand("register", "Register a dataset");
  reg->add_option("NAME", register_args.name, "Dataset name")->required();
  reg->add_option("BASEPATH", register_args.basepath, "Directory the part files are directly in")
      ->required();
  reg->add_option("GROUP_ID_COLUMN", register_args.group_id_column,
                  "The column rows are grouped by (e.g. a user id); no missing values, each "
                  "group in one part only")
      ->required();
  reg->add_option("TIMESTAMP_COLUMN", register_args.timestamp_column,
                  "The numeric column holding each row's time")
      ->required();
  reg->add_option("--pattern", register_args.pattern, "File name pattern (default *.parquet)");
  reg->add_option("--validation", validation, "Validation mode: single, first_last or sample");
  reg->add_flag("--skip-uniques", skip_uniques,
                "Skip checking that no group id appears in two of the sampled parts");
  reg->callback([&] {
    auto mode = frocket::dataset::ParseValidationMode(validation);
    if (!mode.ok()) {
      std::cerr << "frocket: error: " << mode.status().message() << "\n";
      exit_code = 2;
      return;
    }
    register_args.validation = *mode;
    register_args.validate_uniques = !skip_uniques;
    exit_code = frocket::cli::RunRegister(register_args, output());
  });

  auto* list = app.add_subcommand("list", "List registered datasets");
  list->callback([&] { exit_code = frocket::cli::RunList(output()); });

  std::string info_name;
  bool info_full = false;
  auto* info = app.add_subcommand("info", "Show a dataset's details and schema");
  info->add_option("NAME", info_name, "Dataset name")->required();
  info->add_flag("--full", info_full, "Show the full schema (statistics per column)");
  info->callback([&] { exit_code = frocket::cli::RunInfo(info_name, info_full, output()); });

  std::string run_name;
  QuerySource run_query;
  int repeat = 1;
  auto* run = app.add_subcommand("run", "Run a query on a dataset");
  run->add_option("NAME", run_name, "Dataset name")->required();
  run_query.AddOptions(run);
  run->add_option("--repeat", repeat,
                  "Run the query this many times in this process (warm runs: times on stderr)");
  bool run_table = false, run_no_stats = false;
  run->add_flag("--table", run_table,
                "Print the answer as tables: counts, funnel steps with their conversion, "
                "aggregations");
  run->add_flag("--no-stats", run_no_stats, "Leave the answer's stats out");
  run->callback([&] {
    auto text = run_query.Read();
    if (!text) {
      exit_code = 2;
      return;
    }
    frocket::cli::OutputOptions options = output();
    options.table = run_table;
    options.stats = !run_no_stats;
    exit_code = frocket::cli::RunQuery(run_name, *text, repeat, options);
  });

  std::string unregister_name;
  bool force = false;
  auto* unregister = app.add_subcommand("unregister", "Unregister a dataset (files are kept)");
  unregister->add_option("NAME", unregister_name, "Dataset name")->required();
  unregister->add_flag("--force", force, "Unregister even if the dataset was just queried");
  unregister->callback(
      [&] { exit_code = frocket::cli::RunUnregister(unregister_name, force, output()); });

  auto* worker = app.add_subcommand(
      "worker", "Serve tasks from the Redis work queue (cluster mode) until SIGTERM");
  worker->callback([&] { exit_code = frocket::cli::RunWorker(); });

  std::optional<int> serve_port;
  std::optional<std::string> serve_host;
  auto* serve = app.add_subcommand("serve", "Serve Funnel Rocket's HTTP API until SIGTERM");
  serve->add_option("--port", serve_port, "TCP port (default: APISERVER_PORT, else 5000)");
  serve->add_option("--host", serve_host,
                    "Address to listen on (default: FROCKET_APISERVER_HOST, else 0.0.0.0)");
  serve->callback([&] { exit_code = frocket::cli::RunServe(serve_port, serve_host); });

  auto* config = app.add_subcommand("config", "Show the configuration (FROCKET_* variables)");
  config->callback([&] { exit_code = frocket::cli::RunConfig(output()); });

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

  // query FILE... : a query straight over Parquet files, without registering them.
  frocket::cli::QueryFilesArgs query_args;
  QuerySource query_source;
  auto* query = app.add_subcommand(
      "query", "Run a query over Parquet files directly (one part per file), without a dataset");
  query->add_option("FILE", query_args.files, "Parquet files, each a part")->required();
  query->add_option("--group-id-column", query_args.group_column, "The group id column")
      ->required();
  query->add_option("--timestamp-column", query_args.time_column, "The timestamp column")
      ->required();
  query->add_flag("--check-unique", query_args.check_unique,
                  "Check that no group id is in two of the files (a group must be in one)");
  query_source.AddOptions(query);
  query->callback([&] {
    auto text = query_source.Read();
    if (!text) {
      exit_code = 2;
      return;
    }
    query_args.query_text = *text;
    query_args.pretty = !nopretty;
    exit_code = frocket::cli::RunQueryFiles(query_args);
  });

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

  // `frocket help [COMMAND]`: the same as --help.
  std::vector<std::string> help_topic;
  auto* help = app.add_subcommand("help", "Show the commands, or one command's options");
  help->add_option("COMMAND", help_topic, "A command (e.g. run, or parquet cat)");
  help->callback([&] {
    CLI::App* topic = &app;
    std::string path = "frocket";
    for (const auto& name : help_topic) {
      try {
        topic = topic->get_subcommand(name);
        path += " " + name;
      } catch (const CLI::OptionNotFound&) {
        std::cerr << "frocket: error: no command '" << name << "'; see 'frocket help'\n";
        exit_code = 2;
        return;
      }
    }
    std::cout << topic->get_formatter()->make_help(topic, path, CLI::AppFormatMode::Normal);
  });

  run->footer(
      "Example:\n"
      "  frocket run activity --string '{\"query\": {\"conditions\": [{\"filter\": "
      "[\"event_type\", \"==\", \"purchase\"]}]}}'\n"
      "  frocket run activity --file examples/funnel.json\n"
      "The query language: docs/query-language.md in frocket's repository.");

  // Global flags may also come after the command (frocket run x --nopretty).
  for (auto* sub : app.get_subcommands({})) sub->fallthrough();
  // Errors are values below the CLI; this is the net for anything that still throws (a
  // library's exception), so that no input ends in an abort.
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    return ArgumentError(app, argc, argv, e);
  } catch (const std::exception& e) {
    std::cerr << "frocket: error: internal error: " << e.what() << "\n";
    return 1;
  }
  return exit_code;
}
