// Registration of a dataset (Funnel Rocket's semantics): find the part files, inspect a
// sample of them — required columns and types, schema, statistics, group ids — and check
// that the sampled parts agree and do not share any group.
//
// InspectPart is one registration task (what a worker runs on one part); the other functions
// are the job around it (what the invoker does before and after the tasks).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "common/status.h"
#include "dataset/dataset.h"
#include "storage/byte_source.h"

namespace frocket::dataset {

enum class ValidationMode { kSingle, kFirstLast, kSample };

Result<ValidationMode> ParseValidationMode(const std::string& name);  // case-insensitive
const char* ValidationModeName(ValidationMode mode);

struct RegisterArgs {
  std::string name;
  std::string basepath;
  std::string group_id_column;
  std::string timestamp_column;
  std::string pattern = "*.parquet";
  ValidationMode validation = ValidationMode::kSample;
  bool validate_uniques = true;
};

struct InspectionSettings {
  double categorical_ratio = 0.1;  // FROCKET_DATASET_CATEGORICAL_RATIO
  int64_t top_count = 20;          // FROCKET_DATASET_CATEGORICAL_TOP_COUNT
  double top_min_share = 0.01;     // FROCKET_DATASET_CATEGORICAL_TOP_MINPCT
  static Result<InspectionSettings> FromConfig();
};

// What one part tells about the dataset.
struct PartInspection {
  DatasetSchemaInfo schema;  // with this part's statistics
  int64_t rows = 0;
  int64_t groups = 0;
  // The part's distinct group ids, sorted (when asked for).
  std::variant<std::vector<int64_t>, std::vector<std::string>> group_ids;
};

Result<PartInspection> InspectPart(std::shared_ptr<ByteSource> source,
                                   const std::string& group_id_column,
                                   const std::string& timestamp_column, bool return_group_ids,
                                   const InspectionSettings& settings);

// The indexes of the parts to inspect: the first (SINGLE), first and last (FIRST_LAST), or
// those plus a random share of the rest (SAMPLE: ratio of all parts, at most max_samples).
std::vector<size_t> ChooseSampledParts(size_t total_parts, ValidationMode mode, double ratio,
                                       int64_t max_samples);

// Checks the sampled parts have the same columns with the same types, and (if asked) that no
// group id appears in two of them; errors name the parts and an example id.
Status CheckPartsAgree(const std::vector<std::string>& part_names,
                       const std::vector<PartInspection>& parts, bool check_unique_groups);

// The dataset's schema from its sampled parts' (statistics merged).
DatasetSchemaInfo MergeSchemas(const std::vector<PartInspection>& parts,
                               const InspectionSettings& settings);

}  // namespace frocket::dataset
