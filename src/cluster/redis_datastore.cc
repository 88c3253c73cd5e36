#include "cluster/redis_datastore.h"

#include <algorithm>
#include <cstdlib>

#include "common/config.h"
#include "common/json_text.h"
#include "common/log.h"

namespace frocket::cluster {

namespace {

constexpr const char* kDatasets = "datasets";
constexpr const char* kParts = "dataset_parts";
constexpr const char* kSchemas = "schemas";
constexpr const char* kLastUsed = "dataset_lastused";

}  // namespace

std::string RedisKeyPrefix() {
  return Config::Get("FROCKET_DATASTORE_REDIS_PREFIX");
}

Result<std::unique_ptr<RedisDatastore>> RedisDatastore::Open() {
  FROCKET_ASSIGN_OR_RETURN(auto endpoint, RedisEndpoint::FromConfig("DATASTORE"));
  FROCKET_ASSIGN_OR_RETURN(auto client, RedisClient::Connect(endpoint));
  if (std::string risk = EvictionRisk(*client); !risk.empty()) log::Warning("datastore", risk);
  return std::unique_ptr<RedisDatastore>(new RedisDatastore(std::move(client), RedisKeyPrefix()));
}

Result<RedisReply> RedisDatastore::Run(const RedisCommand& command) {
  auto reply = client_->Run(command);
  if (!reply.ok()) reply = client_->Run(command);
  return reply;
}

Result<std::vector<RedisReply>> RedisDatastore::RunAtomically(
    const std::vector<RedisCommand>& commands) {
  auto replies = client_->RunAtomically(commands);
  if (!replies.ok()) replies = client_->RunAtomically(commands);
  return replies;
}

std::string RedisDatastore::Describe() const {
  return "Redis datastore at " + client_->endpoint().host + ":" +
         std::to_string(client_->endpoint().port) + " (db " +
         std::to_string(client_->endpoint().db) + ", prefix '" + prefix_ + "')";
}

Status RedisDatastore::WriteDataset(const StoredDataset& d) {
  std::lock_guard<std::mutex> lock(mutex_);
  const std::string& name = d.info.id.name;
  auto written = RunAtomically({
      {"HSET", Key(kDatasets), name, JsonText(dataset::ToJson(d.info))},
      {"HSET", Key(kParts), name, JsonText(dataset::ToJson(d.parts))},
      {"HSET", Key(kSchemas), name, JsonText(dataset::ToJson(d.schema, /*full=*/true))},
      {"HDEL", Key(kLastUsed), name},
  });
  if (!written.ok()) return written.status().WithContext("writing dataset '" + name + "'");
  return Status::OK();
}

Result<std::optional<dataset::DatasetInfo>> RedisDatastore::GetDataset(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  FROCKET_ASSIGN_OR_RETURN(auto reply, Run({"HGET", Key(kDatasets), name}));
  if (reply.is_nil()) return std::optional<dataset::DatasetInfo>();
  FROCKET_ASSIGN_OR_RETURN(auto text, ReplyString(reply, "dataset info"));
  FROCKET_ASSIGN_OR_RETURN(auto info, ParseStoredInfo(Describe(), name, text));
  return std::optional<dataset::DatasetInfo>(std::move(info));
}

Result<std::optional<StoredDataset>> RedisDatastore::LoadDataset(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  // One transaction: the three records of the same registration.
  FROCKET_ASSIGN_OR_RETURN(auto replies, RunAtomically({
                                             {"HGET", Key(kDatasets), name},
                                             {"HGET", Key(kParts), name},
                                             {"HGET", Key(kSchemas), name},
                                         }));
  if (replies[0].is_nil()) return std::optional<StoredDataset>();
  if (replies[1].is_nil() || replies[2].is_nil()) {
    return Status::IOError(Describe() + ": dataset '" + name + "' has no part list or schema");
  }
  FROCKET_ASSIGN_OR_RETURN(StoredDataset d, ParseStoredDataset(Describe(), name, replies[0].str,
                                                               replies[1].str, replies[2].str));
  return std::optional<StoredDataset>(std::move(d));
}

Result<std::vector<dataset::DatasetInfo>> RedisDatastore::ListDatasets() {
  std::lock_guard<std::mutex> lock(mutex_);
  FROCKET_ASSIGN_OR_RETURN(auto reply, Run({"HGETALL", Key(kDatasets)}));
  std::vector<dataset::DatasetInfo> out;
  for (size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    FROCKET_ASSIGN_OR_RETURN(
        auto info, ParseStoredInfo(Describe(), reply.elements[i].str, reply.elements[i + 1].str));
    out.push_back(std::move(info));
  }
  // Newest first, as the embedded datastore lists them.
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.id.registered_at != b.id.registered_at ? a.id.registered_at > b.id.registered_at
                                                    : a.id.name < b.id.name;
  });
  return out;
}

Result<bool> RedisDatastore::RemoveDataset(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  FROCKET_ASSIGN_OR_RETURN(auto replies, RunAtomically({
                                             {"HDEL", Key(kDatasets), name},
                                             {"HDEL", Key(kParts), name},
                                             {"HDEL", Key(kSchemas), name},
                                             {"HDEL", Key(kLastUsed), name},
                                         }));
  return replies[0].integer > 0;
}

Status RedisDatastore::SetLastUsed(const std::string& name, double unix_seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  // Only for a dataset that still exists (it may have been unregistered meanwhile).
  static const char* kScript =
      "if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then "
      "redis.call('HSET', KEYS[2], ARGV[1], ARGV[2]) end return 0";
  char seconds[32];
  std::snprintf(seconds, sizeof(seconds), "%.6f", unix_seconds);
  return Run({"EVAL", kScript, "2", Key(kDatasets), Key(kLastUsed), name, seconds}).status();
}

Result<std::optional<double>> RedisDatastore::GetLastUsed(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  FROCKET_ASSIGN_OR_RETURN(auto reply, Run({"HGET", Key(kLastUsed), name}));
  if (reply.is_nil()) return std::optional<double>();
  char* end = nullptr;
  double v = std::strtod(reply.str.c_str(), &end);
  if (end == reply.str.c_str()) {
    return Status::Invalid(Describe() + ": last-used time of '" + name + "' is not a number");
  }
  return std::optional<double>(v);
}

}  // namespace frocket::cluster
