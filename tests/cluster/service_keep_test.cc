// What a Service keeps between queries: a process that answers many (a server, `run --repeat`)
// keeps decoded parts in its memory cache; one that answers once (`frocket run`) keeps none,
// so that a part's memory is reused by the next part instead of fresh pages. Seen from the
// answer's stats: where the parts of a second query came from.
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
      for (int i = 0; i < 20; ++i) rows.push_back({p * 100 + i % 5, i});
      const std::string file = (dir_ / "data" / ("part-" + std::to_string(p) + ".parquet"));
      ASSERT_TRUE(frocket::testing::WriteRowsAsParquet(
                      {{"user", ColumnType::kInt}, {"ts", ColumnType::kInt}}, rows, file, 10)
                      .ok());
    }
  }
  void TearDown() override {
    ::unsetenv("FROCKET_HOME");
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

}  // namespace
}  // namespace frocket::service
