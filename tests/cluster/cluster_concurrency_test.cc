// Many invokers at once on one cluster: 10 clients each submitting 5 queries (a mix) through
// the CLI while 3 workers serve them all. Every job's tasks share the one work queue, so a
// result going to the wrong job, or a worker's cache mixing up queries, would show as a wrong
// answer.
#include <thread>

#include "support/cluster_fixture.h"

namespace frocket::testing {
namespace {

using nlohmann::json;

class ClusterConcurrency : public ClusterTest {};

TEST_F(ClusterConcurrency, TenClientsFiftyQueriesAllExact) {
  constexpr int kClients = 10;
  constexpr int kQueriesPerClient = 5;
  ASSERT_NO_FATAL_FAILURE(StartWorkers(3));
  ASSERT_NO_FATAL_FAILURE(RegisterInBothModes("activity", Generate("activity", 120000, 6, 3)));
  const std::vector<std::string>& queries = ActivityQueries();
  std::vector<json> expected;
  for (const std::string& q : queries) {
    expected.push_back(EmbeddedAnswer("activity", q));
    ASSERT_FALSE(expected.back().is_null());
  }

  // Client c's k-th query is number (c * kQueriesPerClient + k) of the mix, cycling.
  std::vector<std::vector<FrocketRun>> runs(kClients);
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int k = 0; k < kQueriesPerClient; ++k) {
        const std::string& q = queries[(c * kQueriesPerClient + k) % queries.size()];
        runs[c].push_back(Cluster(RunArgs("activity", q), {}, 120));
      }
    });
  }
  for (auto& t : clients) t.join();

  int exact = 0;
  for (int c = 0; c < kClients; ++c) {
    for (int k = 0; k < kQueriesPerClient; ++k) {
      const size_t q = (c * kQueriesPerClient + k) % queries.size();
      SCOPED_TRACE("client " + std::to_string(c) + ", query " + std::to_string(q));
      const json answer = Answer(runs[c][k]);
      EXPECT_EQ(answer, expected[q]);
      EXPECT_EQ(InvokerStat(runs[c][k], "totalTasks"), 6);
      if (answer == expected[q]) ++exact;
    }
  }
  EXPECT_EQ(exact, kClients * kQueriesPerClient);
  for (const auto& w : workers_) EXPECT_TRUE(w->Running());
}

}  // namespace
}  // namespace frocket::testing
