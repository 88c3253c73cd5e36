#include "cluster/datastore.h"

#include "cluster/redis_datastore.h"
#include "cluster/sqlite_datastore.h"
#include "common/config.h"

namespace frocket::cluster {

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
