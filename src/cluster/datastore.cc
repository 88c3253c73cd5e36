#include "cluster/datastore.h"

#include <cstdlib>
#include <mutex>
#include <string_view>

#include "cluster/redis_datastore.h"
#include "cluster/sqlite_datastore.h"
#include "common/config.h"
#include "common/log.h"

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

std::optional<std::string> EmbeddedByDefaultWarning() {
  if (std::getenv("FROCKET_DATASTORE") != nullptr) return std::nullopt;
  std::vector<std::string> set;
  for (const ConfigVariable& v : Config::Variables()) {
    if (std::string_view(v.name).find("REDIS") != std::string_view::npos &&
        std::getenv(v.name) != nullptr) {
      set.push_back(v.name);
    }
  }
  if (set.empty()) return std::nullopt;
  return set[0] + (set.size() > 1 ? " (and " + std::to_string(set.size() - 1) + " more)" : "") +
         " is set but FROCKET_DATASTORE is not, so this is the embedded mode (SQLite datastore "
         "at " +
         Config::Home() + "/frocket.db, FROCKET_INVOKER=" + Config::Get("FROCKET_INVOKER") +
         "), not Funnel Rocket's default of Redis; for a cluster set FROCKET_DATASTORE=redis and "
         "FROCKET_INVOKER=work_queue";
}

void WarnIfEmbeddedByDefault() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (auto warning = EmbeddedByDefaultWarning()) log::Warning("config", *warning);
  });
}

std::string DescribeDeployment() {
  std::string store = Config::Get("FROCKET_DATASTORE");
  std::string where =
      store == "sqlite"
          ? "SQLite at " + Config::Home() + "/frocket.db"
          : "Redis at " + Config::GetFirst({"FROCKET_DATASTORE_REDIS_HOST", "FROCKET_REDIS_HOST"}) +
                ":" + Config::GetFirst({"FROCKET_DATASTORE_REDIS_PORT", "FROCKET_REDIS_PORT"});
  return "datastore: " + where + "; invoker: " + Config::Get("FROCKET_INVOKER");
}

Result<std::unique_ptr<Datastore>> OpenDatastore() {
  WarnIfEmbeddedByDefault();
  std::string kind = Config::Get("FROCKET_DATASTORE");
  if (kind == "sqlite") {
    FROCKET_ASSIGN_OR_RETURN(auto store, SqliteDatastore::Open(Config::Home() + "/frocket.db"));
    return std::unique_ptr<Datastore>(std::move(store));
  }
  if (kind == "redis") {
    FROCKET_ASSIGN_OR_RETURN(auto store, RedisDatastore::Open());
    return std::unique_ptr<Datastore>(std::move(store));
  }
  return Status::Invalid("FROCKET_DATASTORE=" + kind + ": expected sqlite or redis");
}

}  // namespace frocket::cluster
