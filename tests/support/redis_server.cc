#include "support/redis_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <random>

namespace frocket::testing {

namespace {

// Ports tried are drawn from here: under Linux's default ephemeral range (32768-60999).
constexpr int kFirstPort = 20000;
constexpr int kLastPort = 32000;
// How long a server may take to answer its first PING (an ASan-built test beside others).
constexpr double kStartSeconds = 10;

sockaddr_in Loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

}  // namespace

std::string FindProgram(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    const std::string candidate = dirs.substr(start, end - start) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return "";
}

int FreeLoopbackPort() {
  static thread_local std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> pick(kFirstPort, kLastPort);
  for (int tries = 0; tries < 1000; ++tries) {
    const int port = pick(rng);
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    sockaddr_in addr = Loopback(port);
    const bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    ::close(fd);
    if (free) return port;
  }
  return 0;
}

bool RedisAnswersPing(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  timeval timeout{0, 500000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  sockaddr_in addr = Loopback(port);
  bool pong = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    static const char kPing[] = "*1\r\n$4\r\nPING\r\n";
    char reply[16] = {};
    if (::write(fd, kPing, sizeof(kPing) - 1) == sizeof(kPing) - 1 &&
        ::read(fd, reply, sizeof(reply) - 1) > 0) {
      pong = std::string(reply).rfind("+PONG", 0) == 0;
    }
  }
  ::close(fd);
  return pong;
}

Result<std::unique_ptr<RedisServer>> RedisServer::Start(const std::string& dir, int port) {
  const std::string server = FindProgram("redis-server");
  if (server.empty()) {
    return Status::NotFound("redis-server is not installed (scripts/install-deps test)");
  }
  std::filesystem::create_directories(dir);
  std::string last_log;
  // A port chosen free can be taken by a test running beside this one before the server
  // binds it: then another is tried. A given port (a restart) is tried until it is free.
  for (int attempt = 0; attempt < 20; ++attempt) {
    const int p = port != 0 ? port : FreeLoopbackPort();
    const std::string log = dir + "/redis-" + std::to_string(p) + ".log";
    FROCKET_ASSIGN_OR_RETURN(
        auto process, BackgroundProcess::Start({server, "--port", std::to_string(p), "--bind",
                                                "127.0.0.1", "--save", "", "--appendonly", "no",
                                                "--dir", dir, "--daemonize", "no", "--logfile", ""},
                                               {}, log));
    const bool up =
        WaitUntil([&] { return !process->Running() || RedisAnswersPing(p); }, kStartSeconds) &&
        process->Running();
    if (up) return std::unique_ptr<RedisServer>(new RedisServer(p, std::move(process)));
    process->Kill();
    last_log = process->Log();
    if (port != 0) SleepForSeconds(0.25);
  }
  return Status::IOError("redis-server did not start; its last log:\n" + last_log);
}

bool RedisServer::Ping() const {
  return RedisAnswersPing(port_);
}

ProcessResult RedisServer::Cli(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {FindProgram("redis-cli"), "-h", "127.0.0.1", "-p",
                                   std::to_string(port_)};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProcess(argv, 30);
}

}  // namespace frocket::testing
