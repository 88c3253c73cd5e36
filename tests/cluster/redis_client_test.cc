// RedisClient against a real redis-server of the test's own: replies, error replies as
// Status values naming the command and server, transactions and pipelines, binary values,
// blocking pops, and what happens when the server is missing, frozen or restarted.
#include "cluster/redis_client.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <cstring>
#include <filesystem>

#include "support/redis_server.h"
#include "support/temp_dir.h"

namespace frocket::cluster {
namespace {

using frocket::testing::MonotonicSeconds;
using frocket::testing::RedisServer;

class RedisClientOnRealServer : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(temp_.ok()) << std::strerror(errno);
    dir_ = temp_.path();
    auto server = RedisServer::Start(dir_ + "/redis");
    ASSERT_TRUE(server.ok()) << server.status().message();
    server_ = std::move(*server);
  }
  void TearDown() override { server_.reset(); }

  frocket::testing::TempDir temp_{"frocket-redis"};

  RedisEndpoint Endpoint(int db = 0) const {
    RedisEndpoint e;
    e.host = "127.0.0.1";
    e.port = server_->port();
    e.db = db;
    return e;
  }
  std::unique_ptr<RedisClient> Connect(double timeout_seconds = 5, int db = 0) const {
    auto client = RedisClient::Connect(Endpoint(db), timeout_seconds);
    EXPECT_TRUE(client.ok()) << client.status().message();
    return client.ok() ? std::move(*client) : nullptr;
  }
  // "Redis at 127.0.0.1:PORT": what every error must name.
  std::string Where() const { return "Redis at 127.0.0.1:" + std::to_string(server_->port()); }

  std::string dir_;
  std::unique_ptr<RedisServer> server_;
};

TEST_F(RedisClientOnRealServer, RepliesOfEachType) {
  auto redis = Connect();
  ASSERT_NE(redis, nullptr);
  auto set = redis->Run({"SET", "k", "v"});
  ASSERT_TRUE(set.ok()) << set.status().message();
  EXPECT_EQ(set->type, RedisReply::Type::kStatus);
  EXPECT_EQ(set->str, "OK");
  auto incr = redis->Run({"INCRBY", "n", "41"});
  ASSERT_TRUE(incr.ok());
  EXPECT_EQ(incr->type, RedisReply::Type::kInteger);
  EXPECT_EQ(incr->integer, 41);
  auto missing = redis->Run({"GET", "nothing"});
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(missing->is_nil());
  ASSERT_TRUE(redis->Run({"RPUSH", "list", "a", "b", "c"}).ok());
  auto range = redis->Run({"LRANGE", "list", "0", "-1"});
  ASSERT_TRUE(range.ok());
  ASSERT_EQ(range->type, RedisReply::Type::kArray);
  ASSERT_EQ(range->elements.size(), 3u);
  EXPECT_EQ(range->elements[2].str, "c");
  // Values are binary-safe: NUL bytes and protocol characters pass unchanged.
  const std::string binary("a\0b\r\n$3\r\n*\xff", 12);
  ASSERT_TRUE(redis->Run({"SET", binary, binary}).ok());
  auto got = redis->Run({"GET", binary});
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->str, binary);
}

TEST_F(RedisClientOnRealServer, ErrorReplyIsAStatusNamingTheCommandAndServer) {
  auto redis = Connect();
  ASSERT_NE(redis, nullptr);
  ASSERT_TRUE(redis->Run({"SET", "text", "not a number"}).ok());
  auto incr = redis->Run({"INCR", "text"});
  ASSERT_FALSE(incr.ok());
  const std::string message = incr.status().message();
  EXPECT_NE(message.find(Where()), std::string::npos) << message;
  EXPECT_NE(message.find("INCR text"), std::string::npos) << message;
  EXPECT_NE(message.find("not an integer"), std::string::npos) << message;
  // Long arguments are cut in messages.
  auto hset = redis->Run({"HSET", "text", std::string(1000, 'f'), "v"});
  ASSERT_FALSE(hset.ok());
  EXPECT_NE(hset.status().message().find("WRONGTYPE"), std::string::npos);
  EXPECT_LT(hset.status().message().size(), 400u) << hset.status().message();
  // The connection is still good after an error reply.
  auto get = redis->Run({"GET", "text"});
  ASSERT_TRUE(get.ok()) << get.status().message();
  EXPECT_EQ(get->str, "not a number");
}

TEST_F(RedisClientOnRealServer, PipelineRepliesInOrderAndErrorsNameTheirCommand) {
  auto redis = Connect();
  ASSERT_NE(redis, nullptr);
  auto replies = redis->RunAll({{"SET", "a", "1"}, {"INCR", "a"}, {"GET", "a"}});
  ASSERT_TRUE(replies.ok()) << replies.status().message();
  ASSERT_EQ(replies->size(), 3u);
  EXPECT_EQ((*replies)[1].integer, 2);
  EXPECT_EQ((*replies)[2].str, "2");
  auto failed = redis->RunAll({{"INCR", "a"}, {"LPUSH", "a", "x"}, {"INCR", "a"}});
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("LPUSH a x"), std::string::npos)
      << failed.status().message();
  // A pipeline is not atomic: the commands around the failing one ran.
  EXPECT_EQ(server_->Cli({"GET", "a"}).out, "4\n");
  EXPECT_TRUE(redis->RunAll({}).ok());
}

TEST_F(RedisClientOnRealServer, RunAtomically) {
  auto redis = Connect();
  ASSERT_NE(redis, nullptr);
  auto replies = redis->RunAtomically(
      {{"SET", "k", "v"}, {"INCR", "n"}, {"INCR", "n"}, {"GET", "k"}, {"EXPIRE", "k", "100"}});
  ASSERT_TRUE(replies.ok()) << replies.status().message();
  ASSERT_EQ(replies->size(), 5u);
  EXPECT_EQ((*replies)[0].str, "OK");
  EXPECT_EQ((*replies)[1].integer, 1);
  EXPECT_EQ((*replies)[2].integer, 2);
  EXPECT_EQ((*replies)[3].str, "v");
  EXPECT_EQ((*replies)[4].integer, 1);

  // A command Redis rejects when queueing aborts the whole transaction: nothing runs.
  auto aborted = redis->RunAtomically({{"SET", "k", "changed"}, {"SET", "k"}, {"INCR", "n"}});
  ASSERT_FALSE(aborted.ok());
  EXPECT_NE(aborted.status().message().find(Where()), std::string::npos);
  EXPECT_NE(aborted.status().message().find("SET k"), std::string::npos)
      << aborted.status().message();
  EXPECT_EQ(server_->Cli({"GET", "k"}).out, "v\n");
  EXPECT_EQ(server_->Cli({"GET", "n"}).out, "2\n");

  // A command failing when run is an error naming it.
  auto failed = redis->RunAtomically({{"INCR", "n"}, {"INCR", "k"}});
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("INCR k"), std::string::npos)
      << failed.status().message();
  // And the connection is usable afterwards (no transaction left open).
  auto after = redis->Run({"GET", "k"});
  ASSERT_TRUE(after.ok()) << after.status().message();
  EXPECT_EQ(after->str, "v");
}

TEST_F(RedisClientOnRealServer, SelectsTheEndpointsDatabase) {
  auto redis = Connect(5, 3);
  ASSERT_NE(redis, nullptr);
  ASSERT_TRUE(redis->Run({"SET", "in-db-3", "yes"}).ok());
  EXPECT_EQ(server_->Cli({"-n", "3", "GET", "in-db-3"}).out, "yes\n");
  EXPECT_EQ(server_->Cli({"-n", "0", "EXISTS", "in-db-3"}).out, "0\n");
}

TEST_F(RedisClientOnRealServer, BlockingPopWaitsForItsOwnTimeout) {
  auto redis = Connect(1);
  ASSERT_NE(redis, nullptr);
  // Blocking longer than the client's timeout is fine: the command's own time is added.
  const double start = MonotonicSeconds();
  auto empty = redis->RunBlocking({"BLPOP", "queue", "1.5"}, 1.5);
  ASSERT_TRUE(empty.ok()) << empty.status().message();
  EXPECT_TRUE(empty->is_nil());
  EXPECT_GE(MonotonicSeconds() - start, 1.4);
  ASSERT_TRUE(redis->Run({"RPUSH", "queue", "task"}).ok());
  auto popped = redis->RunBlocking({"BLPOP", "queue", "1"}, 1);
  ASSERT_TRUE(popped.ok()) << popped.status().message();
  ASSERT_EQ(popped->elements.size(), 2u);
  EXPECT_EQ(popped->elements[1].str, "task");
}

TEST_F(RedisClientOnRealServer, ConnectingToAClosedPortNamesTheServer) {
  RedisEndpoint nobody;
  nobody.host = "127.0.0.1";
  nobody.port = frocket::testing::FreeLoopbackPort();
  const double start = MonotonicSeconds();
  auto client = RedisClient::Connect(nobody, 5);
  ASSERT_FALSE(client.ok());
  EXPECT_LT(MonotonicSeconds() - start, 2);
  const std::string message = client.status().message();
  EXPECT_NE(message.find("127.0.0.1:" + std::to_string(nobody.port)), std::string::npos) << message;
  EXPECT_NE(message.find("cannot connect"), std::string::npos) << message;
}

TEST_F(RedisClientOnRealServer, FrozenServerIsATimeoutNotAHang) {
  auto redis = Connect(0.5);
  ASSERT_NE(redis, nullptr);
  ASSERT_TRUE(server_->process().Signal(SIGSTOP));
  const double start = MonotonicSeconds();
  auto frozen = redis->Run({"SET", "k", "v"});
  const double took = MonotonicSeconds() - start;
  ASSERT_TRUE(server_->process().Signal(SIGCONT));
  ASSERT_FALSE(frozen.ok());
  EXPECT_GE(took, 0.4);
  EXPECT_LT(took, 3);
  const std::string message = frozen.status().message();
  EXPECT_NE(message.find(Where()), std::string::npos) << message;
  EXPECT_NE(message.find("no reply within the timeout"), std::string::npos) << message;
  // Thawed, the next command works (on a new connection).
  auto thawed = redis->Run({"PING"});
  EXPECT_TRUE(thawed.ok()) << thawed.status().message();
}

TEST_F(RedisClientOnRealServer, ReconnectsAfterTheServerRestarts) {
  auto idle = Connect();  // no command while the server is down
  auto busy = Connect();  // commands while it is down
  ASSERT_NE(idle, nullptr);
  ASSERT_NE(busy, nullptr);
  ASSERT_TRUE(busy->Run({"SET", "k", "v"}).ok());
  const int port = server_->port();
  server_->process().Kill();

  auto down = busy->Run({"GET", "k"});
  ASSERT_FALSE(down.ok());
  EXPECT_NE(down.status().message().find(Where()), std::string::npos) << down.status().message();
  auto still_down = busy->Run({"GET", "k"});
  ASSERT_FALSE(still_down.ok());
  EXPECT_NE(still_down.status().message().find("cannot connect"), std::string::npos)
      << still_down.status().message();

  auto restarted = RedisServer::Start(dir_ + "/redis-again", port);
  ASSERT_TRUE(restarted.ok()) << restarted.status().message();
  server_ = std::move(*restarted);
  // The client that noticed reconnects on its next command; the data is gone (no persistence).
  auto back = busy->Run({"GET", "k"});
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_TRUE(back->is_nil());
  // The idle client's connection broke unnoticed: its first command may fail, naming the
  // server, and the next reconnects.
  auto first = idle->Run({"SET", "after", "1"});
  if (!first.ok()) {
    EXPECT_NE(first.status().message().find(Where()), std::string::npos)
        << first.status().message();
    first = idle->Run({"SET", "after", "1"});
  }
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(server_->Cli({"GET", "after"}).out, "1\n");
}

}  // namespace
}  // namespace frocket::cluster
