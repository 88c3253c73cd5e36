// How fast the Lambda invoker's client sends asynchronous invocations: N invocations of a
// task-sized payload (a query task message, ~1.5 KB) to ENDPOINT, which answers 202
// (bench/lambda/sink.mjs), REPEATS times; prints {"invocations", "min_s", "median_s"}.
// Usage: lambda_fanout_bench ENDPOINT N REPEATS [IN_FLIGHT]
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench_timer.h"
#include "cluster/lambda_client.h"

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s ENDPOINT N REPEATS [IN_FLIGHT]\n", argv[0]);
    return 2;
  }
  frocket::cluster::LambdaSettings settings;
  settings.aws.endpoint = argv[1];
  settings.aws.credentials = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
  settings.function_name = "frocket";
  if (argc > 4) settings.in_flight = std::atoi(argv[4]);
  const int n = std::atoi(argv[2]);
  // A query task message's size: the dataset, the part, the expanded query.
  std::vector<std::string> payloads;
  for (int i = 0; i < n; ++i) {
    payloads.push_back("{\"kind\":\"query\",\"requestId\":\"1796380000-0a1b2c3d\",\"taskIndex\":" +
                       std::to_string(i) + ",\"padding\":\"" + std::string(1400, 'x') + "\"}");
  }
  frocket::cluster::LambdaClient client(settings);
  frocket::Status failed;
  const auto timing = frocket::bench::Repeat(std::atoi(argv[3]), [&] {
    frocket::Status s = client.InvokeAsync(payloads);
    if (!s.ok()) failed = s;
  });
  if (!failed.ok()) {
    std::fprintf(stderr, "%s\n", failed.message().c_str());
    return 1;
  }
  std::printf("{\"invocations\": %d, \"in_flight\": %d, \"min_s\": %.6f, \"median_s\": %.6f}\n", n,
              settings.in_flight, timing.min_s, timing.median_s);
  return 0;
}
