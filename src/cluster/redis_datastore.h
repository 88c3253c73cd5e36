// RedisDatastore: the cluster mode's datastore (FROCKET_DATASTORE=redis), shared by every API
// server, CLI and worker. Funnel Rocket's layout: one hash per kind of record, keyed by
// dataset name — {prefix}datasets, {prefix}dataset_parts, {prefix}schemas,
// {prefix}dataset_lastused — written and removed together in one transaction, so readers see
// a registration whole or not at all.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "cluster/datastore.h"
#include "cluster/redis_client.h"

namespace frocket::cluster {

class RedisDatastore final : public Datastore {
 public:
  // From FROCKET_DATASTORE_REDIS_* / FROCKET_REDIS_* and FROCKET_DATASTORE_REDIS_PREFIX.
  static Result<std::unique_ptr<RedisDatastore>> Open();

  std::string Describe() const override;
  Status WriteDataset(const StoredDataset& dataset) override;
  Result<std::optional<dataset::DatasetInfo>> GetDataset(const std::string& name) override;
  Result<std::optional<StoredDataset>> LoadDataset(const std::string& name) override;
  Result<std::vector<dataset::DatasetInfo>> ListDatasets() override;
  Result<bool> RemoveDataset(const std::string& name) override;
  Status SetLastUsed(const std::string& name, double unix_seconds) override;
  Result<std::optional<double>> GetLastUsed(const std::string& name) override;

  const std::string& prefix() const { return prefix_; }

 private:
  RedisDatastore(std::unique_ptr<RedisClient> client, std::string prefix)
      : client_(std::move(client)), prefix_(std::move(prefix)) {}
  std::string Key(const char* kind) const { return prefix_ + kind; }
  // Commands tried once more after a failure: a long-lived process's connection may have been
  // closed by a Redis restart (the client reconnects on the next command), and every
  // datastore command is idempotent.
  Result<RedisReply> Run(const RedisCommand& command);
  Result<std::vector<RedisReply>> RunAtomically(const std::vector<RedisCommand>& commands);

  std::unique_ptr<RedisClient> client_;
  std::string prefix_;
  std::mutex mutex_;  // one connection, used by one thread at a time
};

// The Redis key prefix of everything frocket stores (FROCKET_DATASTORE_REDIS_PREFIX).
std::string RedisKeyPrefix();

}  // namespace frocket::cluster
