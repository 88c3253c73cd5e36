// What a Service keeps between queries: a process that answers many (a server, `run --repeat`)
// keeps decoded parts in its memory cache; one that answers once (`frocket run`) keeps none,
// so that a part's memory is reused by the next part instead of fresh pages. Seen from the
// answer's stats: where the parts of a second query came from. With the transcoded cache, a
// new process's parts come from it, and answer as the files do.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "service/response.h"
#include "service/service.h"
#include "support/inline_part.h"

namespace frocket::service {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class ServiceKeep : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::setenv("FROCKET_HOME", (dir_ / "home").c_str(), 1), 0);
    fs::create_directories(dir_ / "data");
    for (int p = 0; p < kParts; ++p) {
      json rows = json::array();
      // Backwards in time: a part must put them in order.
      for (int i = 19; i >= 0; --i) rows.push_back({p * 100 + i % 5, i});
      const std::string file = (dir_ / "data" / ("part-" + std::to_string(p) + ".parquet"));
      ASSERT_TRUE(frocket::testing::WriteRowsAsParquet(
                      {{"user", ColumnType::kInt}, {"ts", ColumnType::kInt}}, rows, file, 10)
                      .ok());
    }
  }
  void TearDown() override {
    ::unsetenv("FROCKET_HOME");
    ::unsetenv("FROCKET_TRANSCODED_CACHE_SIZE_MB");
    fs::remove_all(dir_);
  }

  // Registers the dataset, then runs the empty query twice: the second run's cache stats.
  json SecondRunCache(Service::Keep keep) {
    auto service = Service::Create(keep);
    EXPECT_TRUE(service.ok()) << service.status().message();
    if (!service.ok()) return {};
    dataset::RegisterArgs args;
    args.name = "events";
    args.basepath = (dir_ / "data").string();
    args.group_id_column = "user";
    args.timestamp_column = "ts";
    const RegisterOutcome registered = (*service)->Register(args);
    EXPECT_TRUE(registered.value.ok()) << registered.value.status().message();
    json answer;
    for (int run = 0; run < 2; ++run) {
      const QueryOutcome outcome = (*service)->Query("events", "{}");
      EXPECT_TRUE(outcome.value.ok()) << outcome.value.status().message();
      answer = json::parse(Response(outcome).dump());
      EXPECT_EQ(answer["query"]["matchingGroups"], 5 * kParts) << answer.dump();
    }
    return answer["stats"]["worker"]["cache"];
  }

  // A new service (as a new process would make) answering `query`.
  json QueryOnce(const std::string& query, bool register_first) {
    auto service = Service::Create(Service::Keep::kNothing);
    EXPECT_TRUE(service.ok()) << service.status().message();
    if (!service.ok()) return {};
    if (register_first) {
      dataset::RegisterArgs args{.name = "events",
                                 .basepath = (dir_ / "data").string(),
                                 .group_id_column = "user",
                                 .timestamp_column = "ts"};
      EXPECT_TRUE((*service)->Register(args).value.ok());
    }
    const QueryOutcome outcome = (*service)->Query("events", query);
    EXPECT_TRUE(outcome.value.ok()) << outcome.value.status().message();
    return json::parse(Response(outcome).dump());
  }

  static constexpr int kParts = 3;
  const fs::path dir_ =
      fs::temp_directory_path() / ("frocket-service-keep-" + std::to_string(::getpid()));
};

TEST_F(ServiceKeep, PartsAreKeptForTheNextQuery) {
  const json cache = SecondRunCache(Service::Keep::kParts);
  EXPECT_EQ(cache["memoryCache"], kParts) << cache.dump();
  EXPECT_EQ(cache["source"], 0) << cache.dump();
}

TEST_F(ServiceKeep, NothingIsKeptByAProcessThatAnswersOnce) {
  const json cache = SecondRunCache(Service::Keep::kNothing);
  EXPECT_EQ(cache["memoryCache"], 0) << cache.dump();
  EXPECT_EQ(cache["source"], kParts) << cache.dump();
}

TEST_F(ServiceKeep, TranscodedPartsServeTheNextProcess) {
  ASSERT_EQ(::setenv("FROCKET_TRANSCODED_CACHE_SIZE_MB", "64", 1), 0);
  // In each part, user 3 (i % 5 == 3) has the rows at times 3 and 8: forwards it converts,
  // backwards it does not.
  const std::string forwards =
      R"({"funnel": {"sequence": [{"filter": ["ts", "==", 3]}, {"filter": ["ts", "==", 8]}]}})";
  const std::string backwards =
      R"({"funnel": {"sequence": [{"filter": ["ts", "==", 8]}, {"filter": ["ts", "==", 3]}]}})";
  for (int run = 0; run < 3; ++run) {
    const json f = QueryOnce(forwards, run == 0);
    EXPECT_EQ(f["funnel"]["sequence"][0]["matchingGroups"], kParts) << f.dump();
    EXPECT_EQ(f["funnel"]["sequence"][1]["matchingGroups"], kParts) << f.dump();
    const json cache = f["stats"]["worker"]["cache"];
    EXPECT_EQ(cache["source"], run == 0 ? kParts : 0) << cache.dump();
    EXPECT_EQ(cache["transcodedCache"], run == 0 ? 0 : kParts) << cache.dump();
    const json b = QueryOnce(backwards, false);
    EXPECT_EQ(b["funnel"]["sequence"][0]["matchingGroups"], kParts) << b.dump();
    EXPECT_EQ(b["funnel"]["sequence"][1]["matchingGroups"], 0) << b.dump();
    EXPECT_EQ(b["stats"]["worker"]["cache"]["transcodedCache"], kParts) << b.dump();
  }
  EXPECT_TRUE(fs::exists(dir_ / "home" / "transcoded-cache"));
}

}  // namespace
}  // namespace frocket::service
