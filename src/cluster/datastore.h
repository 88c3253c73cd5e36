// Datastore: where registered datasets live — their info, part list and schema — shared by
// every process that queries them (CLI runs, API servers, workers).
//
// Implementations: SQLite under $FROCKET_HOME (embedded mode, the default) and Redis
// (cluster mode). Writing a dataset replaces any of the same name atomically.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "dataset/dataset.h"

namespace frocket::cluster {

struct StoredDataset {
  dataset::DatasetInfo info;
  dataset::PartsInfo parts;
  dataset::DatasetSchemaInfo schema;
};

class Datastore {
 public:
  virtual ~Datastore() = default;
  // For messages: "SQLite datastore at /home/u/.frocket/frocket.db".
  virtual std::string Describe() const = 0;

  virtual Status WriteDataset(const StoredDataset& dataset) = 0;
  virtual Result<std::optional<dataset::DatasetInfo>> GetDataset(const std::string& name) = 0;
  // Info, parts and schema of one registration, read together.
  virtual Result<std::optional<StoredDataset>> LoadDataset(const std::string& name) = 0;
  virtual Result<std::vector<dataset::DatasetInfo>> ListDatasets() = 0;
  // Whether there was a dataset of that name.
  virtual Result<bool> RemoveDataset(const std::string& name) = 0;
  // When the dataset was last queried (unix seconds).
  virtual Status SetLastUsed(const std::string& name, double unix_seconds) = 0;
  virtual Result<std::optional<double>> GetLastUsed(const std::string& name) = 0;
};

// Parses the stored records of dataset `name` (its info, part list and schema, as JSON text).
// A record that does not parse is the datastore's fault, never the caller's: an IOError naming
// the datastore (`where`) and the dataset.
Result<dataset::DatasetInfo> ParseStoredInfo(const std::string& where, const std::string& name,
                                             const std::string& info);
Result<StoredDataset> ParseStoredDataset(const std::string& where, const std::string& name,
                                         const std::string& info, const std::string& parts,
                                         const std::string& schema);

// The datastore FROCKET_DATASTORE names (sqlite by default).
Result<std::unique_ptr<Datastore>> OpenDatastore();

// Funnel Rocket's default was Redis; frocket's is the embedded mode. A deployment moved over
// with its environment (Redis settings, no FROCKET_DATASTORE) would quietly get a local
// SQLite store: this says so, or nullopt when FROCKET_DATASTORE is set or nothing of Redis is.
std::optional<std::string> EmbeddedByDefaultWarning();
// Logs EmbeddedByDefaultWarning() once per process, if there is one (OpenDatastore does).
void WarnIfEmbeddedByDefault();
// Which datastore and invoker this process uses, for a log line at start.
std::string DescribeDeployment();

}  // namespace frocket::cluster
