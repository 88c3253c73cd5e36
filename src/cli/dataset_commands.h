// The dataset commands of the `frocket` CLI (Funnel Rocket's arguments): register, list,
// info, run, unregister, config. Responses are JSON on stdout (pretty unless --nopretty);
// list, info and config print tables; logs and the progress bar go to stderr.
#pragma once

#include <string>

#include "dataset/registration.h"

namespace frocket::cli {

struct OutputOptions {
  bool pretty = true;
  bool table = false;  // run: the answer as tables for people (text_table.h)
  bool stats = true;   // run: the answer's "stats"
};

int RunRegister(const dataset::RegisterArgs& args, const OutputOptions& out);
int RunList(const OutputOptions& out);
int RunInfo(const std::string& name, bool full, const OutputOptions& out);
// query_text: the query JSON ("{}" for --empty). repeat: run it this many times in one process
// (each run's time on stderr, the last response on stdout).
int RunQuery(const std::string& name, const std::string& query_text, int repeat,
             const OutputOptions& out);
int RunUnregister(const std::string& name, bool force, const OutputOptions& out);
int RunConfig(const OutputOptions& out);

}  // namespace frocket::cli
