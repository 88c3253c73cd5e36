#include "support/lambda_emulator.h"

#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "support/s3_server.h"
#include "support/subprocess.h"

namespace frocket::testing {

namespace {

namespace fs = std::filesystem;

// How long node may take to load fun and listen (an ASan build's tests beside it load the CPU).
constexpr double kStartSeconds = 20;
// fun stops its instances within this (its own exit timer is 5 s).
constexpr double kStopSeconds = 8;

}  // namespace

Result<std::unique_ptr<LambdaEmulator>> LambdaEmulator::Start(const std::string& dir,
                                                              const std::string& name,
                                                              const Environment& env,
                                                              const std::string& package_dir) {
  fs::create_directories(dir);
  std::string function_dir = package_dir;
  if (function_dir.empty()) {
    function_dir = dir + "/function";
    fs::create_directories(function_dir);
    std::error_code error;
    fs::remove(function_dir + "/bootstrap", error);
    fs::create_symlink(FrocketBinary(), function_dir + "/bootstrap", error);
    if (error) return Status::IOError("cannot link the bootstrap: " + error.message());
  }
  const std::string script = std::string(FROCKET_TESTS_SOURCE_DIR) + "/support/lambda_emulator.mjs";
  if (!fs::exists(std::string(FROCKET_NODE_MODULES_DIR) + "/@vercel/fun")) {
    return Status::NotFound(std::string(FROCKET_NODE_MODULES_DIR) +
                            "/@vercel/fun is missing: run npm install (scripts/test does)");
  }
  Environment full = env;
  full.push_back({"XDG_CACHE_HOME", dir + "/cache"});  // fun caches runtimes there
  FROCKET_ASSIGN_OR_RETURN(auto process, BackgroundProcess::Start({FROCKET_NODE_EXECUTABLE, script,
                                                                   "0", name, function_dir},
                                                                  full, dir + "/emulator.log"));
  FROCKET_ASSIGN_OR_RETURN(int port,
                           AwaitListeningPort(*process, "emulator listening on ", kStartSeconds));
  return std::unique_ptr<LambdaEmulator>(new LambdaEmulator(port, std::move(process)));
}

LambdaEmulator::~LambdaEmulator() {
  process_->Signal(SIGTERM);
  if (!process_->WaitForExit(kStopSeconds)) process_->Kill();
}

Result<nlohmann::json> LambdaEmulator::Stats() const {
  std::string body;
  FROCKET_ASSIGN_OR_RETURN(long status, HttpRequest("GET", endpoint() + "/test/stats", {}, &body));
  if (status != 200) return Status::IOError("GET /test/stats: HTTP " + std::to_string(status));
  auto stats = nlohmann::json::parse(body, nullptr, false);
  if (stats.is_discarded()) return Status::IOError("GET /test/stats: not JSON: " + body);
  return stats;
}

Result<nlohmann::json> LambdaEmulator::AwaitStat(const std::string& name, int64_t value,
                                                 double timeout_seconds) const {
  Result<nlohmann::json> stats = Status::IOError("no stats");
  WaitUntil(
      [&] {
        stats = Stats();
        return !stats.ok() || stats->value(name, int64_t{0}) >= value;
      },
      timeout_seconds);
  return stats;
}

Status LambdaEmulator::Throttle(int count) const {
  FROCKET_ASSIGN_OR_RETURN(
      long status, HttpRequest("POST", endpoint() + "/test/throttle?count=" + std::to_string(count),
                               {}, nullptr));
  if (status != 204) return Status::IOError("POST /test/throttle: HTTP " + std::to_string(status));
  return Status::OK();
}

std::vector<std::string> LambdaEmulator::AwaitReports(const std::string& request_id, size_t count,
                                                      double timeout_seconds) const {
  std::vector<std::string> lines;
  WaitUntil(
      [&] {
        lines.clear();
        std::istringstream log(process_->Log());
        std::string line;
        while (std::getline(log, line)) {
          if (line.rfind("REPORT RequestId: ", 0) == 0 &&
              line.find(" of " + request_id + " (") != std::string::npos) {
            lines.push_back(line);
          }
        }
        return lines.size() >= count;
      },
      timeout_seconds);
  return lines;
}

double ReportValue(const std::string& line, const std::string& label) {
  const size_t at = line.find(label);
  if (at == std::string::npos) return -1;
  return std::strtod(line.c_str() + at + label.size(), nullptr);
}

}  // namespace frocket::testing
