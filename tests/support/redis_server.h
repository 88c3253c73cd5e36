// RedisServer: a private redis-server for one test, listening on 127.0.0.1 on a free port
// (below the kernel's ephemeral range, so no outgoing connection takes it while the server is
// down), without persistence, its files and log in a directory of the test's. Stopping it and
// starting another on the same port is a Redis restart that loses everything.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "support/background_process.h"

namespace frocket::testing {

class RedisServer {
 public:
  // Starts a server and waits until it answers PING. port 0: a free port of its own.
  static Result<std::unique_ptr<RedisServer>> Start(const std::string& dir, int port = 0);

  int port() const { return port_; }
  BackgroundProcess& process() { return *process_; }
  // Whether it answers PING now.
  bool Ping() const;
  // redis-cli against this server: its output, one reply element per line.
  ProcessResult Cli(const std::vector<std::string>& args) const;

 private:
  RedisServer(int port, std::unique_ptr<BackgroundProcess> process)
      : port_(port), process_(std::move(process)) {}

  int port_;
  std::unique_ptr<BackgroundProcess> process_;
};

// Whether something accepts TCP connections on 127.0.0.1:port and answers a Redis PING.
bool RedisAnswersPing(int port);

// A port on 127.0.0.1 nothing listens on now, below the ephemeral range.
int FreeLoopbackPort();

// The path of a program found on PATH ("" if none).
std::string FindProgram(const std::string& name);

}  // namespace frocket::testing
