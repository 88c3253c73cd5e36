// `frocket repartition INPUT... --out DIR --parts N --group-id-column C --timestamp-column T`:
// raw activity data (Parquet, CSV, JSON Lines) rewritten as a dataset partitioned by group id
// (ingest/repartition.h); `frocket repartition --check DIR` verifies a dataset's partitioning.
// Prints the run's report (or the check's answer) as JSON; progress and a summary go to
// stderr.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "common/json_text.h"
#include "ingest/partition_check.h"
#include "ingest/repartition.h"

namespace frocket::cli {

namespace {

struct RepartitionArgs {
  ingest::RepartitionOptions options;
  std::string check_dir;
  std::string format, compression, order, memory_limit, max_bad_rows;
  int64_t row_group_rows = 0;  // 0: not given
  std::string delimiter = ",", quote = "\"";
  bool no_header = false;
  std::vector<std::string> types;  // name=TYPE
};

std::string Thousands(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// On a terminal: "\rrepartition: reading 45% · 9,000,000 records · 2.1M records/s · ETA 5 s",
// then "\rrepartition: writing parts · 7 of 20 · ETA 3 s"; each ETA is its phase's.
auto ProgressLine() {
  using Clock = std::chrono::steady_clock;
  auto started = Clock::now();
  auto writing_since = std::make_shared<Clock::time_point>();
  return [started, writing_since](const ingest::RepartitionProgress& p) {
    auto seconds = [](Clock::time_point t) {
      return std::chrono::duration<double>(Clock::now() - t).count();
    };
    auto eta = [](double share, double s) {
      return share > 0.02 && share < 1
                 ? " · ETA " + std::to_string(static_cast<int>(s / share - s)) + " s"
                 : std::string();
    };
    std::string text;
    if (!p.writing) {
      const double s = seconds(started);
      const double share =
          p.bytes_total ? static_cast<double>(p.bytes_done) / static_cast<double>(p.bytes_total)
                        : 0;
      char line[160];
      std::snprintf(line, sizeof line, "reading %3.0f%% · %s records · %.1fM records/s",
                    100 * share, Thousands(p.records).c_str(),
                    s > 0 ? static_cast<double>(p.records) / s / 1e6 : 0.0);
      text = line + eta(share, s);
    } else {
      if (*writing_since == Clock::time_point()) *writing_since = Clock::now();
      const double share = p.parts_total ? static_cast<double>(p.parts_done) / p.parts_total : 0;
      text = "writing parts · " + std::to_string(p.parts_done) + " of " +
             std::to_string(p.parts_total) + eta(share, seconds(*writing_since));
    }
    std::cerr << "\r\033[Krepartition: " << text << std::flush;
  };
}

Status ParseArgs(RepartitionArgs* a) {
  ingest::RepartitionOptions& o = a->options;
  if (!a->format.empty()) {
    FROCKET_ASSIGN_OR_RETURN(o.format, ingest::ParseInputFormat(a->format));
  }
  if (a->compression == "zstd") {
    o.codec = parquet::CompressionCodec::kZstd;
  } else if (a->compression == "snappy") {
    o.codec = parquet::CompressionCodec::kSnappy;
  } else if (!a->compression.empty()) {
    return Status::Invalid("--compression: expected zstd or snappy, not '" + a->compression + "'");
  }
  if (a->order == "time") o.order = ingest::RowOrder::kTime;
  if (a->order == "group") o.order = ingest::RowOrder::kGroup;
  if (!a->order.empty() && !o.order) {
    return Status::Invalid("--order: expected time or group, not '" + a->order + "'");
  }
  if (!a->memory_limit.empty()) {
    auto limit = ingest::ParseByteSize(a->memory_limit);
    if (!limit.ok()) return limit.status().WithContext("--memory-limit");
    o.memory_limit = *limit;
  }
  if (!a->max_bad_rows.empty()) {
    FROCKET_ASSIGN_OR_RETURN(o.max_bad_rows, ingest::ParseBadRowLimit(a->max_bad_rows));
  }
  for (const std::string& t : a->types) {
    const size_t eq = t.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::Invalid("--type: expected COLUMN=TYPE, not '" + t + "'");
    }
    o.types[t.substr(0, eq)] = t.substr(eq + 1);
  }
  auto one_char = [](const std::string& s, const char* what, char* out) {
    std::string v = s == "\\t" || s == "tab" ? "\t" : s;
    if (v.size() != 1) return Status::Invalid(std::string(what) + ": expected one character");
    *out = v[0];
    return Status::OK();
  };
  FROCKET_RETURN_IF_ERROR(one_char(a->delimiter, "--delimiter", &o.read.csv.delimiter));
  FROCKET_RETURN_IF_ERROR(one_char(a->quote, "--quote", &o.read.csv.quote));
  o.read.csv.header = !a->no_header;
  if (a->row_group_rows != 0) o.row_group_rows = a->row_group_rows;
  return Status::OK();
}

void PrintSummary(const nlohmann::json& run, const std::string& out) {
  std::cerr << "repartition: " << Thousands(run["records"].get<uint64_t>())
            << " records read: " << Thousands(run["rows"].get<uint64_t>()) << " rows written to "
            << run["partsWritten"].get<uint64_t>() << " parts in " << out << ", "
            << Thousands(run["quarantined"].get<uint64_t>()) << " quarantined";
  const auto& reasons = run["quarantinedByReason"];
  if (!reasons.empty()) {
    std::string list;
    for (const auto& [reason, n] : reasons.items()) {
      list += (list.empty() ? "" : ", ") + reason + ": " + Thousands(n.get<uint64_t>());
    }
    std::cerr << " (" << list << "; see " << out << "/_quarantine/)";
  }
  std::cerr << "\n";
}

int RunRepartition(RepartitionArgs& a, bool pretty) {
  if (Status s = ParseArgs(&a); !s.ok()) {
    std::cerr << "frocket: error: " << s.message() << "\n";
    return 2;
  }
  if (!a.check_dir.empty()) {
    auto answer =
        ingest::CheckPartitioning(a.check_dir, a.options.group_column, a.options.time_column);
    if (!answer.ok()) {
      std::cerr << "frocket: error: " << answer.status().message() << "\n";
      return 1;
    }
    std::cout << JsonText(*answer, pretty ? 2 : -1) << "\n";
    return (*answer)["ok"].get<bool>() ? 0 : 1;
  }
  if (a.options.inputs.empty()) {
    std::cerr << "frocket: error: repartition needs INPUT files (or --check DIR)\n";
    return 2;
  }
  KeepFreedMemory();
  const bool terminal = ::isatty(STDERR_FILENO);
  if (terminal) a.options.on_progress = ProgressLine();
  auto run = ingest::Repartition(a.options);
  if (terminal) std::cerr << "\r\033[K";
  if (!run.ok()) {
    std::cerr << "frocket: error: " << run.status().message() << "\n";
    return 1;
  }
  std::cout << JsonText(*run, pretty ? 2 : -1) << "\n";
  PrintSummary(*run, a.options.out);
  return 0;
}

}  // namespace

void AddRepartitionCommand(CLI::App& app, Globals& globals) {
  auto a = std::make_shared<RepartitionArgs>();
  ingest::RepartitionOptions& o = a->options;
  auto* cmd = app.add_subcommand(
      "repartition",
      "Rewrite activity data (Parquet, CSV, JSON Lines) as a dataset partitioned "
      "by group id; or --check a dataset's partitioning");
  cmd->add_option("INPUT", o.inputs, "Input files, directories or globs (local or s3://)");
  cmd->add_option("--out", o.out, "The dataset directory to write (replaced whole at the end)");
  cmd->add_option("--parts", o.parts, "Number of parts");
  cmd->add_option("--group-id-column", o.group_column, "The group (user) id column");
  cmd->add_option("--timestamp-column", o.time_column, "The timestamp column");
  cmd->add_option("--format", a->format, "Input format: parquet, csv or jsonl (default: by name)");
  cmd->add_option("--columns", o.columns, "Columns to keep (default all)")->delimiter(',');
  cmd->add_option("--type", a->types,
                  "COLUMN=TYPE: BOOL, INT, DOUBLE, STRING, TIMESTAMP[_MS|_US|_NS]");
  cmd->add_option("--compression", a->compression,
                  "zstd (default) or snappy; when appending, the dataset's");
  cmd->add_option("--row-group-rows", a->row_group_rows, "Rows per row group (default 262144)");
  cmd->add_option("--order", a->order, "Rows within a part: time (default) or group (id, time)");
  cmd->add_option("--memory-limit", a->memory_limit,
                  "Rows held in memory before spilling to disk (default a 16th of the memory the "
                  "machine or its container allows, 256 MB to "
                  "2 GB; at least 1 MB a thread)");
  cmd->add_option("--max-bad-rows", a->max_bad_rows,
                  "Fail, writing nothing, beyond N or P% quarantined records");
  cmd->add_flag("--append", o.append,
                "Add the inputs to the dataset at --out, rewriting only the parts they reach");
  cmd->add_option("--delimiter", a->delimiter, "CSV field delimiter (default ,; \\t for tab)");
  cmd->add_option("--quote", a->quote, "CSV quote character (default \")");
  cmd->add_flag("--no-header", a->no_header,
                "CSV files have no header (columns column1, column2...)");
  cmd->add_option("--sample-rows", o.read.sample_records,
                  "Records of each text input read to find its columns' types (default 10000)");
  cmd->add_option("--threads", o.threads, "Threads (default one per core)");
  cmd->add_option("--check", a->check_dir, "Verify the partitioning of this dataset directory");
  cmd->callback([a, &globals] { globals.exit_code = RunRepartition(*a, !globals.nopretty); });
}

}  // namespace frocket::cli
