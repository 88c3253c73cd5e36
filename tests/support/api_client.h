// Talking to `frocket serve` from tests: the server started as a background process on a
// free loopback port, a libcurl client that also sees headers and the body piece by piece as
// it arrives (for streamed responses), and a raw TCP connection for what no well-behaved
// client would send.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "support/background_process.h"
#include "support/subprocess.h"

namespace frocket::testing {

struct ApiResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lower-case
  std::string body;
  std::vector<std::string> lines;  // the body's lines, for streamed responses
  // The body as JSON (discarded if it is not JSON).
  nlohmann::json Json() const;
  std::string Describe() const;
};

class ApiClient {
 public:
  explicit ApiClient(int port, std::string token = "");
  ~ApiClient();
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  // One request; JSON bodies are sent as application/json unless `headers` say otherwise.
  // on_line, when given, sees each line of the body as soon as it is complete; returning
  // false hangs up there (a client leaving mid-stream).
  Result<ApiResponse> Call(const std::string& method, const std::string& path,
                           const std::string& body = "",
                           const std::vector<std::string>& headers = {},
                           const std::function<bool(const std::string&)>& on_line = {},
                           long timeout_seconds = 60);
  Result<ApiResponse> Get(const std::string& path) { return Call("GET", path); }
  Result<ApiResponse> Post(const std::string& path, const std::string& body) {
    return Call("POST", path, body);
  }

 private:
  int port_;
  std::string token_;
  void* curl_;
};

// A plain TCP connection to 127.0.0.1:port.
class RawConnection {
 public:
  static Result<std::unique_ptr<RawConnection>> Connect(int port);
  ~RawConnection();
  bool Send(std::string_view bytes);
  // Reads until the peer closes or timeout_seconds pass; what came.
  std::string ReadUntilClosed(double timeout_seconds);

 private:
  explicit RawConnection(int fd) : fd_(fd) {}
  int fd_;
};

// `frocket serve --port 0 --host 127.0.0.1` with `env`; its port read from its log.
class ApiServerProcess {
 public:
  static Result<std::unique_ptr<ApiServerProcess>> Start(const Environment& env,
                                                         const std::string& log_path);
  int port() const { return port_; }
  BackgroundProcess& process() { return *process_; }
  // Open file descriptors and threads of the server process (from /proc).
  int OpenFiles() const;
  int Threads() const;

 private:
  std::unique_ptr<BackgroundProcess> process_;
  int port_ = 0;
};

}  // namespace frocket::testing
