// Service::Register: a dataset's parts listed, a sample of them inspected by tasks, their
// schemas checked to agree and merged, the dataset written to the datastore.
#include <filesystem>

#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "common/text.h"
#include "service/job_stats.h"
#include "service/service.h"
#include "storage/object_store.h"

namespace frocket::service {

namespace {

// The base path as stored: a relative local path made absolute, so that queries from any
// directory (or another process) find the same files.
Result<std::string> StoredBasepath(const dataset::RegisterArgs& args) {
  for (const auto& [field, value] : {std::pair<const char*, const std::string*>{"name", &args.name},
                                     {"basepath", &args.basepath},
                                     {"groupIdColumn", &args.group_id_column},
                                     {"timestampColumn", &args.timestamp_column}}) {
    if (value->empty()) return Status::Invalid(std::string(field) + " must not be empty");
  }
  std::string basepath = args.basepath;
  if (basepath.find("://") != std::string::npos || basepath[0] == '/') return basepath;
  std::error_code ec;
  auto absolute = std::filesystem::absolute(basepath, ec);
  if (ec) return Status::IOError(basepath + ": cannot resolve the path: " + ec.message());
  basepath = absolute.lexically_normal().string();
  if (basepath.size() > 1 && basepath.back() == '/') basepath.pop_back();
  return basepath;
}

// The inspection tasks of a registration: one per sampled part.
std::vector<cluster::RegistrationTaskRequest> InspectionTasks(
    const dataset::RegisterArgs& args, const std::vector<std::string>& paths,
    const std::vector<size_t>& sampled, bool validate_uniques,
    const dataset::InspectionSettings& settings, const std::string& request_id) {
  std::vector<cluster::RegistrationTaskRequest> requests(sampled.size());
  for (size_t i = 0; i < sampled.size(); ++i) {
    cluster::RegistrationTaskRequest& request = requests[i];
    request.request_id = request_id;
    request.task_index = i;
    request.part_path = paths[sampled[i]];
    request.group_id_column = args.group_id_column;
    request.timestamp_column = args.timestamp_column;
    request.return_group_ids = validate_uniques;
    request.settings = settings;
  }
  return requests;
}

}  // namespace

Result<dataset::PartsInfo> Service::DiscoverParts(const std::string& basepath,
                                                  const std::string& pattern) {
  FROCKET_ASSIGN_OR_RETURN(auto store, ObjectStoreFor(basepath));
  FROCKET_ASSIGN_OR_RETURN(auto entries, store->List(basepath, pattern));
  if (entries.empty()) {
    return Status::NotFound("no files found in " + basepath + " matching '" + pattern + "'");
  }
  dataset::PartsInfo parts;
  for (const auto& e : entries) {
    // Part names are stored as JSON text, which cannot hold them otherwise.
    if (!text::IsValidUtf8(e.name)) {
      return Status::Invalid("the part file name '" + text::Escaped(e.name) + "' in " + basepath +
                             " is not UTF-8; rename it (file names are stored as JSON text)");
    }
    parts.filenames.push_back(e.name);
    parts.sizes.push_back(static_cast<int64_t>(e.size));
    parts.versions.push_back(e.version_tag);
    parts.total_size += static_cast<int64_t>(e.size);
  }
  log::Info("registration", "number of part files: " + std::to_string(entries.size()) +
                                ", total size " + std::to_string(parts.total_size) + " bytes");
  return parts;
}

namespace {

// Said when a registration did not check every part's group ids against every other's: a user
// with rows in two parts is a user counted twice by every query, and nothing else would say so.
std::optional<std::string> UniquenessWarning(size_t parts, size_t checked, bool validated,
                                             dataset::ValidationMode mode) {
  if (parts < 2 || (validated && checked == parts)) return std::nullopt;
  const std::string risk =
      ": a group (user) whose rows are in two parts would be counted twice by every query. ";
  const std::string remedy =
      "`frocket register ... --validation sample` with FROCKET_VALIDATION_SAMPLE_RATIO=1 and "
      "FROCKET_VALIDATION_SAMPLE_MAX of at least " +
      std::to_string(parts) + " checks them all";
  if (!validated) {
    return "group ids were not checked to be unique across the " + std::to_string(parts) +
           " parts (--skip-uniques)" + risk + remedy;
  }
  return "group ids were checked to be unique across " + std::to_string(checked) + " of the " +
         std::to_string(parts) + " parts only (validation " + dataset::ValidationModeName(mode) +
         ")" + risk + remedy;
}

}  // namespace

// Inspects a sample of the parts (all of them in SAMPLE mode's worst case) and merges their
// schemas into the dataset's. *stats_input describes the tasks, once they ran.
Result<cluster::StoredDataset> Service::InspectAndMerge(const dataset::RegisterArgs& args,
                                                        cluster::StoredDataset stored,
                                                        const std::string& request_id, double start,
                                                        const cluster::ProgressCallback& progress,
                                                        std::optional<JobStatsInput>* stats_input,
                                                        std::vector<std::string>* warnings) {
  const std::vector<std::string> paths = stored.parts.FullPaths(stored.info.basepath);
  dataset::ValidationMode mode = args.validation;
  bool validate_uniques = args.validate_uniques;
  if (paths.size() == 1) {
    mode = dataset::ValidationMode::kSingle;
    validate_uniques = false;
  }
  FROCKET_ASSIGN_OR_RETURN(double ratio, Config::Double("FROCKET_VALIDATION_SAMPLE_RATIO"));
  FROCKET_ASSIGN_OR_RETURN(int64_t max_samples, Config::Int("FROCKET_VALIDATION_SAMPLE_MAX", 1));
  FROCKET_ASSIGN_OR_RETURN(auto settings, dataset::InspectionSettings::FromConfig());
  const std::vector<size_t> sampled =
      dataset::ChooseSampledParts(paths.size(), mode, ratio, max_samples);
  log::Info("registration", std::string("validation mode ") + dataset::ValidationModeName(mode) +
                                ": inspecting " + std::to_string(sampled.size()) + " parts" +
                                (validate_uniques ? ", checking group ids are unique" : ""));

  std::vector<cluster::RegistrationTaskResult> results;
  cluster::JobRun run = invoker_->RunRegistrations(
      InspectionTasks(args, paths, sampled, validate_uniques, settings, request_id), start,
      progress, &results);
  JobStatsInput& stats = stats_input->emplace(
      JobStatsInput::Of(run, static_cast<int64_t>(sampled.size()),
                        static_cast<int64_t>(paths.size()), stored.parts.total_size));
  std::vector<std::string> names;
  std::vector<dataset::PartInspection> inspections;
  Status first_error = run.status;
  for (size_t i = 0; i < results.size(); ++i) {
    if (!results[i].status.ok()) {
      if (first_error.ok()) first_error = results[i].status;
      continue;
    }
    stats.successful.push_back(results[i].metrics);
    names.push_back(stored.parts.filenames[sampled[i]]);
    inspections.push_back(std::move(results[i].inspection));
  }
  FROCKET_RETURN_IF_ERROR(first_error);
  if (progress) progress({"Validating the sampled parts", "FINISHING", {}});
  FROCKET_RETURN_IF_ERROR(dataset::CheckPartsAgree(names, inspections, validate_uniques));
  stored.schema = dataset::MergeSchemas(inspections, settings);
  if (auto w = UniquenessWarning(paths.size(), sampled.size(), validate_uniques, mode)) {
    log::Warning("registration", *w);
    warnings->push_back(std::move(*w));
  }
  return stored;
}

RegisterOutcome Service::Register(const dataset::RegisterArgs& args,
                                  const cluster::ProgressCallback& progress) {
  RegisterOutcome outcome;
  outcome.request_id = NewRequestId();
  const double start = NowSeconds();
  std::optional<JobStatsInput> stats_input;
  auto registered = [&]() -> Result<dataset::DatasetInfo> {
    cluster::StoredDataset stored;
    FROCKET_ASSIGN_OR_RETURN(stored.info.basepath, StoredBasepath(args));
    if (progress) progress({"Discovering files in " + stored.info.basepath, "STARTING", {}});
    FROCKET_ASSIGN_OR_RETURN(stored.parts, DiscoverParts(stored.info.basepath, args.pattern));
    stored.info.id.name = args.name;
    stored.info.id.registered_at = dataset::NowIso8601();
    stored.info.group_id_column = args.group_id_column;
    stored.info.timestamp_column = args.timestamp_column;
    stored.info.total_parts = static_cast<int64_t>(stored.parts.filenames.size());
    FROCKET_ASSIGN_OR_RETURN(
        stored, InspectAndMerge(args, std::move(stored), outcome.request_id, start, progress,
                                &stats_input, &outcome.warnings));
    FROCKET_RETURN_IF_ERROR(datastore_->WriteDataset(stored));
    // Parts cached for an earlier registration of this name are never used again.
    invoker_->ForgetDataset(args.name);
    log::Info("registration",
              "dataset '" + args.name + "' registered in " + datastore_->Describe());
    return stored.info;
  };
  outcome.value = registered();
  if (stats_input) {
    stats_input->total_seconds = NowSeconds() - start;
    outcome.stats = JobStatsJson(*stats_input);
    Report("register", args.name, outcome.value.ok(), *stats_input);
  }
  if (outcome.value.ok() && progress) progress({"Registered", "DONE", {}});
  return outcome;
}

}  // namespace frocket::service
