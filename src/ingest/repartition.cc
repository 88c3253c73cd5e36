#include "ingest/repartition.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "common/json_parse.h"
#include "common/machine.h"
#include "common/parallel.h"
#include "common/text.h"
#include "ingest/output_dir.h"
#include "ingest/part_buffers.h"
#include "ingest/quarantine.h"
#include "parquet/file_writer.h"

namespace frocket::ingest {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kHashDescription =
    "xxh64 (seed 0) of the group id's UTF-8 text (an integer id in decimal), modulo parts";
constexpr size_t kBatchRecords = 16 * 1024;

const char* OrderName(RowOrder order) {
  return order == RowOrder::kTime ? "time" : "group";
}

std::string CodecText(parquet::CompressionCodec codec) {
  return codec == parquet::CompressionCodec::kSnappy ? "snappy" : "zstd";
}

// What an existing dataset directory was written with (its _report.json).
struct Manifest {
  uint32_t parts = 0;
  parquet::CompressionCodec codec = parquet::CompressionCodec::kZstd;
  int64_t row_group_rows = 0;
  std::string group_column;
  std::string time_column;
  RowOrder order = RowOrder::kTime;
  IngestSchema schema;
  json report;
};

Result<Manifest> ReadManifest(const std::string& dir) {
  const std::string path = dir + "/" + OutputDir::kReportFile;
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) return Status::IOError(path + ": cannot read");
  auto parsed = ParseJson(text);
  if (!parsed.ok()) return parsed.status().WithContext(path);
  Manifest m;
  m.report = std::move(*parsed);
  try {
    const json& p = m.report.at("partitioning");
    m.parts = p.at("parts").get<uint32_t>();
    m.group_column = p.at("groupIdColumn").get<std::string>();
    m.time_column = p.at("timestampColumn").get<std::string>();
    m.order = p.at("order").get<std::string>() == "group" ? RowOrder::kGroup : RowOrder::kTime;
    m.codec = p.at("compression").get<std::string>() == "snappy"
                  ? parquet::CompressionCodec::kSnappy
                  : parquet::CompressionCodec::kZstd;
    m.row_group_rows = p.at("rowGroupRows").get<int64_t>();
    FROCKET_ASSIGN_OR_RETURN(m.schema, IngestSchema::FromJson(m.report.at("schema").dump()));
  } catch (const json::exception& e) {
    return Status::Invalid(path + ": not a repartition report: " + e.what());
  }
  m.schema.group_column = m.schema.Find(m.group_column);
  m.schema.time_column = m.schema.Find(m.time_column);
  if (m.parts == 0 || m.schema.group_column < 0 || m.schema.time_column < 0) {
    return Status::Invalid(path + ": not a repartition report (partitioning and schema disagree)");
  }
  return m;
}

// One file the job routes: an input, or (when appending) an existing part to rewrite.
struct Source {
  InputFile file;
  uint64_t number = 0;          // in the row sequence (row_record.h)
  int existing_part = -1;       // >= 0: an existing part file, all of whose rows belong there
  std::string quarantine_name;  // under _quarantine/
};

struct SourceTally {
  int64_t records = 0;
  int64_t rows = 0;
  int64_t quarantined = 0;
  std::map<std::string, int64_t> by_reason;
};

json TallyJson(const SourceTally& t) {
  return {{"records", t.records},
          {"rows", t.rows},
          {"quarantined", t.quarantined},
          {"quarantinedByReason", t.by_reason}};
}

// One spill file per part stays open while the job runs: with many parts that passes the
// usual soft limit of 1,024 open files, so take what the hard limit allows.
void RaiseOpenFileLimit() {
  rlimit limit;
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

// A 16th of the memory the machine or its container allows, at least 256 MB (but never more
// than a quarter of a small container), at most 2 GB: rows of a few dozen bytes (strings as
// dictionary codes) then fit without spilling for tens of millions of rows, and spilling,
// which costs the kernel's copies into the page cache, is left to inputs that need it
// (bench/README.md).
uint64_t DefaultMemoryLimit() {
  const uint64_t memory = machine::UsableMemory();
  return std::clamp<uint64_t>(memory / 16, std::min<uint64_t>(uint64_t{256} << 20, memory / 4),
                              uint64_t{2} << 30);
}

}  // namespace

std::string PartFileName(uint32_t part, uint32_t parts) {
  std::string digits = std::to_string(part);
  const size_t width = std::max<size_t>(5, std::to_string(parts - 1).size());
  return "part-" + std::string(width - std::min(width, digits.size()), '0') + digits + ".parquet";
}

Result<BadRowLimit> ParseBadRowLimit(const std::string& text) {
  BadRowLimit limit;
  try {
    size_t used = 0;
    if (!text.empty() && text.back() == '%') {
      limit.percent = std::stod(text.substr(0, text.size() - 1), &used);
      if (used == text.size() - 1 && limit.percent >= 0 && limit.percent <= 100) return limit;
    } else {
      limit.rows = std::stoll(text, &used);
      if (used == text.size() && limit.rows >= 0) return limit;
    }
  } catch (const std::exception&) {
  }
  return Status::Invalid(
      "--max-bad-rows: expected a number of rows or a percentage (\"1000\", "
      "\"0.5%\"), not '" +
      text + "'");
}

Result<uint64_t> ParseByteSize(const std::string& text) {
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  std::string unit = text.substr(used);
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (unit.ends_with("IB")) unit.erase(unit.size() - 2, 1);  // MiB = MB
  const std::map<std::string, double> units = {
      {"", 1},         {"B", 1},       {"K", 1 << 10},  {"KB", 1 << 10},   {"M", 1 << 20},
      {"MB", 1 << 20}, {"G", 1 << 30}, {"GB", 1 << 30}, {"T", 1ull << 40}, {"TB", 1ull << 40}};
  auto it = units.find(unit);
  if (used == 0 || it == units.end() || !(value * it->second >= 1 && value * it->second < 1e18)) {
    return Status::Invalid("expected a size such as 512MB or 2GB, not '" + text + "'");
  }
  return static_cast<uint64_t>(value * it->second);
}

namespace {

// The job: its settings once resolved, and what its threads share.
class Job {
 public:
  Job(const RepartitionOptions& options, IngestSchema schema, RowOrder order, uint32_t parts,
      parquet::CompressionCodec codec, int64_t row_group_rows, std::string temp_dir, size_t threads)
      : options_(options),
        codec_(codec),
        row_group_rows_(row_group_rows),
        memory_limit_(options.memory_limit ? options.memory_limit : DefaultMemoryLimit()),
        layout_(schema, order, memory_limit_ / kDictionaryShare),
        parts_(parts),
        temp_(std::move(temp_dir)),
        threads_(threads),
        spill_(temp_ + "/_spill", parts) {
    // The dictionaries' share of the limit, then the rest for each thread's buffers.
    const uint64_t limit = memory_limit_ - memory_limit_ / kDictionaryShare;
    for (size_t t = 0; t < threads; ++t) {
      buffers_.push_back(std::make_unique<PartBuffers>(
          layout_, parts, std::max<uint64_t>(limit / threads, 1 << 20), threads, &spill_));
    }
  }

  const RecordLayout& layout() const { return layout_; }
  // The columns of every input, for JSON Lines readers (input_files.h).
  void set_all_columns(std::vector<std::string> columns) { all_columns_ = std::move(columns); }
  Status Route(const std::vector<Source>& sources, std::vector<SourceTally>* tallies);
  bool PartHasRows(uint32_t part) const;
  // The error of a job with more bad records than --max-bad-rows allows, with examples.
  Status TooManyBadRows();
  Status WritePart(uint32_t part, int64_t* rows);
  uint64_t spilled_bytes() const { return spill_.bytes_spilled(); }
  uint64_t spills() const {
    uint64_t n = 0;
    for (const auto& b : buffers_) n += b->spills();
    return n;
  }

  std::atomic<uint64_t> bytes_done{0};
  std::atomic<bool> writing{false};
  std::atomic<uint32_t> parts_done{0};
  std::atomic<uint32_t> parts_total{0};
  std::atomic<uint64_t> records{0};
  std::atomic<int64_t> quarantined{0};
  // Examples of quarantined records for an error message.
  std::mutex examples_mutex;
  std::vector<std::string> examples;
  std::atomic<int64_t> examples_taken{0};

 private:
  Status RouteOne(const Source& source, PartBuffers* buffers, SourceTally* tally);
  Status RouteBatch(const Source& source, const CellBatch& batch,
                    const std::vector<std::string>& names, RowEncoder* encoder,
                    PartBuffers* buffers, QuarantineFile* quarantine, SourceTally* tally);
  void NoteExample(const Source& source, const RecordOrigin& origin, const std::string& reason);

  // The STRING columns' dictionaries may hold up to this fraction of the memory limit.
  static constexpr uint64_t kDictionaryShare = 8;

  const RepartitionOptions& options_;
  parquet::CompressionCodec codec_;
  int64_t row_group_rows_;
  uint64_t memory_limit_;
  RecordLayout layout_;
  uint32_t parts_;
  std::string temp_;
  size_t threads_;
  SpillFiles spill_;
  std::vector<std::unique_ptr<PartBuffers>> buffers_;
  std::vector<std::string> all_columns_;
  std::atomic<bool> stop_{false};
};

Status Job::TooManyBadRows() {
  const BadRowLimit& limit = *options_.max_bad_rows;
  std::string message =
      std::to_string(quarantined.load()) + " of the " + std::to_string(records.load()) +
      " records read would be quarantined, more than --max-bad-rows " +
      (limit.rows >= 0 ? std::to_string(limit.rows) : text::Fixed(limit.percent, 2) + "%") +
      " allows; nothing was written. For example:";
  std::lock_guard<std::mutex> lock(examples_mutex);
  for (const std::string& e : examples) message += "\n  " + e;
  return Status::Invalid(message);
}

void Job::NoteExample(const Source& source, const RecordOrigin& origin, const std::string& reason) {
  // Every bad record passes here: only the first few take the lock.
  if (examples_taken.fetch_add(1) >= 3) return;
  std::lock_guard<std::mutex> lock(examples_mutex);
  examples.push_back(source.file.path +
                     (source.file.format == InputFormat::kParquet ? " row " : ":") +
                     std::to_string(origin.position) + ": " + reason);
}

Status Job::RouteBatch(const Source& source, const CellBatch& batch,
                       const std::vector<std::string>& names, RowEncoder* encoder,
                       PartBuffers* buffers, QuarantineFile* quarantine, SourceTally* tally) {
  std::string reason;
  std::string_view record;
  // Rows and defects in input order, so that the quarantine is too.
  size_t d = 0;
  for (size_t r = 0; r <= batch.num_rows(); ++r) {
    const int64_t position = r < batch.num_rows() ? batch.origins[r].position : INT64_MAX;
    for (; d < batch.defects.size() && batch.defects[d].origin.position < position; ++d) {
      const RecordDefect& defect = batch.defects[d];
      FROCKET_RETURN_IF_ERROR(quarantine->Add(defect.origin, defect.reason, nullptr, 0, names));
      NoteExample(source, defect.origin, defect.reason);
    }
    if (r == batch.num_rows()) break;
    const int part = encoder->Encode(batch, r, &record, &reason);
    if (part < 0) {
      FROCKET_RETURN_IF_ERROR(quarantine->Add(batch.origins[r], reason, &batch, r, names));
      NoteExample(source, batch.origins[r], reason);
      continue;
    }
    if (source.existing_part >= 0 && part != source.existing_part) {
      return Status::Invalid(source.file.path + ": row " +
                             std::to_string(batch.origins[r].position) +
                             " has a group id that belongs in part " + std::to_string(part) +
                             ": this dataset was not partitioned by frocket repartition as its "
                             "report says (check it with --check)");
    }
    FROCKET_RETURN_IF_ERROR(buffers->Add(static_cast<uint32_t>(part), record));
    ++tally->rows;
  }
  return Status::OK();
}

Status Job::RouteOne(const Source& source, PartBuffers* buffers, SourceTally* tally) {
  const IngestSchema& schema = layout_.schema();
  std::vector<std::string> wanted;
  for (const IngestColumn& c : schema.columns) wanted.push_back(c.name);
  auto reader = OpenInput(source.file, options_.read, all_columns_, wanted);
  if (!reader.ok()) return reader.status().WithContext("input " + source.file.path);
  const std::vector<std::string> names = (*reader)->column_names();
  RowEncoder encoder(layout_, names, source.number, parts_);
  QuarantineFile quarantine(temp_ + "/_quarantine/" + source.quarantine_name, source.file.path,
                            source.file.format != InputFormat::kParquet);
  CellBatch batch;
  uint64_t reported = 0;
  while (!stop_) {
    auto more = (*reader)->Next(kBatchRecords, &batch);
    if (!more.ok()) return more.status().WithContext("input " + source.file.path);
    if (!*more) break;
    const int64_t rows_before = tally->rows;
    FROCKET_RETURN_IF_ERROR(
        RouteBatch(source, batch, names, &encoder, buffers, &quarantine, tally));
    const int64_t n = static_cast<int64_t>(batch.num_rows() + batch.defects.size());
    tally->records += n;
    records += static_cast<uint64_t>(n);
    quarantined += n - (tally->rows - rows_before);
    const uint64_t consumed = (*reader)->bytes_consumed();
    bytes_done += consumed - reported;
    reported = consumed;
    const auto& limit = options_.max_bad_rows;
    if (limit && limit->rows >= 0 && quarantined.load() > limit->rows) {
      stop_ = true;
      return TooManyBadRows();
    }
  }
  bytes_done += source.file.size > reported ? source.file.size - reported : 0;
  FROCKET_RETURN_IF_ERROR(quarantine.Close());
  tally->quarantined = quarantine.records();
  tally->by_reason = quarantine.by_reason();
  return Status::OK();
}

Status Job::Route(const std::vector<Source>& sources, std::vector<SourceTally>* tallies) {
  tallies->assign(sources.size(), {});
  std::atomic<size_t> next{0};
  std::vector<Status> statuses(threads_);
  auto work = [&](size_t t) {
    for (size_t i = next++; i < sources.size() && !stop_; i = next++) {
      Status s = RouteOne(sources[i], buffers_[t].get(), &(*tallies)[i]);
      if (!s.ok()) {
        statuses[t] = s;
        stop_ = true;
      }
    }
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads_; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& t : pool) t.join();
  for (const Status& s : statuses) FROCKET_RETURN_IF_ERROR(s);
  return Status::OK();
}

bool Job::PartHasRows(uint32_t part) const {
  if (!spill_.runs(part).empty()) return true;
  for (const auto& b : buffers_) {
    if (b->records(part) > 0) return true;
  }
  return false;
}

Status Job::WritePart(uint32_t part, int64_t* rows) {
  const std::string path = temp_ + "/" + PartFileName(part, parts_);
  parquet::WriterOptions writer_options;
  writer_options.codec = codec_;
  writer_options.created_by = "frocket repartition";
  FROCKET_ASSIGN_OR_RETURN(
      auto writer,
      parquet::ParquetWriter::Create(path, layout_.schema().WriterColumns(), writer_options));
  std::vector<const PartBuffers*> buffers;
  for (const auto& b : buffers_) buffers.push_back(b.get());
  PartRowStream stream(layout_, buffers, spill_, part);
  ColumnAppender appender(layout_);
  // String data of a row group stays under 1 GB (its offsets are 32-bit).
  constexpr size_t kMaxRowGroupBytes = size_t{1} << 30;
  bool wrote = false;
  while (true) {
    FROCKET_ASSIGN_OR_RETURN(const uint8_t* record, stream.Next());
    if (record != nullptr) appender.Append(record);
    const bool full = static_cast<int64_t>(appender.rows()) >= row_group_rows_ ||
                      appender.string_bytes() >= kMaxRowGroupBytes;
    if (full || (record == nullptr && (appender.rows() > 0 || !wrote))) {
      FROCKET_RETURN_IF_ERROR(writer->WriteRowGroup(appender.RowGroup()));
      wrote = true;
    }
    if (record == nullptr) break;
  }
  *rows = static_cast<int64_t>(stream.rows());
  return writer->Close().WithContext(path);
}

// Settings that come from the dataset when appending, checked against what was asked.
struct Resolved {
  uint32_t parts = 0;
  parquet::CompressionCodec codec = parquet::CompressionCodec::kZstd;
  int64_t row_group_rows = 256 * 1024;
  std::string group_column;
  std::string time_column;
  RowOrder order = RowOrder::kTime;
  std::optional<Manifest> manifest;
};

Result<Resolved> Resolve(const RepartitionOptions& o, const OutputDir& out) {
  Resolved r;
  if (!o.append) {
    if (o.parts < 1 || o.parts > 100000)
      return Status::Invalid("--parts must be between 1 and 100000");
    if (o.group_column.empty()) return Status::Invalid("--group-id-column is needed");
    if (o.time_column.empty()) return Status::Invalid("--timestamp-column is needed");
    if (o.group_column == o.time_column) {
      return Status::Invalid("the group id and timestamp columns must differ");
    }
    r.parts = o.parts;
    r.group_column = o.group_column;
    r.time_column = o.time_column;
    r.order = o.order.value_or(RowOrder::kTime);
    r.codec = o.codec.value_or(r.codec);
    r.row_group_rows = o.row_group_rows.value_or(r.row_group_rows);
    if (r.row_group_rows < 1) return Status::Invalid("--row-group-rows must be at least 1");
    return r;
  }
  FROCKET_ASSIGN_OR_RETURN(Manifest m, ReadManifest(out.target()));
  auto differs = [&](const std::string& what, const std::string& asked, const std::string& has) {
    return Status::Invalid("--append: " + what + " " + asked + " was asked, but " + out.target() +
                           " was written with " + has);
  };
  if (o.parts != 0 && o.parts != m.parts) {
    return differs("--parts", std::to_string(o.parts), std::to_string(m.parts));
  }
  if (!o.group_column.empty() && o.group_column != m.group_column) {
    return differs("--group-id-column", o.group_column, m.group_column);
  }
  if (!o.time_column.empty() && o.time_column != m.time_column) {
    return differs("--timestamp-column", o.time_column, m.time_column);
  }
  if (o.order && *o.order != m.order)
    return differs("--order", OrderName(*o.order), OrderName(m.order));
  if (!o.columns.empty() || !o.types.empty()) {
    return Status::Invalid(
        "--append: the dataset's columns and types are fixed; --columns and "
        "--type apply to a full repartition only");
  }
  r.parts = m.parts;
  r.group_column = m.group_column;
  r.time_column = m.time_column;
  r.order = m.order;
  r.codec = m.codec;
  r.row_group_rows = m.row_group_rows;
  r.manifest = std::move(m);
  return r;
}

}  // namespace

namespace {

Result<std::vector<SampledInput>> SampleAll(const std::vector<InputFile>& inputs,
                                            const ReadSettings& read, const Resolved& r,
                                            size_t threads) {
  std::vector<SampledInput> sampled(inputs.size());
  std::vector<Status> statuses(inputs.size());
  ParallelFor(inputs.size(), threads, [&](size_t i) {
    auto s = SampleInput(inputs[i], read, r.group_column, r.time_column);
    if (s.ok()) {
      sampled[i] = std::move(*s);
    } else {
      statuses[i] = s.status().WithContext("input " + inputs[i].path);
    }
  });
  for (const Status& s : statuses) FROCKET_RETURN_IF_ERROR(s);
  return sampled;
}

// A Parquet timestamp is a number in its column's unit: written into a column of another
// unit, or of none, it would silently mean another time.
Status CheckTimestampUnits(const std::vector<InputFile>& inputs,
                           const std::vector<SampledInput>& sampled, const IngestSchema& schema) {
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].format != InputFormat::kParquet) continue;
    for (const IngestColumn& c : sampled[i].columns.columns) {
      const int at = schema.Find(c.name);
      if (c.kind != ColumnKind::kTimestamp || at < 0) continue;
      const IngestColumn& target = schema.columns[static_cast<size_t>(at)];
      if (target.kind != ColumnKind::kTimestamp || target.unit != c.unit) {
        return Status::Invalid("input " + inputs[i].path + ": column '" + c.name + "' is " +
                               ColumnKindName(c.kind, c.unit) + " where the dataset's is " +
                               ColumnKindName(target.kind, target.unit) +
                               "; repartition does not convert Parquet timestamps between units");
      }
    }
  }
  return Status::OK();
}

Result<IngestSchema> ResolveSchema(const RepartitionOptions& o, const Resolved& r,
                                   const std::vector<InputFile>& inputs,
                                   const std::vector<SampledInput>& sampled) {
  std::vector<std::string> names;
  std::vector<InputColumns> columns;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const SampledInput& s = sampled[i];
    for (const auto& [name, why] : s.unsupported) {
      const bool kept = o.columns.empty() ||
                        std::find(o.columns.begin(), o.columns.end(), name) != o.columns.end() ||
                        name == r.group_column || name == r.time_column;
      if (kept) return Status::NotImplemented("input " + inputs[i].path + ": " + why);
    }
    auto has = [&](const std::string& name) {
      for (const IngestColumn& c : s.columns.columns) {
        if (c.name == name) return true;
      }
      return false;
    };
    for (const std::string& key : {r.group_column, r.time_column}) {
      if (!has(key))
        return Status::Invalid("input " + inputs[i].path + " has no column '" + key + "'");
    }
    if (r.manifest) {
      for (const IngestColumn& c : s.columns.columns) {
        if (r.manifest->schema.Find(c.name) < 0) {
          return Status::Invalid("input " + inputs[i].path + " has a column '" + c.name +
                                 "' the dataset has not (a full repartition can add it)");
        }
      }
    }
    names.push_back(inputs[i].path);
    columns.push_back(s.columns);
  }
  IngestSchema schema;
  if (r.manifest) {
    schema = r.manifest->schema;
  } else {
    SchemaRequest request{r.group_column, r.time_column, o.columns, o.types};
    FROCKET_ASSIGN_OR_RETURN(schema, MergeInputColumns(names, columns, request));
  }
  FROCKET_RETURN_IF_ERROR(CheckTimestampUnits(inputs, sampled, schema));
  return schema;
}

// Calls the progress callback about every quarter second until destroyed.
class ProgressReporter {
 public:
  ProgressReporter(const RepartitionOptions& o, const Job& job, uint64_t total) {
    if (!o.on_progress) return;
    // Reports at once, then every quarter second or when woken, and once more at the end.
    thread_ = std::thread([this, &o, &job, total] {
      std::unique_lock<std::mutex> lock(mutex_);
      while (true) {
        o.on_progress({job.writing.load(), job.bytes_done.load(), total, job.records.load(),
                       job.parts_done.load(), job.parts_total.load()});
        if (done_) break;
        cv_.wait_for(lock, std::chrono::milliseconds(250), [this] { return done_ || woken_; });
        woken_ = false;
      }
    });
  }
  // Reports now: a new phase has begun.
  void Notify() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      woken_ = true;
    }
    cv_.notify_all();
  }
  ~ProgressReporter() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  bool woken_ = false;
  std::thread thread_;
};

Status CheckBadRows(const RepartitionOptions& o, Job& job) {
  if (!o.max_bad_rows) return Status::OK();
  const int64_t bad = job.quarantined.load();
  const uint64_t records = job.records.load();
  const double percent =
      records ? 100.0 * static_cast<double>(bad) / static_cast<double>(records) : 0;
  const BadRowLimit& limit = *o.max_bad_rows;
  if ((limit.rows >= 0 && bad > limit.rows) || (limit.percent >= 0 && percent > limit.percent)) {
    return job.TooManyBadRows();
  }
  return Status::OK();
}

std::vector<std::string> JsonlColumns(const std::vector<InputFile>& inputs,
                                      const std::vector<SampledInput>& sampled,
                                      const IngestSchema& schema) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  auto add = [&](const std::string& name) {
    if (seen.insert(name).second) out.push_back(name);
  };
  for (const IngestColumn& c : schema.columns) add(c.name);
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].format != InputFormat::kJsonl) continue;
    for (const IngestColumn& c : sampled[i].columns.columns) add(c.name);
  }
  return out;
}

std::string QuarantineName(int run, size_t input) {
  return "run-" + std::to_string(run) + "-input-" + std::to_string(input) + ".jsonl";
}

json RunReport(bool append, const std::vector<InputFile>& inputs,
               const std::vector<SourceTally>& tallies, const std::vector<uint32_t>& written,
               int run, const Job& job, double seconds) {
  json run_json = {{"kind", append ? "append" : "full"}, {"inputs", json::array()}};
  SourceTally total;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const SourceTally& t = tallies[i];
    json input = TallyJson(t);
    input["path"] = inputs[i].path;
    input["format"] = InputFormatName(inputs[i].format);
    input["bytes"] = inputs[i].size;
    if (t.quarantined > 0)
      input["quarantineFile"] = std::string("_quarantine/") + QuarantineName(run, i);
    run_json["inputs"].push_back(std::move(input));
    total.records += t.records;
    total.rows += t.rows;
    total.quarantined += t.quarantined;
    for (const auto& [reason, n] : t.by_reason) total.by_reason[reason] += n;
  }
  run_json.update(TallyJson(total));
  run_json["partsWritten"] = written.size();
  run_json["spilledBytes"] = job.spilled_bytes();
  run_json["spills"] = job.spills();
  run_json["seconds"] = seconds;
  return run_json;
}

}  // namespace

namespace {

Status LinkOrCopy(const std::string& from, const std::string& to) {
  if (::link(from.c_str(), to.c_str()) == 0) return Status::OK();
  std::error_code ec;
  fs::copy_file(from, to, ec);
  if (ec)
    return Status::IOError(from + ": cannot carry over into the new dataset: " + ec.message());
  return Status::OK();
}

// When appending: the existing parts that new rows go to are routed again with them; the
// others, and the quarantine of earlier runs, are carried over as they are (hard links).
Status CarryOverExisting(Job& job, const Manifest& m, const OutputDir& out,
                         std::vector<uint32_t>* to_write) {
  std::vector<Source> existing;
  for (uint32_t p = 0; p < m.parts; ++p) {
    const std::string name = PartFileName(p, m.parts);
    const std::string path = out.target() + "/" + name;
    if (!job.PartHasRows(p)) {
      FROCKET_RETURN_IF_ERROR(LinkOrCopy(path, out.temp() + "/" + name));
      continue;
    }
    to_write->push_back(p);
    std::error_code ec;
    const uint64_t size = fs::file_size(path, ec);
    if (ec) return Status::IOError(path + ": " + ec.message());
    // Number 0: its rows come before the new inputs' where they tie, as in a full run.
    existing.push_back({{path, InputFormat::kParquet, size},
                        0,
                        static_cast<int>(p),
                        "existing-" + name + ".jsonl"});
  }
  std::vector<SourceTally> tallies;
  FROCKET_RETURN_IF_ERROR(job.Route(existing, &tallies));
  for (const SourceTally& t : tallies) {
    if (t.quarantined > 0) {
      return Status::Invalid(out.target() +
                             ": an existing part has rows that no longer fit its "
                             "schema; repartition it afresh");
    }
  }
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(out.target() + "/_quarantine", ec)) {
    FROCKET_RETURN_IF_ERROR(
        LinkOrCopy(e.path().string(), out.temp() + "/_quarantine/" + e.path().filename().string()));
  }
  return Status::OK();
}

Status WriteParts(Job& job, const std::vector<uint32_t>& parts, size_t threads,
                  std::vector<int64_t>* rows) {
  std::vector<Status> statuses(parts.size());
  ParallelFor(parts.size(), threads, [&](size_t i) {
    statuses[i] = job.WritePart(parts[i], &(*rows)[parts[i]]);
    ++job.parts_done;
  });
  for (const Status& s : statuses) FROCKET_RETURN_IF_ERROR(s);
  return Status::OK();
}

Status WriteReport(const std::string& path, const json& report) {
  const std::string text = report.dump(2) + "\n";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  bool ok = fd >= 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  if (fd >= 0) ok = ::close(fd) == 0 && ok;
  if (!ok) return Status::IOError(path + ": cannot write: " + std::strerror(errno));
  return Status::OK();
}

json DatasetReport(const Resolved& r, const IngestSchema& schema,
                   const std::vector<int64_t>& part_rows, json runs) {
  json parts = json::array();
  int64_t total = 0;
  for (uint32_t p = 0; p < r.parts; ++p) {
    parts.push_back({{"file", PartFileName(p, r.parts)}, {"rows", part_rows[p]}});
    total += part_rows[p];
  }
  int64_t quarantined = 0;
  for (const json& run : runs) quarantined += run.value("quarantined", int64_t{0});
  return {{"format", "frocket-repartition/1"},
          {"partitioning",
           {{"parts", r.parts},
            {"groupIdColumn", r.group_column},
            {"timestampColumn", r.time_column},
            {"order", OrderName(r.order)},
            {"compression", CodecText(r.codec)},
            {"rowGroupRows", r.row_group_rows},
            {"hash", kHashDescription}}},
          {"schema", json::parse(schema.ToJson())},
          {"rows", total},
          {"rowsQuarantined", quarantined},
          {"parts", std::move(parts)},
          {"runs", std::move(runs)}};
}

}  // namespace

Result<json> Repartition(const RepartitionOptions& o) {
  const auto started = std::chrono::steady_clock::now();
  FROCKET_ASSIGN_OR_RETURN(auto inputs, ExpandInputs(o.inputs, o.format));
  FROCKET_ASSIGN_OR_RETURN(OutputDir out, OutputDir::Prepare(o.out, o.append));
  FROCKET_ASSIGN_OR_RETURN(Resolved r, Resolve(o, out));
  const size_t threads = o.threads ? o.threads : machine::UsableCores();
  ReadSettings read = o.read;
  for (const auto& [name, type] : o.types) read.typed_columns.insert(name);
  if (r.manifest) {
    for (const IngestColumn& c : r.manifest->schema.columns) read.typed_columns.insert(c.name);
  }
  FROCKET_ASSIGN_OR_RETURN(auto sampled, SampleAll(inputs, read, r, threads));
  FROCKET_ASSIGN_OR_RETURN(IngestSchema schema, ResolveSchema(o, r, inputs, sampled));
  for (const char* sub : {"/_spill", "/_quarantine"}) {
    std::error_code ec;
    fs::create_directories(out.temp() + sub, ec);
    if (ec) return Status::IOError(out.temp() + sub + ": cannot create: " + ec.message());
  }
  RaiseOpenFileLimit();

  Job job(o, schema, r.order, r.parts, r.codec, r.row_group_rows, out.temp(), threads);
  job.set_all_columns(JsonlColumns(inputs, sampled, schema));
  const json old_runs =
      r.manifest ? r.manifest->report.value("runs", json::array()) : json::array();
  const int run = static_cast<int>(old_runs.size()) + 1;
  std::vector<Source> sources;
  uint64_t total_bytes = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    sources.push_back({inputs[i], (r.manifest ? 1 : 0) + i, -1, QuarantineName(run, i)});
    total_bytes += inputs[i].size;
  }
  std::vector<SourceTally> tallies;
  const auto since = [](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  };
  const auto read_started = std::chrono::steady_clock::now();
  auto progress = std::make_unique<ProgressReporter>(o, job, total_bytes);
  FROCKET_RETURN_IF_ERROR(job.Route(sources, &tallies));
  const double read_seconds = since(read_started);
  FROCKET_RETURN_IF_ERROR(CheckBadRows(o, job));

  std::vector<uint32_t> to_write;
  std::vector<int64_t> part_rows(r.parts, 0);
  if (r.manifest) {
    FROCKET_RETURN_IF_ERROR(CarryOverExisting(job, *r.manifest, out, &to_write));
    const json& old_parts = r.manifest->report.at("parts");
    for (uint32_t p = 0; p < r.parts && p < old_parts.size(); ++p) {
      part_rows[p] = old_parts[p].value("rows", int64_t{0});
    }
  } else {
    for (uint32_t p = 0; p < r.parts; ++p) to_write.push_back(p);
  }
  const auto write_started = std::chrono::steady_clock::now();
  job.parts_total = static_cast<uint32_t>(to_write.size());
  job.writing = true;
  progress->Notify();
  FROCKET_RETURN_IF_ERROR(WriteParts(job, to_write, threads, &part_rows));
  progress.reset();
  FROCKET_RETURN_IF_ERROR(RemoveTree(out.temp() + "/_spill"));
  const double write_seconds = since(write_started);

  json run_report =
      RunReport(r.manifest.has_value(), inputs, tallies, to_write, run, job, since(started));
  run_report["readSeconds"] = read_seconds;
  run_report["writeSeconds"] = write_seconds;
  json runs = old_runs;
  runs.push_back(run_report);
  FROCKET_RETURN_IF_ERROR(WriteReport(out.temp() + "/" + OutputDir::kReportFile,
                                      DatasetReport(r, schema, part_rows, std::move(runs))));
  FROCKET_RETURN_IF_ERROR(out.Publish());
  return run_report;
}

}  // namespace frocket::ingest
