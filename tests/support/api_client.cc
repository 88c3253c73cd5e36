#include "support/api_client.h"

#include <curl/curl.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <mutex>
#include <regex>

namespace frocket::testing {

namespace {

struct Received {
  ApiResponse* response;
  const std::function<bool(const std::string&)>* on_line;
  std::string partial;  // the line being received
};

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* response = static_cast<ApiResponse*>(user);
  std::string line(data, size * count);
  const size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
    response->headers[name] = value;
  }
  return size * count;
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* r = static_cast<Received*>(user);
  const std::string piece(data, size * count);
  r->response->body += piece;
  for (char c : piece) {
    if (c != '\n') {
      r->partial += c;
      continue;
    }
    r->response->lines.push_back(r->partial);
    const bool go_on = !*r->on_line || (*r->on_line)(r->partial);
    r->partial.clear();
    if (!go_on) return 0;  // libcurl aborts the transfer: the client hangs up
  }
  return size * count;
}

int CountEntries(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return -1;
  int n = 0;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  ::closedir(d);
  return n;
}

}  // namespace

nlohmann::json ApiResponse::Json() const {
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

std::string ApiResponse::Describe() const {
  return "HTTP " + std::to_string(status) + ": " + body.substr(0, 2000);
}

ApiClient::ApiClient(int port, std::string token) : port_(port), token_(std::move(token)) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  curl_ = curl_easy_init();
}

ApiClient::~ApiClient() {
  if (curl_ != nullptr) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

Result<ApiResponse> ApiClient::Call(const std::string& method, const std::string& path,
                                    const std::string& body,
                                    const std::vector<std::string>& headers,
                                    const std::function<bool(const std::string&)>& on_line,
                                    long timeout_seconds) {
  CURL* curl = static_cast<CURL*>(curl_);
  if (curl == nullptr) return Status::IOError("cannot initialise libcurl");
  curl_easy_reset(curl);
  const std::string url = "http://127.0.0.1:" + std::to_string(port_) + path;
  ApiResponse response;
  Received received{&response, &on_line, ""};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);  // "/../" reaches the server as sent
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method == "HEAD") curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  curl_slist* list = curl_slist_append(nullptr, "Expect:");
  bool has_type = false;
  for (const auto& h : headers) {
    list = curl_slist_append(list, h.c_str());
    if (h.rfind("Content-Type", 0) == 0 || h.rfind("content-type", 0) == 0) has_type = true;
  }
  // (libcurl would otherwise send POST bodies, even empty ones, as a form.)
  if ((!body.empty() || method == "POST") && !has_type)
    list = curl_slist_append(list, "Content-Type: application/json");
  if (!token_.empty()) list = curl_slist_append(list, ("Authorization: Bearer " + token_).c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  if (!body.empty() || method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &received);
  const CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(list);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  if (code == CURLE_WRITE_ERROR && on_line) return response;  // we hung up on purpose
  if (code != CURLE_OK) {
    return Status::IOError(method + " " + url + ": " + curl_easy_strerror(code));
  }
  if (!received.partial.empty()) response.lines.push_back(received.partial);
  return response;
}

Result<std::unique_ptr<RawConnection>> RawConnection::Connect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    if (fd >= 0) ::close(fd);
    return Status::IOError("cannot connect to 127.0.0.1:" + std::to_string(port));
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return std::unique_ptr<RawConnection>(new RawConnection(fd));
}

RawConnection::~RawConnection() {
  ::close(fd_);
}

bool RawConnection::Send(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string RawConnection::ReadUntilClosed(double timeout_seconds) {
  std::string out;
  const double deadline = MonotonicSeconds() + timeout_seconds;
  char buf[65536];
  while (MonotonicSeconds() < deadline) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

Result<std::unique_ptr<ApiServerProcess>> ApiServerProcess::Start(const Environment& env,
                                                                  const std::string& log_path) {
  auto server = std::make_unique<ApiServerProcess>();
  // `serve` refuses to start without FROCKET_ALLOWED_BASEPATHS; tests that do not restrict
  // paths say so explicitly.
  Environment with_roots = env;
  if (std::none_of(env.begin(), env.end(),
                   [](const auto& e) { return e.first == "FROCKET_ALLOWED_BASEPATHS"; })) {
    with_roots.emplace_back("FROCKET_ALLOWED_BASEPATHS", "*");
  }
  FROCKET_ASSIGN_OR_RETURN(
      server->process_,
      BackgroundProcess::Start({FrocketBinary(), "serve", "--port", "0", "--host", "127.0.0.1"},
                               with_roots, log_path));
  const std::regex listening("listening on http://127\\.0\\.0\\.1:([0-9]+)");
  std::smatch match;
  std::string log;
  const bool up = WaitUntil(
      [&] {
        log = server->process_->Log();
        return std::regex_search(log, match, listening) || !server->process_->Running();
      },
      30);
  if (!up || match.empty()) {
    return Status::IOError("frocket serve did not start listening; its log:\n" + log);
  }
  server->port_ = std::stoi(match[1].str());
  return server;
}

int ApiServerProcess::OpenFiles() const {
  return CountEntries("/proc/" + std::to_string(process_->pid()) + "/fd");
}

int ApiServerProcess::Threads() const {
  return CountEntries("/proc/" + std::to_string(process_->pid()) + "/task");
}

}  // namespace frocket::testing
