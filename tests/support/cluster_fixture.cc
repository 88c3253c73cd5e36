#include "support/cluster_fixture.h"

#include <stdlib.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sstream>

namespace frocket::testing {

namespace fs = std::filesystem;
using nlohmann::json;

const std::vector<std::string>& ActivityQueries() {
  static const std::vector<std::string> kQueries = {
      "",
      // count target, default and groupsPerValue aggregations
      R"({"query": {"conditions": [{"filter": ["event_type", "==", "purchase"],
          "target": ["count", ">=", 2]}],
        "aggregations": [{"column": "country"}, {"column": "browser", "type": "groupsPerValue"}]}})",
      // sum target; per-value sums and means
      R"({"query": {"conditions": [{"filter": ["event_type", "==", "purchase"],
          "target": {"type": "sum", "column": "goal_value", "op": ">", "value": 150}}],
        "aggregations": [{"column": "device", "type": "sumPerValue", "otherColumn": "price"},
          {"column": "device", "type": "meanPerValue", "otherColumn": "goal_value",
           "name": "mean_goal"}]}})",
      // includeZero: groups without a cart, and with fewer than 3 searches (none counts)
      R"({"query": {"conditions": [
          {"filter": ["event_type", "==", "addtocart"], "target": ["count", "==", 0],
           "includeZero": true},
          {"filter": ["event_type", "==", "search"], "target": ["count", "<", 3],
           "includeZero": true}],
        "aggregations": [{"column": "is_mobile", "type": "countPerValue"}]}})",
      // a relation with not, by name and index, over a multi-filter condition
      R"q({"query": {"relation": "$searched and not ($bought or $2)", "conditions": [
          {"name": "searched", "filter": ["event_type", "==", "search"]},
          {"name": "bought", "filter": ["event_type", "==", "purchase"]},
          {"filters": [{"column": "country", "op": "==", "value": "US"},
                       {"column": "device", "op": "==", "value": "mobile"}]}],
        "aggregations": [{"column": "country", "type": "countPerValue", "top": 5}]}})q",
      // a sequence condition
      R"({"query": {"conditions": [{"sequence": [{"filter": ["event_type", "==", "search"]},
          {"filter": ["event_type", "==", "addtocart"]},
          {"filter": ["event_type", "==", "purchase"]}]}],
        "aggregations": [{"column": "sku", "type": "countPerValue"}]}})",
      // a funnel with step and end aggregations
      R"({"funnel": {"sequence": [{"filter": ["event_type", "==", "pageview"]},
          {"filters": [{"column": "event_type", "op": "==", "value": "addtocart"},
                       {"column": "price", "op": ">", "value": 50}]},
          {"filter": ["event_type", "==", "purchase"]}],
        "stepAggregations": {"columns": [{"column": "device", "type": "groupsPerValue"},
                                         {"column": "price", "type": "count"}]},
        "endAggregations": {"columns": [{"column": "country", "type": "countPerValue",
                                         "name": "converted_country"}]}}})",
      // a timeframe, a condition and a funnel together
      R"({"timeframe": {"from": 1787000000000, "to": 1790000000000},
        "query": {"conditions": [{"filter": ["browser", "==", "chrome"],
                                  "target": ["count", ">", 3]}]},
        "funnel": {"sequence": [{"filter": ["event_type", "==", "click"]},
                                {"filter": ["event_type", "==", "purchase"]}],
          "endAggregations": {"columns": [{"column": "goal_value", "type": "count"}]}}})",
      // string operators, an or relation
      R"({"query": {"relation": "or", "conditions": [
          {"filter": ["url", "contains", "utm_campaign"]},
          {"filter": ["url", "regex", "/p/[0-9]+$"], "target": ["count", ">=", 5]}],
        "aggregations": [{"column": "campaign_id", "type": "countPerValue", "top": 3}]}})",
      // a timeframe from only; bool and float filters, a float sum target
      R"({"timeframe": {"from": 1789000000000},
        "query": {"conditions": [{"filter": ["is_mobile", "==", true]},
          {"filter": ["price", ">=", 100.5],
           "target": {"type": "sum", "column": "price", "op": ">=", "value": 1000}}],
        "aggregations": [{"column": "browser"}]}})",
      // != with includeZero
      R"({"query": {"conditions": [{"filter": ["device", "==", "tablet"],
          "target": ["count", "!=", 1], "includeZero": true}],
        "aggregations": [{"column": "user_id", "type": "count"}]}})",
      // nothing matches
      R"({"query": {"conditions": [{"filter": ["country", "==", "ZZ"]}],
        "aggregations": [{"column": "country"}]}})",
  };
  return kQueries;
}

void ClusterTest::SetUp() {
  char tmpl[] = "/tmp/frocket-cluster-XXXXXX";
  char* made = ::mkdtemp(tmpl);
  ASSERT_NE(made, nullptr) << std::strerror(errno);
  root_ = made;
  auto redis = RedisServer::Start(Dir("redis"));
  ASSERT_TRUE(redis.ok()) << redis.status().message();
  redis_ = std::move(*redis);
}

void ClusterTest::TearDown() {
  for (auto& w : workers_) w->Kill();
  if (HasFailure()) {
    for (auto& w : workers_) {
      std::fprintf(stderr, "--- log of worker %d (%s):\n%s\n", static_cast<int>(w->pid()),
                   w->log_path().c_str(), Abbrev(w->Log(), 20000).c_str());
    }
  }
  workers_.clear();
  redis_.reset();
  std::error_code ec;
  if (!root_.empty()) fs::remove_all(root_, ec);
}

std::string ClusterTest::Dir(const std::string& name) const {
  const std::string d = root_ + "/" + name;
  fs::create_directories(d);
  return d;
}

Environment ClusterTest::ClusterEnv(const Environment& extra) const {
  const std::string port = std::to_string(redis_->port());
  // Every Redis setting, so that none from the environment the tests run in applies.
  Environment env = {{"FROCKET_HOME", root_ + "/cluster-home"},
                     {"FROCKET_DATASTORE", "redis"},
                     {"FROCKET_INVOKER", "work_queue"},
                     {"FROCKET_BLOBSTORE", "redis"},
                     {"FROCKET_REDIS_HOST", "127.0.0.1"},
                     {"FROCKET_REDIS_PORT", port},
                     {"FROCKET_REDIS_DB", "0"},
                     {"FROCKET_DATASTORE_REDIS_HOST", "127.0.0.1"},
                     {"FROCKET_DATASTORE_REDIS_PORT", port},
                     {"FROCKET_DATASTORE_REDIS_DB", "0"},
                     {"FROCKET_BLOBSTORE_REDIS_HOST", "127.0.0.1"},
                     {"FROCKET_BLOBSTORE_REDIS_PORT", port},
                     {"FROCKET_BLOBSTORE_REDIS_DB", "0"},
                     {"FROCKET_DATASTORE_REDIS_PREFIX", "frocket:"},
                     {"FROCKET_LOG_LEVEL", "info"},
                     {"FROCKET_LOG_FILE", ""}};
  return WithOverrides(std::move(env), extra);
}

void ClusterTest::StartWorkers(int n, const Environment& extra) {
  std::vector<BackgroundProcess*> started;
  for (int i = 0; i < n; ++i) {
    const std::string log = root_ + "/worker-" + std::to_string(workers_.size()) + ".log";
    auto worker = BackgroundProcess::Start({FrocketBinary(), "worker"}, ClusterEnv(extra), log);
    ASSERT_TRUE(worker.ok()) << worker.status().message();
    started.push_back(worker->get());
    workers_.push_back(std::move(*worker));
  }
  for (BackgroundProcess* w : started) {
    ASSERT_TRUE(WaitUntil(
        [&] { return !w->Running() || w->Log().find("waiting for tasks") != std::string::npos; },
        30))
        << "the worker did not start: " << w->Log();
    ASSERT_TRUE(w->Running()) << "the worker exited: " << w->Log();
  }
}

BackgroundProcess* ClusterTest::WorkerWithPid(pid_t pid) {
  for (auto& w : workers_) {
    if (w->pid() == pid) return w.get();
  }
  return nullptr;
}

FrocketRun ClusterTest::Cluster(const std::vector<std::string>& args, const Environment& extra,
                                int timeout_seconds) const {
  return RunFrocket(args, ClusterEnv(extra), timeout_seconds);
}

Environment ClusterTest::EmbeddedEnv(const Environment& extra) const {
  return WithOverrides({{"FROCKET_HOME", root_ + "/embedded-home"},
                        {"FROCKET_DATASTORE", "sqlite"},
                        {"FROCKET_INVOKER", "local"}},
                       extra);
}

FrocketRun ClusterTest::Embedded(const std::vector<std::string>& args, int timeout_seconds) const {
  return RunFrocket(args, EmbeddedEnv(), timeout_seconds);
}

std::string ClusterTest::Generate(const std::string& name, int64_t rows, int parts, int seed) {
  const std::string dir = root_ + "/" + name;
  FrocketRun r = Embedded({"generate", dir, "--rows", std::to_string(rows), "--parts",
                           std::to_string(parts), "--seed", std::to_string(seed)});
  EXPECT_EQ(r.result.exit_code, 0) << r.Describe();
  return dir;
}

void ClusterTest::RegisterInBothModes(const std::string& name, const std::string& dir) {
  const std::vector<std::string> args = {"register", name,           dir,          "user_id",
                                         "ts",       "--validation", "first_last", "--nopretty"};
  for (const FrocketRun& r : {Embedded(args), Cluster(args)}) {
    EXPECT_EQ(r.result.exit_code, 0) << r.Describe();
    EXPECT_TRUE(r.out && r.out->value("success", false)) << r.Describe();
  }
}

std::vector<std::string> ClusterTest::RunArgs(const std::string& name, const std::string& query) {
  if (query.empty()) return {"run", name, "--empty", "--nopretty"};
  return {"run", name, "--string", query, "--nopretty"};
}

json ClusterTest::Answer(const FrocketRun& run) {
  const bool ok = run.result.exited() && run.result.exit_code == 0 && run.out &&
                  run.out->is_object() && run.out->value("success", false);
  EXPECT_TRUE(ok) << "the query should succeed: " << run.Describe();
  if (!ok) return nullptr;
  return {{"query", run.out->value("query", json())}, {"funnel", run.out->value("funnel", json())}};
}

json ClusterTest::EmbeddedAnswer(const std::string& name, const std::string& query) const {
  return Answer(Embedded(RunArgs(name, query)));
}

int64_t ClusterTest::InvokerStat(const FrocketRun& run, const std::string& name) {
  if (!run.out || !run.out->is_object()) return -1;
  return run.out->value(json::json_pointer("/stats/invoker/" + name), int64_t{-1});
}

int64_t ClusterTest::CacheStat(const FrocketRun& run, const std::string& name) {
  if (!run.out || !run.out->is_object()) return -1;
  return run.out->value(json::json_pointer("/stats/worker/cache/" + name), int64_t{-1});
}

std::vector<std::string> ClusterTest::WorkerLogLines(const std::vector<std::string>& parts) const {
  std::vector<std::string> lines;
  for (const auto& w : workers_) {
    for (auto& l : LinesWith(w->Log(), parts)) lines.push_back(std::move(l));
  }
  return lines;
}

std::vector<std::string> ClusterTest::AwaitWorkerLogLines(const std::vector<std::string>& parts,
                                                          size_t count,
                                                          double timeout_seconds) const {
  std::vector<std::string> lines;
  WaitUntil(
      [&] {
        lines = WorkerLogLines(parts);
        return lines.size() >= count;
      },
      timeout_seconds);
  return lines;
}

std::map<std::string, json> ClusterTest::RunningJobAttempts() const {
  std::map<std::string, json> attempts;
  ProcessResult keys = redis_->Cli({"--scan", "--pattern", "frocket:req-*:status"});
  std::istringstream key_lines(keys.out);
  std::string key;
  if (!std::getline(key_lines, key) || key.empty()) return attempts;
  ProcessResult all = redis_->Cli({"HGETALL", key});
  std::istringstream lines(all.out);
  std::string field, value;
  while (std::getline(lines, field) && std::getline(lines, value)) {
    json status = json::parse(value, nullptr, false);
    if (!status.is_discarded()) attempts[field] = std::move(status);
  }
  return attempts;
}

pid_t ClusterTest::WaitForAttempt(const std::string& attempt, const std::string& status,
                                  double timeout_seconds) const {
  pid_t pid = 0;
  WaitUntil(
      [&] {
        auto attempts = RunningJobAttempts();
        auto a = attempts.find(attempt);
        if (a == attempts.end() || a->second.value("status", "") != status) return false;
        const std::string worker = a->second.value("worker", "");  // "host:pid"
        pid = static_cast<pid_t>(std::atoi(worker.substr(worker.rfind(':') + 1).c_str()));
        return pid > 0;
      },
      timeout_seconds);
  return pid;
}

Environment WithOverrides(Environment base, const Environment& extra) {
  for (const auto& variable : extra) {
    std::erase_if(base, [&](const auto& e) { return e.first == variable.first; });
    base.push_back(variable);
  }
  return base;
}

std::vector<std::string> LinesWith(const std::string& text, const std::vector<std::string>& parts) {
  std::vector<std::string> found;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    bool all = true;
    for (const auto& p : parts) all = all && line.find(p) != std::string::npos;
    if (all) found.push_back(line);
  }
  return found;
}

}  // namespace frocket::testing
