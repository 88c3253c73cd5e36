// ParseInjectedFaults: FROCKET_WORKER_FAULT_INJECTION, the test-only faults of workers.
#include <gtest/gtest.h>

#include "cluster/queue_worker.h"

namespace frocket::cluster {
namespace {

TEST(InjectedFaults, ValidSpecs) {
  auto none = ParseInjectedFaults("");
  ASSERT_TRUE(none.ok()) << none.status().message();
  EXPECT_TRUE(none->empty());

  auto one = ParseInjectedFaults("part-00002@1:fail");
  ASSERT_TRUE(one.ok()) << one.status().message();
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].part_substring, "part-00002");
  EXPECT_EQ((*one)[0].attempt, 1);
  EXPECT_TRUE((*one)[0].fail);
  EXPECT_EQ((*one)[0].sleep_ms, 0);
  EXPECT_FALSE((*one)[0].kill);

  auto kill = ParseInjectedFaults("part-00003@2:kill");
  ASSERT_TRUE(kill.ok()) << kill.status().message();
  ASSERT_EQ(kill->size(), 1u);
  EXPECT_EQ((*kill)[0].attempt, 2);
  EXPECT_TRUE((*kill)[0].kill);
  EXPECT_FALSE((*kill)[0].fail);

  // Empty entries are skipped; the part may hold ':' (a URL) before the '@'.
  auto several =
      ParseInjectedFaults(";part-00001@1:sleep=3500;;s3://bucket/p-7@12:fail;x@2:sleep=0;");
  ASSERT_TRUE(several.ok()) << several.status().message();
  ASSERT_EQ(several->size(), 3u);
  EXPECT_EQ((*several)[0].part_substring, "part-00001");
  EXPECT_EQ((*several)[0].attempt, 1);
  EXPECT_FALSE((*several)[0].fail);
  EXPECT_EQ((*several)[0].sleep_ms, 3500);
  EXPECT_EQ((*several)[1].part_substring, "s3://bucket/p-7");
  EXPECT_EQ((*several)[1].attempt, 12);
  EXPECT_TRUE((*several)[1].fail);
  EXPECT_EQ((*several)[2].part_substring, "x");
  EXPECT_EQ((*several)[2].sleep_ms, 0);
  EXPECT_FALSE((*several)[2].fail);
}

TEST(InjectedFaults, InvalidSpecsAreErrorsNamingTheEntry) {
  for (const std::string entry :
       {"part-00002", "@1:fail", "part@1", "part@:fail", "part@one:fail", "part@1:explode",
        "part@1:sleep=", "part@1:sleep=long", "part@1:sleep", "part@1:FAIL", "part@1:kill=1"}) {
    SCOPED_TRACE(entry);
    // Alone, and spoiling a spec whose other entries are good.
    for (const std::string& spec :
         std::vector<std::string>{entry, "good@1:fail;" + entry + ";other@2:sleep=5"}) {
      auto faults = ParseInjectedFaults(spec);
      ASSERT_FALSE(faults.ok()) << spec;
      const std::string message = faults.status().message();
      EXPECT_NE(message.find("FROCKET_WORKER_FAULT_INJECTION"), std::string::npos) << message;
      EXPECT_NE(message.find("'" + entry + "'"), std::string::npos) << message;
      EXPECT_NE(message.find("PART_SUBSTRING@ATTEMPT:fail"), std::string::npos) << message;
    }
  }
}

}  // namespace
}  // namespace frocket::cluster
