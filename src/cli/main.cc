// The `frocket` command line (DESIGN.md §5; Funnel Rocket's commands and arguments).
#include <CLI/CLI.hpp>
#include <cctype>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"

namespace {

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

// `frocket help [COMMAND]`: the same as --help.
void AddHelpCommand(CLI::App& app, frocket::cli::Globals& globals) {
  auto topics = std::make_shared<std::vector<std::string>>();
  auto* help = app.add_subcommand("help", "Show the commands, or one command's options");
  help->add_option("COMMAND", *topics, "A command (e.g. run, or parquet cat)");
  help->callback([topics, &app, &globals] {
    CLI::App* topic = &app;
    std::string path = "frocket";
    for (const auto& name : *topics) {
      try {
        topic = topic->get_subcommand(name);
        path += " " + name;
      } catch (const CLI::OptionNotFound&) {
        std::cerr << "frocket: error: no command '" << name << "'; see 'frocket help'\n";
        globals.exit_code = 2;
        return;
      }
    }
    std::cout << topic->get_formatter()->make_help(topic, path, CLI::AppFormatMode::Normal);
  });
}

}  // namespace

int main(int argc, char** argv) {
  const auto started = std::chrono::steady_clock::now();
  // The function's bootstrap: Lambda runs it without arguments.
  if (const char* api = std::getenv("AWS_LAMBDA_RUNTIME_API"); api != nullptr && argc == 1) {
    return frocket::cli::RunLambdaRuntime(started);
  }
  CLI::App app{"frocket: user-behavior analytics over Parquet datasets", "frocket"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("frocket ") + FROCKET_VERSION);
  frocket::cli::Globals globals;
  globals.started = started;
  app.add_flag("--nopretty", globals.nopretty, "Print JSON on one line, tables as JSON");
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
  frocket::cli::AddDatasetCommands(app, globals);
  frocket::cli::AddWorkerCommand(app, globals);
  frocket::cli::AddLambdaCommands(app, globals);
  frocket::cli::AddPackageLambdaCommand(app, globals);
  frocket::cli::AddServeCommand(app, globals);
  frocket::cli::AddConfigCommand(app, globals);
  frocket::cli::AddGenerateCommand(app, globals);
  frocket::cli::AddRepartitionCommand(app, globals);
  frocket::cli::AddQueryCommand(app, globals);
  frocket::cli::AddParquetCommands(app, globals);
  AddHelpCommand(app, globals);

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
  return globals.exit_code;
}
