#include "cluster/datastore.h"

#include "cluster/redis_datastore.h"
#include "cluster/sqlite_datastore.h"
#include "common/config.h"

namespace frocket::cluster {

namespace {

Status StoredRecordError(const std::string& where, const std::string& name, const Status& why) {
  return Status::IOError(where + ": the stored metadata of dataset '" + name +
                         "' cannot be read (re-register it): " + why.message());
}

}  // namespace

Result<dataset::DatasetInfo> ParseStoredInfo(const std::string& where, const std::string& name,
                                             const std::string& info) {
  auto j = nlohmann::json::parse(info, nullptr, false);
  if (j.is_discarded()) return StoredRecordError(where, name, Status::Invalid("info is not JSON"));
  auto parsed = dataset::DatasetInfoFromJson(j);
  if (!parsed.ok()) return StoredRecordError(where, name, parsed.status());
  return parsed;
}

Result<StoredDataset> ParseStoredDataset(const std::string& where, const std::string& name,
                                         const std::string& info, const std::string& parts,
                                         const std::string& schema) {
  StoredDataset d;
  FROCKET_ASSIGN_OR_RETURN(d.info, ParseStoredInfo(where, name, info));
  auto parts_json = nlohmann::json::parse(parts, nullptr, false);
  auto schema_json = nlohmann::ordered_json::parse(schema, nullptr, false);
  if (parts_json.is_discarded() || schema_json.is_discarded()) {
    return StoredRecordError(where, name, Status::Invalid("part list or schema is not JSON"));
  }
  auto parsed_parts = dataset::PartsInfoFromJson(parts_json);
  if (!parsed_parts.ok()) return StoredRecordError(where, name, parsed_parts.status());
  auto parsed_schema = dataset::SchemaFromJson(schema_json);
  if (!parsed_schema.ok()) return StoredRecordError(where, name, parsed_schema.status());
  d.parts = std::move(*parsed_parts);
  d.schema = std::move(*parsed_schema);
  return d;
}

Result<std::unique_ptr<Datastore>> OpenDatastore() {
  std::string kind = Config::Get("FROCKET_DATASTORE");
  if (kind == "sqlite") {
    FROCKET_ASSIGN_OR_RETURN(auto store, SqliteDatastore::Open(FrocketHome() + "/frocket.db"));
    return std::unique_ptr<Datastore>(std::move(store));
  }
  if (kind == "redis") {
    FROCKET_ASSIGN_OR_RETURN(auto store, RedisDatastore::Open());
    return std::unique_ptr<Datastore>(std::move(store));
  }
  return Status::Invalid("FROCKET_DATASTORE=" + kind + ": expected sqlite or redis");
}

}  // namespace frocket::cluster
