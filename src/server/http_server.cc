#include "server/http_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "common/log.h"

namespace frocket::server {

namespace {

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Waits until fd has `events` or the deadline passes: 1 ready, 0 timed out, -1 error. Wakes
// every `slice` seconds to ask `keep_waiting`.
int WaitFor(int fd, short events, double deadline, const std::function<bool()>& keep_waiting) {
  while (true) {
    const double left = deadline - Now();
    if (left <= 0) return 0;
    if (keep_waiting && !keep_waiting()) return -1;
    pollfd p{fd, events, 0};
    const int ms = static_cast<int>(std::min(left, 0.2) * 1000) + 1;
    const int r = ::poll(&p, 1, ms);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -1;
    if (r > 0) return (p.revents & (POLLERR | POLLNVAL)) && !(p.revents & events) ? -1 : 1;
  }
}

// Where the request head ends: the offset just past its empty line, or npos.
size_t HeadEnd(const std::string& buffer, size_t* head_length) {
  for (size_t i = buffer.find('\n'); i != std::string::npos; i = buffer.find('\n', i + 1)) {
    if (i + 1 < buffer.size() && buffer[i + 1] == '\n') {
      *head_length = i + 1;
      return i + 2;
    }
    if (i + 2 < buffer.size() && buffer[i + 1] == '\r' && buffer[i + 2] == '\n') {
      *head_length = i + 1;
      return i + 3;
    }
  }
  return std::string::npos;
}

std::string PeerName(const sockaddr_storage& addr) {
  char host[INET6_ADDRSTRLEN + 1] = {0};
  int port = 0;
  if (addr.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
    ::inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
    port = ntohs(a->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
    ::inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
    port = ntohs(a->sin6_port);
  }
  return std::string(host) + ":" + std::to_string(port);
}

// Waits for bytes until the deadline and appends what came: 1 read, 0 timed out, -1 the
// connection ended (or keep_waiting said stop).
int ReadMore(int fd, double deadline, const std::function<bool()>& keep_waiting,
             std::string* buffer) {
  const int ready = WaitFor(fd, POLLIN, deadline, keep_waiting);
  if (ready != 1) return ready;
  char chunk[16384];
  const ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
  if (n <= 0) return -1;
  buffer->append(chunk, static_cast<size_t>(n));
  return 1;
}

// "1.5 s (NAME)": a timeout setting in a message.
std::string Timeout(double seconds, const char* name) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%g s (%s)", seconds, name);
  return buf;
}

// Closes a connection without resetting it: the client still reads our last answer even if
// it was sending a body we did not read. Discards what comes for at most a second.
void LingeringClose(int fd) {
  ::shutdown(fd, SHUT_WR);
  const double deadline = Now() + 1;
  char discard[16384];
  size_t total = 0;
  while (total < (8u << 20) && WaitFor(fd, POLLIN, deadline, {}) == 1) {
    const ssize_t n = ::recv(fd, discard, sizeof(discard), 0);
    if (n <= 0) break;
    total += static_cast<size_t>(n);
  }
  ::close(fd);
}

}  // namespace

std::string HttpResponder::Head(int status, std::string_view content_type,
                                const HttpHeaders& extra) {
  std::string head = "HTTP/1.1 " + std::to_string(status) + " " + ReasonPhrase(status) + "\r\n";
  if (!content_type.empty()) head += "Content-Type: " + std::string(content_type) + "\r\n";
  for (const auto& [name, value] : extra) head += name + ": " + value + "\r\n";
  head += close_after_ ? "Connection: close\r\n" : "Connection: keep-alive\r\n";
  return head;
}

bool HttpResponder::Write(std::string_view data) {
  if (failed_) return false;
  const double deadline = Now() + write_timeout_;
  while (!data.empty()) {
    const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
        WaitFor(fd_, POLLOUT, deadline, {}) == 1) {
      continue;
    }
    failed_ = true;
    close_after_ = true;
    return false;
  }
  return true;
}

void HttpResponder::Send(int status, std::string_view content_type, std::string_view body,
                         const HttpHeaders& extra) {
  if (started_) return;
  started_ = true;
  status_ = status;
  std::string out = Head(status, content_type, extra);
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  if (!head_only_) out += body;
  Write(out);
}

bool HttpResponder::BeginChunked(int status, std::string_view content_type,
                                 const HttpHeaders& extra) {
  if (started_) return false;
  started_ = true;
  status_ = status;
  HttpHeaders headers = extra;
  headers.emplace_back("Transfer-Encoding", "chunked");
  headers.emplace_back("Cache-Control", "no-store");
  headers.emplace_back("X-Content-Type-Options", "nosniff");
  return Write(Head(status, content_type, headers) + "\r\n");
}

bool HttpResponder::WriteChunk(std::string_view data) {
  if (data.empty() || head_only_) return !failed_;
  char size[32];
  std::snprintf(size, sizeof(size), "%zx\r\n", data.size());
  std::string out = size;
  out.append(data);
  out += "\r\n";
  return Write(out);
}

bool HttpResponder::EndChunked() {
  return head_only_ ? !failed_ : Write("0\r\n\r\n");
}

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler, HttpErrorResponder on_error)
    : options_(std::move(options)), handler_(std::move(handler)), on_error_(std::move(on_error)) {}

HttpServer::~HttpServer() {
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

Status HttpServer::Listen() {
  const std::string where = options_.host + ":" + std::to_string(options_.port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(options_.port);
  if (int r = ::getaddrinfo(options_.host.c_str(), port.c_str(), &hints, &found); r != 0) {
    return Status::Invalid("cannot listen on " + where + ": " + ::gai_strerror(r) +
                           " (the host must be a numeric address such as 0.0.0.0)");
  }
  const int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  const bool bound =
      fd >= 0 && ::bind(fd, found->ai_addr, found->ai_addrlen) == 0 && ::listen(fd, 512) == 0;
  const int error = errno;
  ::freeaddrinfo(found);
  if (!bound) {
    if (fd >= 0) ::close(fd);
    return Status::IOError("cannot listen on " + where + ": " + std::strerror(error));
  }
  sockaddr_storage addr{};
  socklen_t length = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
  port_ = addr.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port)
                                     : ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  listen_fd_ = fd;
  return Status::OK();
}

void HttpServer::Run() {
  while (!stopping_) {
    if (WaitFor(listen_fd_, POLLIN, Now() + 3600, [this] { return !stopping_.load(); }) != 1) {
      continue;
    }
    sockaddr_storage addr{};
    socklen_t length = sizeof(addr);
    const int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &length, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE) {
        log::Warning("http", std::string("accept: ") + std::strerror(errno));
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      continue;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (connections_.size() >= options_.max_connections) {
        HttpResponder responder(fd, 0.5, false);
        responder.set_close_after();
        on_error_(503,
                  "the server is at its limit of " + std::to_string(options_.max_connections) +
                      " connections (FROCKET_APISERVER_MAX_CONNECTIONS); retry later",
                  responder);
        ::close(fd);
        continue;
      }
      connections_.insert(fd);
    }
    std::thread([this, fd, peer = PeerName(addr)] { Serve(fd, peer); }).detach();
  }
  ::close(listen_fd_);
  listen_fd_ = -1;
  // Requests under way finish (a job's own timeouts bound them); idle connections notice
  // stopping_ within a poll slice.
  std::unique_lock<std::mutex> lock(mutex_);
  ended_.wait(lock, [this] { return connections_.empty(); });
}

void HttpServer::Stop() {
  stopping_ = true;
}

bool HttpServer::ReadRequest(int fd, std::string* buffer, bool first, HttpRequest* request) {
  const double start = Now();
  const double idle_deadline =
      start + (first ? options_.header_timeout : options_.keep_alive_timeout);
  double head_deadline = buffer->empty() ? 0 : start + options_.header_timeout;
  auto answer = [&](int status, const std::string& message) {
    HttpResponder responder(fd, options_.write_timeout, false);
    responder.set_close_after();
    on_error_(status, message, responder);
    log::Info("http", request->peer + ": " + std::to_string(status) + " " + message);
    return false;
  };
  size_t head_length = 0;
  size_t head_end = std::string::npos;
  while (true) {
    // Empty lines before a request line are allowed (RFC 9112 section 2.2).
    while (!buffer->empty() && ((*buffer)[0] == '\r' || (*buffer)[0] == '\n')) buffer->erase(0, 1);
    head_end = HeadEnd(*buffer, &head_length);
    if (head_end != std::string::npos) break;
    if (buffer->size() > options_.max_header_bytes) {
      return answer(431, "request line and headers longer than " +
                             std::to_string(options_.max_header_bytes) + " bytes");
    }
    if (!buffer->empty() && head_deadline == 0) head_deadline = Now() + options_.header_timeout;
    const bool idle = buffer->empty();
    const int read = ReadMore(
        fd, idle ? idle_deadline : head_deadline, [this, idle] { return !(idle && stopping_); },
        buffer);
    if (read == 0 && !idle) {
      return answer(408, "the request line and headers did not arrive within " +
                             Timeout(options_.header_timeout, "FROCKET_APISERVER_HEADER_TIMEOUT"));
    }
    if (read != 1) return false;
  }
  if (head_length > options_.max_header_bytes) {
    return answer(431, "request line and headers longer than " +
                           std::to_string(options_.max_header_bytes) + " bytes");
  }
  if (auto error = ParseRequestHead(std::string_view(*buffer).substr(0, head_length), request)) {
    return answer(error->status, error->message);
  }
  buffer->erase(0, head_end);
  if (request->content_length > options_.max_body_bytes) {
    return answer(413, "the request body of " + std::to_string(request->content_length) +
                           " bytes is over the limit of " +
                           std::to_string(options_.max_body_bytes) +
                           " bytes (FROCKET_APISERVER_MAX_BODY_BYTES)");
  }
  if (request->expects_continue && request->content_length > buffer->size()) {
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    if (::send(fd, kContinue.data(), kContinue.size(), MSG_NOSIGNAL) < 0) return false;
  }
  const double body_deadline = Now() + options_.body_timeout;
  while (buffer->size() < request->content_length) {
    const int read = ReadMore(fd, body_deadline, {}, buffer);
    if (read == 0) {
      return answer(408, "the request body (" + std::to_string(request->content_length) +
                             " bytes announced, " + std::to_string(buffer->size()) +
                             " received) did not arrive within " +
                             Timeout(options_.body_timeout, "FROCKET_APISERVER_BODY_TIMEOUT"));
    }
    if (read != 1) return false;
  }
  request->body = buffer->substr(0, request->content_length);
  buffer->erase(0, request->content_length);
  return true;
}

void HttpServer::Serve(int fd, std::string peer) {
  std::string buffer;
  bool first = true;
  while (!stopping_ || !buffer.empty()) {
    HttpRequest request;
    request.peer = peer;
    if (!ReadRequest(fd, &buffer, first, &request)) break;
    first = false;
    HttpResponder responder(fd, options_.write_timeout, request.method == "HEAD");
    if (!request.keep_alive || stopping_) responder.set_close_after();
    try {
      handler_(request, responder);
    } catch (const std::exception& e) {
      log::Error("http", peer + " " + request.method + " " + request.target + ": " + e.what());
      if (!responder.started())
        on_error_(500, std::string("internal error: ") + e.what(), responder);
      responder.set_close_after();
    }
    if (!responder.started()) on_error_(500, "the request was not answered", responder);
    if (responder.close_after() || responder.failed()) break;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    connections_.erase(fd);
    ended_.notify_all();
  }
  // Touches nothing of this server: Run may have returned.
  LingeringClose(fd);
}

}  // namespace frocket::server
