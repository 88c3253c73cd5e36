// RedisClient: one connection to Redis (RESP2, through Debian's hiredis), used by the Redis
// datastore, the blobstore, the work-queue invoker and workers. Every command has a timeout,
// so a stopped or unreachable Redis is an error naming the server and the command, never a
// hang. A broken connection is dropped and made again on the next command.
//
// Not thread-safe: one client per thread (connections are cheap).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

struct redisContext;

namespace frocket::cluster {

// Where a Redis role (datastore or blobstore) lives: FROCKET_<ROLE>_REDIS_HOST/PORT/DB, each
// falling back to FROCKET_REDIS_HOST/PORT/DB as in Funnel Rocket.
struct RedisEndpoint {
  std::string host = "localhost";
  int port = 6379;
  int db = 0;

  // role: "DATASTORE" or "BLOBSTORE".
  static Result<RedisEndpoint> FromConfig(std::string_view role);
  // "Redis at localhost:6379 (db 0)", for messages.
  std::string Describe() const;
};

struct RedisReply {
  enum class Type { kNil, kString, kInteger, kArray, kStatus, kError };
  Type type = Type::kNil;
  std::string str;  // kString, kStatus and kError
  int64_t integer = 0;
  std::vector<RedisReply> elements;

  bool is_nil() const { return type == Type::kNil; }
};

using RedisCommand = std::vector<std::string>;

class RedisClient {
 public:
  // Connects (and selects the endpoint's db). timeout_seconds bounds connecting and every
  // command's reply.
  static Result<std::unique_ptr<RedisClient>> Connect(const RedisEndpoint& endpoint,
                                                      double timeout_seconds = 5);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  const RedisEndpoint& endpoint() const { return endpoint_; }

  // One command; an error reply from Redis is an error Status naming the command.
  Result<RedisReply> Run(const RedisCommand& command);
  // Several commands sent at once, replies in order (a pipeline: not atomic).
  Result<std::vector<RedisReply>> RunAll(const std::vector<RedisCommand>& commands);
  // Several commands as one MULTI/EXEC transaction: no other client's command runs between
  // them, and none runs if Redis rejects one when queueing it (a command failing while it runs
  // does not undo the others: Redis has no rollback). The replies of each.
  Result<std::vector<RedisReply>> RunAtomically(const std::vector<RedisCommand>& commands);
  // A blocking command (BLPOP, BRPOP) whose own timeout argument is block_seconds: waits up to
  // that long for a reply, plus the usual timeout.
  Result<RedisReply> RunBlocking(const RedisCommand& command, double block_seconds);

 private:
  RedisClient(RedisEndpoint endpoint, double timeout_seconds)
      : endpoint_(std::move(endpoint)), timeout_seconds_(timeout_seconds) {}

  // Connects if there is no usable connection.
  Status EnsureConnected();
  // The error for a failed exchange; drops the connection, which is unusable after it.
  Status ConnectionError(std::string_view what);
  Result<std::vector<RedisReply>> Exchange(const std::vector<RedisCommand>& commands,
                                           double timeout_seconds);

  RedisEndpoint endpoint_;
  double timeout_seconds_;
  redisContext* context_ = nullptr;
};

// A reply's string; an error if it is not a string (or nil, which gives "").
Result<std::string> ReplyString(const RedisReply& reply, std::string_view what);

// What makes this Redis evict keys when it is full — a maxmemory limit with a policy other
// than noeviction — as a sentence for a warning; "" when it never evicts or cannot tell (CONFIG
// is disabled on some managed services). Evicted keys are registered datasets and queued
// tasks vanishing without a trace.
std::string EvictionRisk(RedisClient& client);

}  // namespace frocket::cluster
