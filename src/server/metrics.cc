#include "server/metrics.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace frocket::server {

namespace {

// Prometheus's number format: integers without a fraction, +Inf/-Inf/NaN spelled out.
std::string Number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof(buf), "%.0f", v);
    return buf;
  }
  // The shortest of 15 to 17 significant digits that reads back as the same number.
  for (int digits = 15; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof(buf), "%.*g", digits, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

std::string EscapeHelp(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// A rendered label set with one more label (le) added, for histogram buckets.
std::string WithLe(const std::string& labels, const std::string& le) {
  const std::string pair = "le=\"" + le + "\"";
  if (labels.empty()) return "{" + pair + "}";
  return labels.substr(0, labels.size() - 1) + "," + pair + "}";
}

}  // namespace

std::string RenderLabels(Labels labels) {
  if (labels.empty()) return "";
  std::sort(labels.begin(), labels.end());
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ",";
    out += labels[i].first + "=\"";
    for (char c : labels[i].second) {
      if (c == '\\') {
        out += "\\\\";
      } else if (c == '"') {
        out += "\\\"";
      } else if (c == '\n') {
        out += "\\n";
      } else {
        out += c;
      }
    }
    out += "\"";
  }
  return out + "}";
}

Result<std::vector<double>> ParseBuckets(const std::string& variable, const std::string& text) {
  std::vector<double> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(start, end - start);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    // Funnel Rocket's defaults group digits as Python does: 10_000.
    for (size_t i = 1; i + 1 < item.size(); ++i) {
      if (item[i] == '_' && std::isdigit(static_cast<unsigned char>(item[i - 1])) &&
          std::isdigit(static_cast<unsigned char>(item[i + 1]))) {
        item.erase(i, 1);
      }
    }
    char* parsed_end = nullptr;
    const double v = item.empty() ? 0 : std::strtod(item.c_str(), &parsed_end);
    if (item.empty() || parsed_end != item.c_str() + item.size() || !std::isfinite(v)) {
      return Status::Invalid(variable + "=" + text + ": '" + item +
                             "' is not a number (expected e.g. 0.1, 0.5, 1)");
    }
    if (!out.empty() && v <= out.back()) {
      return Status::Invalid(variable + "=" + text + ": buckets must increase");
    }
    out.push_back(v);
    start = end + 1;
  }
  return out;
}

void Metrics::Define(const std::string& name, Kind kind, const std::string& help,
                     std::vector<double> buckets) {
  std::lock_guard<std::mutex> lock(mutex_);
  Metric& m = metrics_[name];
  m.kind = kind;
  m.help = help;
  m.buckets = std::move(buckets);
}

Metrics::Series* Metrics::Find(const std::string& name, const Labels& labels, Kind kind) {
  auto it = metrics_.find(name);
  if (it == metrics_.end() || it->second.kind != kind) return nullptr;
  Series& s = it->second.series[RenderLabels(labels)];
  if (kind == Kind::kHistogram && s.counts.empty())
    s.counts.assign(it->second.buckets.size() + 1, 0);
  return &s;
}

void Metrics::Add(const std::string& name, const Labels& labels, double value) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (Series* s = Find(name, labels, Kind::kCounter); s != nullptr && value >= 0) s->value += value;
}

void Metrics::Set(const std::string& name, const Labels& labels, double value) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (Series* s = Find(name, labels, Kind::kGauge); s != nullptr) s->value = value;
}

void Metrics::Observe(const std::string& name, const Labels& labels, double value) {
  std::lock_guard<std::mutex> lock(mutex_);
  Series* s = Find(name, labels, Kind::kHistogram);
  if (s == nullptr || std::isnan(value)) return;
  const std::vector<double>& buckets = metrics_[name].buckets;
  const size_t bucket = static_cast<size_t>(
      std::lower_bound(buckets.begin(), buckets.end(), value) - buckets.begin());
  ++s->counts[bucket];
  ++s->count;
  s->value += value;
}

double Metrics::Value(const std::string& name, const Labels& labels) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = metrics_.find(name);
  if (it == metrics_.end()) return 0;
  auto s = it->second.series.find(RenderLabels(labels));
  if (s == it->second.series.end()) return 0;
  return it->second.kind == Kind::kHistogram ? static_cast<double>(s->second.count)
                                             : s->second.value;
}

std::string Metrics::Render() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string out;
  for (const auto& [name, m] : metrics_) {
    const char* type = m.kind == Kind::kCounter ? "counter"
                       : m.kind == Kind::kGauge ? "gauge"
                                                : "histogram";
    out += "# HELP " + name + " " + EscapeHelp(m.help) + "\n";
    out += "# TYPE " + name + " " + type + "\n";
    for (const auto& [labels, s] : m.series) {
      if (m.kind != Kind::kHistogram) {
        out += name + labels + " " + Number(s.value) + "\n";
        continue;
      }
      uint64_t cumulative = 0;
      for (size_t b = 0; b < m.buckets.size(); ++b) {
        cumulative += s.counts[b];
        out += name + "_bucket" + WithLe(labels, Number(m.buckets[b])) + " " +
               std::to_string(cumulative) + "\n";
      }
      out += name + "_bucket" + WithLe(labels, "+Inf") + " " + std::to_string(s.count) + "\n";
      out += name + "_sum" + labels + " " + Number(s.value) + "\n";
      out += name + "_count" + labels + " " + std::to_string(s.count) + "\n";
    }
  }
  return out;
}

}  // namespace frocket::server
