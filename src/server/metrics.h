// Metrics: counters, gauges and histograms with labels, rendered in Prometheus's text
// exposition format (version 0.0.4) for GET /metrics.
//
// A metric is defined once (name, help, kind, histogram buckets); its series are created on
// first use, one per distinct label set. Thread-safe: any thread may update while another
// renders.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace frocket::server {

// (label name, value) pairs; order does not matter.
using Labels = std::vector<std::pair<std::string, std::string>>;

class Metrics {
 public:
  enum class Kind { kCounter, kGauge, kHistogram };

  // Defines a metric. Names follow Prometheus's rules ([a-zA-Z_:][a-zA-Z0-9_:]*); histogram
  // buckets are upper bounds, increasing (+Inf is added).
  void Define(const std::string& name, Kind kind, const std::string& help,
              std::vector<double> buckets = {});

  // Counter: adds `value` (>= 0). Gauge: sets it. Histogram: observes it. Updating a metric
  // that was not defined is a programming error and is ignored.
  void Add(const std::string& name, const Labels& labels, double value = 1);
  void Set(const std::string& name, const Labels& labels, double value);
  void Observe(const std::string& name, const Labels& labels, double value);

  // Every metric and series, sorted by name and labels.
  std::string Render() const;

  // The value of a counter or gauge series, or a histogram's count; 0 if it does not exist.
  double Value(const std::string& name, const Labels& labels) const;

 private:
  struct Series {
    double value = 0;              // counter, gauge; histogram: sum
    std::vector<uint64_t> counts;  // histogram: per bucket (not cumulative), +Inf last
    uint64_t count = 0;            // histogram
  };
  struct Metric {
    Kind kind;
    std::string help;
    std::vector<double> buckets;
    std::map<std::string, Series> series;  // by rendered label set
  };
  Series* Find(const std::string& name, const Labels& labels, Kind kind);

  mutable std::mutex mutex_;
  std::map<std::string, Metric> metrics_;
};

// Labels rendered as Prometheus writes them: {a="x",b="y"} sorted by name, values escaped
// (backslash, double quote, newline); "" for none.
std::string RenderLabels(Labels labels);

// "0.005, 0.01, 0.1" as numbers (Funnel Rocket's bucket settings); an error naming the
// variable if malformed or not increasing.
Result<std::vector<double>> ParseBuckets(const std::string& variable, const std::string& text);

}  // namespace frocket::server
