// The Prometheus text format as its specification writes it, and Funnel Rocket's bucket
// settings.
#include "server/metrics.h"

#include <gtest/gtest.h>

namespace frocket::server {
namespace {

TEST(Metrics, RendersCountersGaugesAndCumulativeHistograms) {
  Metrics m;
  m.Define("requests_total", Metrics::Kind::kCounter, "Requests");
  m.Define("running", Metrics::Kind::kGauge, "Running\nnow");
  m.Define("seconds", Metrics::Kind::kHistogram, "Durations", {0.5, 1});
  m.Add("requests_total", {{"route", "/a"}, {"code", "200"}});
  m.Add("requests_total", {{"code", "200"}, {"route", "/a"}}, 2);
  m.Add("requests_total", {{"route", "say \"hi\"\\"}});
  m.Set("running", {}, 3);
  for (double v : {0.25, 0.5, 0.75, 7.0}) m.Observe("seconds", {{"job", "q"}}, v);
  m.Add("undefined", {}, 1);  // ignored
  EXPECT_EQ(m.Render(),
            "# HELP requests_total Requests\n"
            "# TYPE requests_total counter\n"
            "requests_total{code=\"200\",route=\"/a\"} 3\n"
            "requests_total{route=\"say \\\"hi\\\"\\\\\"} 1\n"
            "# HELP running Running\\nnow\n"
            "# TYPE running gauge\n"
            "running 3\n"
            "# HELP seconds Durations\n"
            "# TYPE seconds histogram\n"
            "seconds_bucket{job=\"q\",le=\"0.5\"} 2\n"
            "seconds_bucket{job=\"q\",le=\"1\"} 3\n"
            "seconds_bucket{job=\"q\",le=\"+Inf\"} 4\n"
            "seconds_sum{job=\"q\"} 8.5\n"
            "seconds_count{job=\"q\"} 4\n");
  EXPECT_EQ(m.Value("seconds", {{"job", "q"}}), 4);
  EXPECT_EQ(m.Value("requests_total", {{"route", "/a"}, {"code", "200"}}), 3);
}

TEST(Metrics, ParsesFunnelRocketsBucketSettings) {
  auto rows = ParseBuckets("FROCKET_METRICS_BUCKETS_ROWS", "100, 1000, 10_000, 500_000_000");
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  EXPECT_EQ(*rows, (std::vector<double>{100, 1000, 10000, 500000000}));
  auto seconds = ParseBuckets("X", "0.05, 0.1,0.5");
  ASSERT_TRUE(seconds.ok());
  EXPECT_EQ(*seconds, (std::vector<double>{0.05, 0.1, 0.5}));
  for (const char* bad : {"", "1,,2", "1, x", "2, 1", "1, 1", "_1", "1_", "inf"}) {
    auto r = ParseBuckets("FROCKET_METRICS_BUCKETS_SECONDS", bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("FROCKET_METRICS_BUCKETS_SECONDS"), std::string::npos);
  }
}

}  // namespace
}  // namespace frocket::server
