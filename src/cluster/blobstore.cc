#include "cluster/blobstore.h"

#include <random>

#include "cluster/redis_datastore.h"
#include "common/config.h"
#include "common/random.h"

namespace frocket::cluster {

Result<std::unique_ptr<Blobstore>> Blobstore::Open() {
  const std::string kind = Config::Get("FROCKET_BLOBSTORE");
  if (!kind.empty() && kind != "redis") {
    return Status::Invalid("FROCKET_BLOBSTORE=" + kind + ": expected redis");
  }
  FROCKET_ASSIGN_OR_RETURN(int64_t default_ttl, Config::Int("FROCKET_BLOBSTORE_DEFAULT_TTL", 1));
  FROCKET_ASSIGN_OR_RETURN(int64_t max_ttl, Config::Int("FROCKET_BLOBSTORE_MAX_TTL", 0));
  FROCKET_ASSIGN_OR_RETURN(auto endpoint, RedisEndpoint::FromConfig("BLOBSTORE"));
  FROCKET_ASSIGN_OR_RETURN(auto client, RedisClient::Connect(endpoint));
  return std::unique_ptr<Blobstore>(
      new Blobstore(std::move(client), RedisKeyPrefix() + "blob:", default_ttl, max_ttl));
}

Result<std::string> Blobstore::Write(const std::string& data, const std::string& tag,
                                     int64_t ttl_seconds) {
  const int64_t ttl = ttl_seconds > 0 ? ttl_seconds : default_ttl_;
  if (max_ttl_ != 0 && ttl > max_ttl_) {
    return Status::Invalid("a blob TTL of " + std::to_string(ttl) +
                           " s is longer than FROCKET_BLOBSTORE_MAX_TTL (" +
                           std::to_string(max_ttl_) + " s)");
  }
  static thread_local std::mt19937_64 rng(RandomSeed());
  char unique[40];
  std::snprintf(unique, sizeof(unique), "%016llx%016llx", static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(rng()));
  const std::string id = prefix_ + tag + "-" + unique;
  std::lock_guard<std::mutex> lock(mutex_);
  auto written = Run({"SET", id, data, "EX", std::to_string(ttl)});
  if (!written.ok()) return written.status().WithContext("writing a blob");
  return id;
}

// The blobstore's connection can sit idle for long (a worker writes a blob per registration
// task), and a connection left idle across a Redis restart fails on its first use; the client
// reconnects on the next. Every blobstore command is idempotent, so it is tried once more.
Result<RedisReply> Blobstore::Run(const RedisCommand& command) {
  auto reply = client_->Run(command);
  if (!reply.ok()) reply = client_->Run(command);
  return reply;
}

Status Blobstore::CheckId(const std::string& id) const {
  if (id.rfind(prefix_, 0) != 0) {
    return Status::Invalid("'" + id + "' is not a blob id (expected the prefix '" + prefix_ + "')");
  }
  return Status::OK();
}

Result<std::optional<std::string>> Blobstore::Read(const std::string& id) {
  FROCKET_RETURN_IF_ERROR(CheckId(id));
  std::lock_guard<std::mutex> lock(mutex_);
  FROCKET_ASSIGN_OR_RETURN(auto reply, Run({"GET", id}));
  if (reply.is_nil()) return std::optional<std::string>();
  return std::optional<std::string>(std::move(reply.str));
}

Result<bool> Blobstore::Delete(const std::string& id) {
  FROCKET_RETURN_IF_ERROR(CheckId(id));
  std::lock_guard<std::mutex> lock(mutex_);
  FROCKET_ASSIGN_OR_RETURN(auto reply, Run({"DEL", id}));
  return reply.integer == 1;
}

}  // namespace frocket::cluster
