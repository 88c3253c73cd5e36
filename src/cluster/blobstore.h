// Blobstore: larger transient payloads that pass between workers and invokers outside the
// task results — the group-id sets of registration tasks — stored in Redis with an expiry
// (FROCKET_BLOBSTORE_DEFAULT_TTL, at most FROCKET_BLOBSTORE_MAX_TTL; 0 means no limit), so
// a payload nobody collects does not stay forever.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "cluster/redis_client.h"

namespace frocket::cluster {

class Blobstore {
 public:
  // From FROCKET_BLOBSTORE_REDIS_* / FROCKET_REDIS_* and the TTL settings.
  static Result<std::unique_ptr<Blobstore>> Open();

  // Stores data for ttl_seconds (0: the default TTL) and returns its id, which starts with
  // "{prefix}blob:{tag}-".
  Result<std::string> Write(const std::string& data, const std::string& tag,
                            int64_t ttl_seconds = 0);
  // nullopt when the blob expired or never existed.
  Result<std::optional<std::string>> Read(const std::string& id);
  Result<bool> Delete(const std::string& id);

 private:
  Blobstore(std::unique_ptr<RedisClient> client, std::string prefix, int64_t default_ttl,
            int64_t max_ttl)
      : client_(std::move(client)),
        prefix_(std::move(prefix)),
        default_ttl_(default_ttl),
        max_ttl_(max_ttl) {}
  Status CheckId(const std::string& id) const;
  // Runs a command, trying once more after a failure (see blobstore.cc).
  Result<RedisReply> Run(const RedisCommand& command);

  std::unique_ptr<RedisClient> client_;
  std::string prefix_;  // "{datastore prefix}blob:"
  int64_t default_ttl_;
  int64_t max_ttl_;
  std::mutex mutex_;
};

}  // namespace frocket::cluster
