// HttpServer: an HTTP/1.1 server for the API, one thread per connection, built to stay up
// under untrusted clients:
//
// - a client has header_timeout seconds, from its request's first byte, to send the request
//   line and headers, however it trickles them (slowloris), and body_timeout for the body;
// - heads over max_header_bytes get 431, bodies over max_body_bytes 413 (before reading
//   them); malformed requests get the status HttpRequest's parser names;
// - at most max_connections connections are served at once; more get 503 and are closed;
// - writes give up after write_timeout when the client stops reading, and a client that went
//   away is seen as a failed write: streaming handlers stop, nothing else is affected.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "server/http_request.h"

namespace frocket::server {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// What a handler answers with: a whole response, or a chunked stream.
class HttpResponder {
 public:
  HttpResponder(int fd, double write_timeout, bool head_only)
      : fd_(fd), write_timeout_(write_timeout), head_only_(head_only) {}

  // The whole response, with Content-Length.
  void Send(int status, std::string_view content_type, std::string_view body,
            const HttpHeaders& extra = {});
  // A streamed response (Transfer-Encoding: chunked): the head now, then chunks, then the
  // end. Each returns false once the client is gone; later calls do nothing.
  bool BeginChunked(int status, std::string_view content_type, const HttpHeaders& extra = {});
  bool WriteChunk(std::string_view data);
  bool EndChunked();

  bool started() const { return started_; }
  bool failed() const { return failed_; }
  int status() const { return status_; }
  // Whether the connection must close after this response.
  bool close_after() const { return close_after_; }
  void set_close_after() { close_after_ = true; }

 private:
  bool Write(std::string_view data);
  std::string Head(int status, std::string_view content_type, const HttpHeaders& extra);

  int fd_;
  double write_timeout_;
  bool head_only_;
  bool started_ = false;
  bool failed_ = false;
  bool close_after_ = false;
  int status_ = 0;
};

using HttpHandler = std::function<void(const HttpRequest&, HttpResponder&)>;
// Renders the body of an error the server answers by itself (malformed request, timeouts).
using HttpErrorResponder =
    std::function<void(int status, const std::string& message, HttpResponder&)>;

struct HttpServerOptions {
  std::string host = "0.0.0.0";
  int port = 5000;  // 0: any free port (see HttpServer::port())
  size_t max_connections = 1024;
  size_t max_header_bytes = 16384;
  size_t max_body_bytes = 1 << 20;
  double header_timeout = 10;
  double body_timeout = 30;
  double keep_alive_timeout = 15;
  double write_timeout = 30;
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandler handler, HttpErrorResponder on_error);
  ~HttpServer();

  // Binds and listens; an error names the address.
  Status Listen();
  int port() const { return port_; }
  // Accepts connections until Stop(); returns when every connection has ended.
  void Run();
  // From any thread (or a signal-watching one): stops accepting, closes idle connections and
  // cuts the others off.
  void Stop();

 private:
  void Serve(int fd, std::string peer);
  // Reads one request; false when the connection should close (after any error answer).
  bool ReadRequest(int fd, std::string* buffer, bool first, HttpRequest* request);

  HttpServerOptions options_;
  HttpHandler handler_;
  HttpErrorResponder on_error_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable ended_;
  std::set<int> connections_;
};

}  // namespace frocket::server
