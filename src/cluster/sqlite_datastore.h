// SqliteDatastore: the embedded datastore, one SQLite file ($FROCKET_HOME/frocket.db).
// Several frocket processes may use it at once: it runs in WAL mode, waits for locks rather
// than failing, and writes each dataset in one transaction.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "cluster/datastore.h"

struct sqlite3;

namespace frocket::cluster {

class SqliteDatastore final : public Datastore {
 public:
  // Opens (creating if needed) the database file and its directory.
  static Result<std::unique_ptr<SqliteDatastore>> Open(const std::string& path);
  ~SqliteDatastore() override;

  std::string Describe() const override { return "SQLite datastore at " + path_; }
  Status WriteDataset(const StoredDataset& dataset) override;
  Result<std::optional<dataset::DatasetInfo>> GetDataset(const std::string& name) override;
  Result<std::optional<StoredDataset>> LoadDataset(const std::string& name) override;
  Result<std::vector<dataset::DatasetInfo>> ListDatasets() override;
  Result<bool> RemoveDataset(const std::string& name) override;
  Status SetLastUsed(const std::string& name, double unix_seconds) override;
  Result<std::optional<double>> GetLastUsed(const std::string& name) override;

 private:
  SqliteDatastore(std::string path, sqlite3* db) : path_(std::move(path)), db_(db) {}
  Status Exec(const std::string& sql);
  Status ExecRetryingWhenBusy(const std::string& sql);
  Status Error(const std::string& what) const;

  std::string path_;
  sqlite3* db_;
  std::mutex mutex_;  // one connection, used by one thread at a time
};

}  // namespace frocket::cluster
