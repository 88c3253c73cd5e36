// `frocket query FILE... --group-id-column C --timestamp-column C (--string JSON | --file F |
// --empty)`: runs a query over Parquet files directly, one part per file, without a
// registered dataset (service/file_query.h). Prints Funnel Rocket's response JSON.
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/query_source.h"
#include "common/json_text.h"
#include "service/file_query.h"
#include "service/response.h"

namespace frocket::cli {

namespace {

int RunQueryFiles(const service::QueryFilesArgs& args, bool pretty) {
  if (args.files.size() > 1 && !args.check_unique) {
    std::cerr << "frocket: warning: group ids are not checked to be unique across the "
              << args.files.size()
              << " files (a group in two files would be counted twice); --check-unique checks\n";
  }
  KeepFreedMemory();
  service::QueryOutcome outcome;
  outcome.value = service::QueryFiles(args);
  std::cout << JsonText(service::Response(outcome), pretty ? 2 : -1) << "\n";
  if (!outcome.value.ok()) {
    std::cerr << "frocket: error: " << outcome.value.status().message() << "\n";
  }
  return outcome.value.ok() ? 0 : 1;
}

}  // namespace

void AddQueryCommand(CLI::App& app, Globals& globals) {
  struct Options {
    service::QueryFilesArgs args;
    QuerySource source;
  };
  auto o = std::make_shared<Options>();
  auto* query = app.add_subcommand(
      "query", "Run a query over Parquet files directly (one part per file), without a dataset");
  query->add_option("FILE", o->args.files, "Parquet files, each a part")->required();
  query->add_option("--group-id-column", o->args.group_column, "The group id column")->required();
  query->add_option("--timestamp-column", o->args.time_column, "The timestamp column")->required();
  query->add_flag("--check-unique", o->args.check_unique,
                  "Check that no group id is in two of the files (a group must be in one)");
  o->source.AddOptions(query);
  query->callback([o, &globals] {
    auto text = o->source.Read();
    if (!text) {
      globals.exit_code = 2;
      return;
    }
    o->args.query_text = *text;
    globals.exit_code = RunQueryFiles(o->args, !globals.nopretty);
  });
}

}  // namespace frocket::cli
