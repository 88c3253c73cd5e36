#include "cluster/redis_client.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <cmath>

#include "common/config.h"

namespace frocket::cluster {

namespace {

timeval ToTimeval(double seconds) {
  timeval tv;
  tv.tv_sec = static_cast<time_t>(seconds);
  tv.tv_usec = static_cast<suseconds_t>((seconds - std::floor(seconds)) * 1e6);
  return tv;
}

// "BRPOP frocket:queues:default 1" — the command and its first arguments, for messages
// (values can be long, so they are cut).
std::string CommandText(const RedisCommand& command) {
  std::string s;
  for (size_t i = 0; i < command.size() && i < 3; ++i) {
    if (i > 0) s += ' ';
    s += command[i].size() > 60 ? command[i].substr(0, 60) + "..." : command[i];
  }
  if (command.size() > 3) s += " ...";
  return s;
}

RedisReply Convert(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      out.elements.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(Convert(r->element[i]));
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::kError;
      out.str.assign(r->str, r->len);
      break;
    default:
      out.type = RedisReply::Type::kNil;
      break;
  }
  return out;
}

}  // namespace

Result<RedisEndpoint> RedisEndpoint::FromConfig(std::string_view role) {
  const std::string r(role);
  RedisEndpoint e;
  auto pick = [&](const std::string& what) {
    std::string specific = Config::Get("FROCKET_" + r + "_REDIS_" + what);
    return specific.empty() ? "FROCKET_REDIS_" + what : "FROCKET_" + r + "_REDIS_" + what;
  };
  e.host = Config::Get(pick("HOST"));
  if (e.host.empty()) return Status::Invalid(pick("HOST") + " is empty: expected a host name");
  FROCKET_ASSIGN_OR_RETURN(int64_t port, Config::Int(pick("PORT"), 1, 65535));
  FROCKET_ASSIGN_OR_RETURN(int64_t db, Config::Int(pick("DB"), 0, 1 << 20));
  e.port = static_cast<int>(port);
  e.db = static_cast<int>(db);
  return e;
}

std::string RedisEndpoint::Describe() const {
  return "Redis at " + host + ":" + std::to_string(port) + " (db " + std::to_string(db) + ")";
}

Result<std::string> ReplyString(const RedisReply& reply, std::string_view what) {
  if (reply.is_nil()) return std::string();
  if (reply.type != RedisReply::Type::kString && reply.type != RedisReply::Type::kStatus) {
    return Status::Invalid(std::string(what) + ": expected a string reply from Redis");
  }
  return reply.str;
}

Result<std::unique_ptr<RedisClient>> RedisClient::Connect(const RedisEndpoint& endpoint,
                                                          double timeout_seconds) {
  std::unique_ptr<RedisClient> client(new RedisClient(endpoint, timeout_seconds));
  FROCKET_RETURN_IF_ERROR(client->EnsureConnected());
  return client;
}

RedisClient::~RedisClient() {
  if (context_ != nullptr) redisFree(context_);
}

Status RedisClient::EnsureConnected() {
  if (context_ != nullptr) return Status::OK();
  context_ =
      redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port, ToTimeval(timeout_seconds_));
  if (context_ == nullptr) return Status::IOError(endpoint_.Describe() + ": out of memory");
  if (context_->err != 0) return ConnectionError("cannot connect");
  if (redisSetTimeout(context_, ToTimeval(timeout_seconds_)) != REDIS_OK) {
    return ConnectionError("cannot set the timeout");
  }
  if (endpoint_.db != 0) {
    auto selected = Exchange({{"SELECT", std::to_string(endpoint_.db)}}, timeout_seconds_);
    if (!selected.ok()) return selected.status();
  }
  return Status::OK();
}

Status RedisClient::ConnectionError(std::string_view what) {
  std::string reason = context_ != nullptr ? context_->errstr : "no connection";
  if (context_ != nullptr && context_->err == REDIS_ERR_IO &&
      (reason.find("temporarily unavailable") != std::string::npos ||
       reason.find("timed out") != std::string::npos)) {
    reason = "no reply within the timeout";
  }
  if (context_ != nullptr && context_->err == REDIS_ERR_EOF)
    reason = "the server closed the connection";
  if (context_ != nullptr) {
    redisFree(context_);
    context_ = nullptr;
  }
  return Status::IOError(endpoint_.Describe() + ": " + std::string(what) + ": " + reason);
}

Result<std::vector<RedisReply>> RedisClient::Exchange(const std::vector<RedisCommand>& commands,
                                                      double timeout_seconds) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const RedisCommand& c : commands) {
    argv.clear();
    lengths.clear();
    for (const std::string& a : c) {
      argv.push_back(a.data());
      lengths.push_back(a.size());
    }
    if (redisAppendCommandArgv(context_, static_cast<int>(argv.size()), argv.data(),
                               lengths.data()) != REDIS_OK) {
      return ConnectionError("cannot send " + CommandText(c));
    }
  }
  if (timeout_seconds != timeout_seconds_ &&
      redisSetTimeout(context_, ToTimeval(timeout_seconds)) != REDIS_OK) {
    return ConnectionError("cannot set the timeout");
  }
  std::vector<RedisReply> replies;
  replies.reserve(commands.size());
  Status error;
  for (const RedisCommand& c : commands) {
    void* raw = nullptr;
    if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) {
      return ConnectionError(CommandText(c));
    }
    auto* reply = static_cast<redisReply*>(raw);
    if (reply->type == REDIS_REPLY_ERROR && error.ok()) {
      error = Status::IOError(endpoint_.Describe() + ": " + CommandText(c) + ": " +
                              std::string(reply->str, reply->len));
    }
    replies.push_back(Convert(reply));
    freeReplyObject(reply);
  }
  if (timeout_seconds != timeout_seconds_ &&
      redisSetTimeout(context_, ToTimeval(timeout_seconds_)) != REDIS_OK) {
    return ConnectionError("cannot set the timeout");
  }
  if (!error.ok()) return error;
  return replies;
}

Result<RedisReply> RedisClient::Run(const RedisCommand& command) {
  FROCKET_RETURN_IF_ERROR(EnsureConnected());
  FROCKET_ASSIGN_OR_RETURN(auto replies, Exchange({command}, timeout_seconds_));
  return std::move(replies[0]);
}

Result<std::vector<RedisReply>> RedisClient::RunAll(const std::vector<RedisCommand>& commands) {
  if (commands.empty()) return std::vector<RedisReply>();
  FROCKET_RETURN_IF_ERROR(EnsureConnected());
  return Exchange(commands, timeout_seconds_);
}

Result<std::vector<RedisReply>> RedisClient::RunAtomically(
    const std::vector<RedisCommand>& commands) {
  FROCKET_RETURN_IF_ERROR(EnsureConnected());
  std::vector<RedisCommand> all;
  all.reserve(commands.size() + 2);
  all.push_back({"MULTI"});
  all.insert(all.end(), commands.begin(), commands.end());
  all.push_back({"EXEC"});
  FROCKET_ASSIGN_OR_RETURN(auto replies, Exchange(all, timeout_seconds_));
  RedisReply& exec = replies.back();
  if (exec.type != RedisReply::Type::kArray || exec.elements.size() != commands.size()) {
    return Status::IOError(endpoint_.Describe() + ": a transaction of " +
                           std::to_string(commands.size()) + " commands was not executed");
  }
  for (size_t i = 0; i < commands.size(); ++i) {
    if (exec.elements[i].type == RedisReply::Type::kError) {
      return Status::IOError(endpoint_.Describe() + ": " + CommandText(commands[i]) + ": " +
                             exec.elements[i].str);
    }
  }
  return std::move(exec.elements);
}

Result<RedisReply> RedisClient::RunBlocking(const RedisCommand& command, double block_seconds) {
  FROCKET_RETURN_IF_ERROR(EnsureConnected());
  FROCKET_ASSIGN_OR_RETURN(auto replies, Exchange({command}, block_seconds + timeout_seconds_));
  return std::move(replies[0]);
}

std::string EvictionRisk(RedisClient& client) {
  auto replies =
      client.RunAll({{"CONFIG", "GET", "maxmemory-policy"}, {"CONFIG", "GET", "maxmemory"}});
  if (!replies.ok() || replies->size() != 2) return "";
  const auto value = [](const RedisReply& r) {
    return r.elements.size() == 2 ? r.elements[1].str : std::string();
  };
  const std::string policy = value((*replies)[0]);
  const std::string maxmemory = value((*replies)[1]);
  if (policy.empty() || policy == "noeviction" || maxmemory.empty() || maxmemory == "0") return "";
  return client.endpoint().Describe() + " evicts keys when full (maxmemory " + maxmemory +
         ", maxmemory-policy " + policy +
         "): registered datasets and queued tasks could vanish. Set maxmemory-policy "
         "noeviction (or maxmemory 0)";
}

}  // namespace frocket::cluster
