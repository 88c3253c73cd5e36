// `frocket serve`: the HTTP API server (server/api_server.h) until SIGTERM or SIGINT.

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "cli/commands.h"
#include "cluster/datastore.h"
#include "common/config.h"
#include "common/log.h"
#include "server/api_server.h"

namespace frocket::cli {

namespace {

std::atomic<bool> stop_requested{false};

extern "C" void RequestServerStop(int) {
  stop_requested.store(true);
}

// port: --port, else APISERVER_PORT (default 5000); 0 picks a free port. host: --host, else
// FROCKET_APISERVER_HOST. Prints "listening on http://HOST:PORT" on stderr once ready.
int RunServe(std::optional<int> port, std::optional<std::string> host) {
  auto fail = [](const std::string& message) {
    std::fprintf(stderr, "frocket: error: %s\n", message.c_str());
    return 1;
  };
  auto options = server::HttpOptionsFromConfig();
  if (!options.ok()) return fail(options.status().message());
  if (port) {
    options->port = *port;
  } else {
    auto configured = Config::Int("APISERVER_PORT", 0, 65535);
    if (!configured.ok()) return fail(configured.status().message());
    options->port = static_cast<int>(*configured);
  }
  if (options->port < 0 || options->port > 65535) {
    return fail("--port " + std::to_string(options->port) + " is not a TCP port (0-65535)");
  }
  options->host = host ? *host : Config::Get("FROCKET_APISERVER_HOST");
  auto settings = server::ApiSettings::FromConfig();
  if (!settings.ok()) return fail(settings.status().message());
  // Without roots, registration errors would tell a client which files exist anywhere on
  // this machine, their sizes and tail bytes: an explicit choice, "*" at the least.
  if (!settings->allowed_roots.configured()) {
    return fail(
        "FROCKET_ALLOWED_BASEPATHS is not set: set it to the directories and s3:// prefixes "
        "clients may register datasets from (comma-separated), or to * to allow any path this "
        "process can read");
  }
  const bool open_paths = !settings->allowed_roots.restricted();
  auto server = server::ApiServer::Create(*options, *settings);
  if (!server.ok()) return fail(server.status().message());
  if (Status s = (*server)->Listen(); !s.ok()) return fail(s.message());

  std::signal(SIGTERM, RequestServerStop);
  std::signal(SIGINT, RequestServerStop);
  std::signal(SIGPIPE, SIG_IGN);
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    while (!done && !stop_requested) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    (*server)->Stop();
  });
  if (open_paths) {
    log::Warning("apiserver",
                 "FROCKET_ALLOWED_BASEPATHS=*: clients may register datasets from any path this "
                 "process can read");
  }
  log::Info("apiserver", cluster::DescribeDeployment());
  std::fprintf(stderr, "frocket API server listening on http://%s:%d\n", options->host.c_str(),
               (*server)->port());
  std::fflush(stderr);
  (*server)->Run();
  done = true;
  watcher.join();
  log::Info("apiserver", "stopped");
  return 0;
}

}  // namespace

void AddServeCommand(CLI::App& app, Globals& globals) {
  struct Options {
    std::optional<int> port;
    std::optional<std::string> host;
  };
  auto o = std::make_shared<Options>();
  auto* serve = app.add_subcommand("serve", "Serve Funnel Rocket's HTTP API until SIGTERM");
  serve->add_option("--port", o->port, "TCP port (default: APISERVER_PORT, else 5000)");
  serve->add_option("--host", o->host,
                    "Address to listen on (default: FROCKET_APISERVER_HOST, else 0.0.0.0)");
  serve->callback([o, &globals] { globals.exit_code = RunServe(o->port, o->host); });
}

}  // namespace frocket::cli
