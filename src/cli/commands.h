// The `frocket` commands (DESIGN.md §5; Funnel Rocket's commands and arguments). Each file
// adds its own commands to the application; main.cc holds the global options, `help`, and
// the parsing. A command's callback sets Globals::exit_code.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>

namespace frocket::cli {

struct Globals {
  bool nopretty = false;  // --nopretty: JSON on one line, tables as JSON
  int exit_code = 0;
  std::chrono::steady_clock::time_point started;  // when main() began
};

struct OutputOptions {
  bool pretty = true;
  bool table = false;  // run: the answer as tables for people (text_table.h)
  bool stats = true;   // run: the answer's "stats"
};

// For a command that answers once and exits (dataset_commands.cc): memory freed by one part
// is kept for the next, not handed back to the kernel, which would zero fresh pages for it
// again — columns of up to 32 MB come from the heap, and the heap is never trimmed.
void KeepFreedMemory();

// register, list, info, run, unregister; config (dataset_commands.cc).
void AddDatasetCommands(CLI::App& app, Globals& globals);
void AddConfigCommand(CLI::App& app, Globals& globals);
// query FILE... (query_command.cc).
void AddQueryCommand(CLI::App& app, Globals& globals);
// serve (serve_command.cc), worker (worker_command.cc).
void AddServeCommand(CLI::App& app, Globals& globals);
void AddWorkerCommand(CLI::App& app, Globals& globals);
// parquet schema, parquet cat (parquet_command.cc).
void AddParquetCommands(CLI::App& app, Globals& globals);
// lambda-runtime (lambda_commands.cc; RunLambdaRuntime is also main()'s when
// AWS_LAMBDA_RUNTIME_API is set and no command is given), package-lambda
// (package_lambda_command.cc).
void AddLambdaCommands(CLI::App& app, Globals& globals);
void AddPackageLambdaCommand(CLI::App& app, Globals& globals);
int RunLambdaRuntime(std::chrono::steady_clock::time_point process_start);
// generate (generate_command.cc).
void AddGenerateCommand(CLI::App& app, Globals& globals);
// repartition (repartition_command.cc).
void AddRepartitionCommand(CLI::App& app, Globals& globals);

}  // namespace frocket::cli
