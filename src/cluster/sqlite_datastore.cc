#include "cluster/sqlite_datastore.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "common/config.h"
#include "common/json_text.h"

namespace frocket::cluster {

namespace {

constexpr int kBusyTimeoutMs = 30000;

// Creates a directory and its parents.
Status MakeDirectories(const std::string& dir) {
  std::string partial;
  for (size_t i = 0; i <= dir.size(); ++i) {
    if (i == dir.size() || dir[i] == '/') {
      if (!partial.empty() && ::mkdir(partial.c_str(), 0777) != 0 && errno != EEXIST) {
        return Status::IOError(partial + ": cannot create directory: " + std::strerror(errno));
      }
    }
    if (i < dir.size()) partial.push_back(dir[i]);
  }
  return Status::OK();
}

// A prepared statement, finalized on scope exit.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  bool ok() const { return rc_ == SQLITE_OK; }
  void Bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void Bind(int i, double v) { sqlite3_bind_double(stmt_, i, v); }
  void Bind(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  int Step() { return sqlite3_step(stmt_); }
  std::string Text(int i) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
    return p == nullptr ? std::string()
                        : std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, i)));
  }
  bool IsNull(int i) { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }
  double Double(int i) { return sqlite3_column_double(stmt_, i); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

}  // namespace

Result<std::unique_ptr<SqliteDatastore>> SqliteDatastore::Open(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    FROCKET_RETURN_IF_ERROR(MakeDirectories(path.substr(0, slash)));
  }
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return Status::IOError(path + ": cannot open the datastore: " + message);
  }
  std::unique_ptr<SqliteDatastore> store(new SqliteDatastore(path, db));
  // Other processes may hold the lock for a while (a registration writing): wait, do not fail.
  sqlite3_busy_timeout(db, 30000);
  FROCKET_RETURN_IF_ERROR(store->ExecRetryingWhenBusy("PRAGMA journal_mode=WAL"));
  FROCKET_RETURN_IF_ERROR(store->ExecRetryingWhenBusy("PRAGMA synchronous=NORMAL"));
  FROCKET_RETURN_IF_ERROR(
      store->ExecRetryingWhenBusy("CREATE TABLE IF NOT EXISTS datasets ("
                                  "  name TEXT PRIMARY KEY,"
                                  "  registered_at TEXT NOT NULL,"
                                  "  info TEXT NOT NULL,"
                                  "  parts TEXT NOT NULL,"
                                  "  schema TEXT NOT NULL,"
                                  "  last_used REAL)"));
  return store;
}

SqliteDatastore::~SqliteDatastore() {
  sqlite3_close(db_);
}

Status SqliteDatastore::Error(const std::string& what) const {
  return Status::IOError(Describe() + ": " + what + ": " + sqlite3_errmsg(db_));
}

Status SqliteDatastore::ExecRetryingWhenBusy(const std::string& sql) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
  while (true) {
    char* message = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
    std::string m = message != nullptr ? message : "";
    sqlite3_free(message);
    if (rc == SQLITE_OK) return Status::OK();
    if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || std::chrono::steady_clock::now() > deadline) {
      return Status::IOError(Describe() + ": " + (m.empty() ? sqlite3_errstr(rc) : m));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

Status SqliteDatastore::Exec(const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string m = message != nullptr ? message : "unknown error";
    sqlite3_free(message);
    return Status::IOError(Describe() + ": " + m);
  }
  return Status::OK();
}

Status SqliteDatastore::WriteDataset(const StoredDataset& d) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement s(
      db_,
      "INSERT OR REPLACE INTO datasets (name, registered_at, info, parts, schema, last_used) "
      "VALUES (?, ?, ?, ?, ?, NULL)");
  if (!s.ok()) return Error("cannot prepare a write");
  s.Bind(1, d.info.id.name);
  s.Bind(2, d.info.id.registered_at);
  s.Bind(3, JsonText(dataset::ToJson(d.info)));
  s.Bind(4, JsonText(dataset::ToJson(d.parts)));
  s.Bind(5, JsonText(dataset::ToJson(d.schema, /*full=*/true)));
  // One statement is one transaction: readers see the old registration or the new, whole.
  if (s.Step() != SQLITE_DONE) return Error("cannot write dataset '" + d.info.id.name + "'");
  return Status::OK();
}

Result<std::optional<dataset::DatasetInfo>> SqliteDatastore::GetDataset(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement s(db_, "SELECT info FROM datasets WHERE name = ?");
  if (!s.ok()) return Error("cannot prepare a read");
  s.Bind(1, name);
  int rc = s.Step();
  if (rc == SQLITE_DONE) return std::optional<dataset::DatasetInfo>();
  if (rc != SQLITE_ROW) return Error("cannot read dataset '" + name + "'");
  FROCKET_ASSIGN_OR_RETURN(auto info, ParseStoredInfo(Describe(), name, s.Text(0)));
  return std::optional<dataset::DatasetInfo>(std::move(info));
}

Result<std::optional<StoredDataset>> SqliteDatastore::LoadDataset(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement s(db_, "SELECT info, parts, schema FROM datasets WHERE name = ?");
  if (!s.ok()) return Error("cannot prepare a read");
  s.Bind(1, name);
  int rc = s.Step();
  if (rc == SQLITE_DONE) return std::optional<StoredDataset>();
  if (rc != SQLITE_ROW) return Error("cannot read dataset '" + name + "'");
  FROCKET_ASSIGN_OR_RETURN(StoredDataset d,
                           ParseStoredDataset(Describe(), name, s.Text(0), s.Text(1), s.Text(2)));
  return std::optional<StoredDataset>(std::move(d));
}

Result<std::vector<dataset::DatasetInfo>> SqliteDatastore::ListDatasets() {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement s(db_, "SELECT info, name FROM datasets ORDER BY registered_at DESC");
  if (!s.ok()) return Error("cannot prepare a read");
  std::vector<dataset::DatasetInfo> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    FROCKET_ASSIGN_OR_RETURN(auto info, ParseStoredInfo(Describe(), s.Text(1), s.Text(0)));
    out.push_back(std::move(info));
  }
  if (rc != SQLITE_DONE) return Error("cannot list datasets");
  return out;
}

Result<bool> SqliteDatastore::RemoveDataset(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement s(db_, "DELETE FROM datasets WHERE name = ?");
  if (!s.ok()) return Error("cannot prepare a delete");
  s.Bind(1, name);
  if (s.Step() != SQLITE_DONE) return Error("cannot remove dataset '" + name + "'");
  return sqlite3_changes(db_) > 0;
}

Status SqliteDatastore::SetLastUsed(const std::string& name, double unix_seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement s(db_, "UPDATE datasets SET last_used = ? WHERE name = ?");
  if (!s.ok()) return Error("cannot prepare an update");
  s.Bind(1, unix_seconds);
  s.Bind(2, name);
  if (s.Step() != SQLITE_DONE) return Error("cannot update dataset '" + name + "'");
  return Status::OK();
}

Result<std::optional<double>> SqliteDatastore::GetLastUsed(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement s(db_, "SELECT last_used FROM datasets WHERE name = ?");
  if (!s.ok()) return Error("cannot prepare a read");
  s.Bind(1, name);
  int rc = s.Step();
  if (rc == SQLITE_DONE || (rc == SQLITE_ROW && s.IsNull(0))) return std::optional<double>();
  if (rc != SQLITE_ROW) return Error("cannot read dataset '" + name + "'");
  return std::optional<double>(s.Double(0));
}

}  // namespace frocket::cluster
