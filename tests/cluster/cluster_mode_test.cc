// Cluster mode end to end: a real Redis, `frocket worker` processes and the CLI as invoker,
// against the embedded mode over the same files — registrations, answers to varied queries,
// list, unregister, re-registration, and the workers' memory cache.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "support/cluster_fixture.h"

namespace frocket::testing {
namespace {

using nlohmann::json;

// `info NAME --full`, without the registration time (which differs between the modes).
json InfoWithoutRegistrationTime(const FrocketRun& r) {
  EXPECT_EQ(r.result.exit_code, 0) << r.Describe();
  if (!r.out || !r.out->is_object()) return nullptr;
  json info = *r.out;
  EXPECT_TRUE(info.contains("/dataset/id/registeredAt"_json_pointer)) << r.Describe();
  info["dataset"]["id"].erase("registeredAt");
  return info;
}

// `list --nopretty` as name -> dataset, without registration times.
std::map<std::string, json> ListWithoutRegistrationTimes(const FrocketRun& r) {
  std::map<std::string, json> datasets;
  EXPECT_EQ(r.result.exit_code, 0) << r.Describe();
  EXPECT_TRUE(r.out && r.out->is_array()) << r.Describe();
  if (!r.out || !r.out->is_array()) return datasets;
  for (json d : *r.out) {
    d["id"].erase("registeredAt");
    datasets[d["id"]["name"].get<std::string>()] = d;
  }
  return datasets;
}

class ClusterMode : public ClusterTest {};

TEST_F(ClusterMode, RegistrationAndQueriesMatchTheEmbeddedMode) {
  ASSERT_NO_FATAL_FAILURE(StartWorkers(3));
  const std::string dir = Generate("activity", 300000, 6, 7);
  ASSERT_NO_FATAL_FAILURE(RegisterInBothModes("activity", dir));

  const json cluster_info =
      InfoWithoutRegistrationTime(Cluster({"info", "activity", "--full", "--nopretty"}));
  const json embedded_info =
      InfoWithoutRegistrationTime(Embedded({"info", "activity", "--full", "--nopretty"}));
  EXPECT_FALSE(cluster_info.is_null());
  EXPECT_EQ(cluster_info, embedded_info);

  int64_t matching_somewhere = 0;
  for (const std::string& query : ActivityQueries()) {
    SCOPED_TRACE(query.empty() ? "--empty" : query);
    const json expected = EmbeddedAnswer("activity", query);
    ASSERT_FALSE(expected.is_null());
    const FrocketRun r = Cluster(RunArgs("activity", query));
    EXPECT_EQ(Answer(r), expected);
    EXPECT_EQ(InvokerStat(r, "totalTasks"), 6) << r.Describe();
    EXPECT_EQ(InvokerStat(r, "failedTasks"), 0) << r.Describe();
    EXPECT_EQ(InvokerStat(r, "retriedTasks"), 0) << r.Describe();
    if (expected["query"].value("matchingGroups", 0) > 0) ++matching_somewhere;
    // The tasks ran on the workers, one each per part.
    const std::string request_id = r.out ? r.out->value("requestId", "") : "";
    std::set<std::string> parts;
    for (const std::string& line :
         AwaitWorkerLogLines({"task ", " of " + request_id + " (", "ENDED_SUCCESS"}, 6)) {
      parts.insert(line.substr(line.find(dir + "/")));
    }
    EXPECT_EQ(parts.size(), 6u) << "the workers' logs should show the 6 tasks of " << request_id;
    if (query.empty()) {
      // By construction: every generated row.
      EXPECT_EQ(r.out->value("/query/matchingGroupRows"_json_pointer, 0), 300000);
    }
  }
  EXPECT_GE(matching_somewhere, 8) << "the queries should not be trivially empty";
}

TEST_F(ClusterMode, ListUnregisterAndReRegister) {
  ASSERT_NO_FATAL_FAILURE(StartWorkers(2));
  const std::string first = Generate("first", 60000, 6, 1);
  const std::string second = Generate("second", 30000, 3, 2);
  ASSERT_NO_FATAL_FAILURE(RegisterInBothModes("a", first));
  ASSERT_NO_FATAL_FAILURE(RegisterInBothModes("b", second));

  const auto cluster_list = ListWithoutRegistrationTimes(Cluster({"list", "--nopretty"}));
  EXPECT_EQ(cluster_list, ListWithoutRegistrationTimes(Embedded({"list", "--nopretty"})));
  EXPECT_EQ(cluster_list.size(), 2u);

  // Unregistering: gone from the list, queries fail naming it.
  FrocketRun removed = Cluster({"unregister", "a", "--force", "--nopretty"});
  EXPECT_EQ(removed.result.exit_code, 0) << removed.Describe();
  EXPECT_TRUE(removed.out && removed.out->value("datasetFound", false)) << removed.Describe();
  const auto after = ListWithoutRegistrationTimes(Cluster({"list", "--nopretty"}));
  EXPECT_EQ(after.size(), 1u);
  EXPECT_EQ(after.count("b"), 1u);
  FrocketRun gone = Cluster(RunArgs("a", ""), {}, 30);
  EXPECT_EQ(gone.result.exit_code, 1) << gone.Describe();
  ASSERT_TRUE(gone.out && gone.out->is_object()) << gone.Describe();
  EXPECT_FALSE(gone.out->value("success", true)) << gone.Describe();
  const std::string message = gone.out->value("errorMessage", "");
  EXPECT_TRUE(Mentions(message, "'a'") && Mentions(message, "not found")) << gone.Describe();
  FrocketRun again = Cluster({"unregister", "a", "--force", "--nopretty"});
  EXPECT_EQ(again.result.exit_code, 0) << again.Describe();
  EXPECT_TRUE(again.out && !again.out->value("datasetFound", true)) << again.Describe();

  // Re-registering replaces: new files under the same paths, and the workers (which cached
  // the old files' parts) must answer from the new ones.
  const std::string query = ActivityQueries()[1];
  const json old_answer = EmbeddedAnswer("b", query);
  EXPECT_EQ(Answer(Cluster(RunArgs("b", query))), old_answer);
  const std::string before = Cluster({"info", "b", "--nopretty"})
                                 .out.value_or(json())
                                 .value("/dataset/id/registeredAt"_json_pointer, "");
  Generate("second", 45000, 3, 3);
  ASSERT_NO_FATAL_FAILURE(RegisterInBothModes("b", second));
  const json new_answer = EmbeddedAnswer("b", query);
  EXPECT_NE(new_answer, old_answer);
  EXPECT_EQ(Answer(Cluster(RunArgs("b", query))), new_answer);
  const FrocketRun empty = Cluster(RunArgs("b", ""));
  EXPECT_EQ(Answer(empty), EmbeddedAnswer("b", ""));
  EXPECT_EQ(empty.out.value_or(json()).value("/query/matchingGroupRows"_json_pointer, 0), 45000);
  const std::string after_reregistering = Cluster({"info", "b", "--nopretty"})
                                              .out.value_or(json())
                                              .value("/dataset/id/registeredAt"_json_pointer, "");
  EXPECT_GT(after_reregistering, before);
  EXPECT_EQ(ListWithoutRegistrationTimes(Cluster({"list", "--nopretty"})).size(), 1u);
}

// What self-selection guarantees (QueueWorker::SelectPart): a worker takes a part it has
// cached if one of the job's parts it holds is still untaken. Each idle worker receives one of
// a job's first messages (Redis serves blocked BRPOPs one element each), so with no more parts
// than workers every part of a warm query comes from memory. With more parts than workers it
// is not guaranteed: which worker pops the further messages depends on who finishes first,
// not on what it holds — a worker whose own parts are all taken takes any part left — so
// only one part per worker is certain.
TEST_F(ClusterMode, WarmQueriesAreServedFromTheWorkersMemory) {
  ASSERT_NO_FATAL_FAILURE(StartWorkers(3, {{"FROCKET_WORKER_SELF_SELECT_ENABLED", "true"}}));
  const Environment self_select = {{"FROCKET_WORKER_SELF_SELECT_ENABLED", "true"}};
  const std::string query = ActivityQueries()[2];
  struct Case {
    std::string name;
    int parts;
    int64_t least_from_memory;
  };
  for (const Case& c : {Case{"three", 3, 3}, Case{"six", 6, 3}}) {
    SCOPED_TRACE(c.name + " parts");
    ASSERT_NO_FATAL_FAILURE(RegisterInBothModes(c.name, Generate(c.name, 60000, c.parts, 5)));
    const json expected = EmbeddedAnswer(c.name, query);
    const FrocketRun cold = Cluster(RunArgs(c.name, query), self_select);
    EXPECT_EQ(Answer(cold), expected);
    EXPECT_EQ(CacheStat(cold, "source"), c.parts) << cold.Describe();
    const FrocketRun warm = Cluster(RunArgs(c.name, query), self_select);
    EXPECT_EQ(Answer(warm), expected);
    EXPECT_GE(CacheStat(warm, "memoryCache"), c.least_from_memory) << warm.Describe();
    EXPECT_EQ(CacheStat(warm, "memoryCache") + CacheStat(warm, "source"), c.parts)
        << warm.Describe();
  }
}

}  // namespace
}  // namespace frocket::testing
