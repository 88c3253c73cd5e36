#include "cli/activity_generator.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <numeric>
#include <thread>

#include "common/bitmap.h"
#include "common/machine.h"
#include "common/parallel.h"
#include "parquet/file_writer.h"

namespace frocket::cli {

namespace {

using parquet::ColumnVector;
using parquet::PhysicalType;

constexpr int64_t kStartMillis = 1785542400000;  // 2026-08-01T00:00:00Z
constexpr int64_t kSpanMillis = 92LL * 24 * 3600 * 1000;
constexpr int64_t kRowGroupRows = 256 * 1024;

// xoshiro256** seeded through splitmix64: fast, and the same stream for the same seed.
class Random {
 public:
  explicit Random(uint64_t seed) {
    for (auto& s : s_) {
      seed += 0x9E3779B97F4A7C15ull;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      s = z ^ (z >> 31);
    }
  }
  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  uint64_t Below(uint64_t n) { return Next() % n; }
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  bool Chance(double p) { return Unit() < p; }
  // Picks an index with the given relative weights.
  template <size_t N>
  size_t Pick(const double (&weights)[N]) {
    double total = 0;
    for (double w : weights) total += w;
    double x = Unit() * total;
    for (size_t i = 0; i < N; ++i) {
      if ((x -= weights[i]) < 0) return i;
    }
    return N - 1;
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

const char* const kEvents[] = {"pageview",  "click",    "search",
                               "addtocart", "purchase", "campaign_click"};
enum Event { kPageview, kClick, kSearch, kAddToCart, kPurchase, kCampaignClick };
const char* const kBrowsers[] = {"chrome", "safari", "firefox", "edge", "samsung"};
const double kBrowserWeights[] = {55, 25, 8, 7, 5};
const char* const kCountries[] = {"US", "GB", "DE", "FR", "IL", "JP", "BR", "IN",
                                  "CA", "AU", "ES", "IT", "NL", "MX", "KR"};
const double kCountryWeights[] = {30, 9, 8, 7, 3, 6, 6, 8, 5, 3, 4, 4, 2, 3, 2};
const char* const kDevices[] = {"desktop", "mobile", "tablet"};
const double kDeviceWeights[] = {45, 47, 8};
const char* const kCategories[] = {"shoes",   "shirts",  "pants", "bags",    "hats",
                                   "watches", "jackets", "socks", "glasses", "belts"};
const char* const kSearchTerms[] = {"sale", "red shoes", "summer", "gift",   "leather", "running",
                                    "wool", "kids",      "new",    "cotton", "sport",   "classic"};
constexpr int kSkus = 2000;
constexpr int kCampaigns = 40;

// The rows of one part, column by column, before sorting by time.
struct Rows {
  std::vector<int64_t> user_id, ts, campaign_id;
  std::vector<uint8_t> event, browser, country, device, has_sku, has_campaign, has_goal;
  std::vector<int32_t> sku;
  std::vector<double> price, goal_value;
  std::vector<std::string> url;

  size_t size() const { return ts.size(); }
};

struct User {
  int64_t id;
  uint8_t browser, country, device;
};

double SkuPrice(int sku) {
  // A stable price per product: 5.00 to 500.00.
  uint64_t h = static_cast<uint64_t>(sku) * 0x9E3779B97F4A7C15ull;
  return static_cast<double>(500 + (h >> 40) % 49500) / 100.0;
}

class PartGenerator {
 public:
  PartGenerator(uint64_t seed, int part, int parts)
      : rng_(seed * 1000003 + static_cast<uint64_t>(part)), part_(part), parts_(parts) {}

  Rows Generate(int64_t target_rows, int64_t* users) {
    Rows rows;
    rows.ts.reserve(static_cast<size_t>(target_rows));
    int64_t k = 0;
    while (static_cast<int64_t>(rows.size()) < target_rows) {
      User u;
      // Users of different parts never share an id: the id encodes the part.
      u.id = 100000 + (k++ * parts_ + part_) * 7;
      u.browser = static_cast<uint8_t>(rng_.Pick(kBrowserWeights));
      u.country = static_cast<uint8_t>(rng_.Pick(kCountryWeights));
      u.device = static_cast<uint8_t>(rng_.Pick(kDeviceWeights));
      // Skewed activity: most users are light, a few very active; mean about 25 rows.
      int64_t budget = rng_.Chance(0.8)
                           ? 1 + static_cast<int64_t>(rng_.Below(18))
                           : 20 + static_cast<int64_t>(-std::log(1 - rng_.Unit()) * 70);
      budget = std::min(budget, target_rows - static_cast<int64_t>(rows.size()));
      while (budget > 0) Session(u, &budget, &rows);
    }
    *users = k;
    return rows;
  }

 private:
  void Add(Rows* rows, const User& u, int64_t ts, Event e, std::string url, int sku = -1,
           int campaign = -1, double goal = -1) {
    rows->user_id.push_back(u.id);
    rows->ts.push_back(ts);
    rows->event.push_back(static_cast<uint8_t>(e));
    rows->browser.push_back(u.browser);
    rows->country.push_back(u.country);
    rows->device.push_back(u.device);
    rows->url.push_back(std::move(url));
    rows->has_sku.push_back(sku >= 0);
    rows->sku.push_back(sku);
    rows->price.push_back(sku >= 0 ? SkuPrice(sku) : 0);
    rows->has_campaign.push_back(campaign >= 0);
    rows->campaign_id.push_back(campaign >= 0 ? 1000 + campaign : 0);
    rows->has_goal.push_back(goal >= 0);
    rows->goal_value.push_back(goal >= 0 ? goal : 0);
  }

  // One visit: a landing page, browsing and searching, and maybe the shopping funnel.
  void Session(const User& u, int64_t* budget, Rows* rows) {
    int64_t t = kStartMillis + static_cast<int64_t>(rng_.Below(kSpanMillis));
    auto step = [&] { t += 1000 + static_cast<int64_t>(rng_.Below(90000)); };
    auto spend = [&] { return (*budget)-- > 0; };
    if (rng_.Chance(0.12) && spend()) {
      int campaign = static_cast<int>(rng_.Below(kCampaigns));
      Add(rows, u, t, kCampaignClick,
          "https://shop.example.com/?utm_campaign=c" + std::to_string(1000 + campaign), -1,
          campaign);
      step();
    }
    if (!spend()) return;
    Add(rows, u, t, kPageview, "https://shop.example.com/");
    int viewed = -1;
    const int length = 1 + static_cast<int>(rng_.Below(8));
    for (int i = 0; i<length&& * budget> 0; ++i) {
      step();
      size_t action = rng_.Pick({5.0, 3.0, 2.0});
      spend();
      if (action == 0) {
        viewed = static_cast<int>(rng_.Below(kSkus));
        Add(rows, u, t, kPageview, "https://shop.example.com/p/" + std::to_string(viewed), viewed);
      } else if (action == 1) {
        const char* category = kCategories[rng_.Below(std::size(kCategories))];
        Add(rows, u, t, kClick, std::string("https://shop.example.com/c/") + category);
      } else {
        const char* term = kSearchTerms[rng_.Below(std::size(kSearchTerms))];
        std::string q(term);
        std::replace(q.begin(), q.end(), ' ', '+');
        Add(rows, u, t, kSearch, "https://shop.example.com/search?q=" + q);
      }
    }
    // The funnel: a viewed product goes to the cart, and the cart is often bought. Some
    // purchases (repeat orders) skip the cart.
    if (viewed >= 0 && rng_.Chance(0.35) && *budget > 0) {
      step();
      spend();
      Add(rows, u, t, kAddToCart, "https://shop.example.com/cart", viewed);
      if (rng_.Chance(0.45) && *budget > 0) {
        step();
        spend();
        int qty = 1 + static_cast<int>(rng_.Below(3));
        Add(rows, u, t, kPurchase, "https://shop.example.com/checkout/done", viewed, -1,
            SkuPrice(viewed) * qty);
      }
    } else if (viewed >= 0 && rng_.Chance(0.03) && *budget > 0) {
      step();
      spend();
      Add(rows, u, t, kPurchase, "https://shop.example.com/checkout/done", viewed, -1,
          SkuPrice(viewed));
    }
  }

  Random rng_;
  int part_;
  int parts_;
};

ColumnVector Ints(const std::vector<int64_t>& v, const std::vector<uint32_t>& order,
                  const std::vector<uint8_t>* present) {
  ColumnVector c;
  c.physical_type = PhysicalType::kInt64;
  c.value_width = 8;
  c.length = static_cast<int64_t>(order.size());
  c.values.Resize(order.size() * 8);
  for (size_t i = 0; i < order.size(); ++i) c.values.as<int64_t>()[i] = v[order[i]];
  if (present != nullptr) {
    c.validity.ResizeZeroed(bitmap::BytesFor(order.size()));
    for (size_t i = 0; i < order.size(); ++i) {
      if ((*present)[order[i]]) {
        bitmap::Set(c.validity.data(), i);
      } else {
        c.values.as<int64_t>()[i] = 0;
        ++c.null_count;
      }
    }
  }
  return c;
}

ColumnVector Doubles(const std::vector<double>& v, const std::vector<uint32_t>& order,
                     const std::vector<uint8_t>& present) {
  ColumnVector c;
  c.physical_type = PhysicalType::kDouble;
  c.value_width = 8;
  c.length = static_cast<int64_t>(order.size());
  c.values.Resize(order.size() * 8);
  c.validity.ResizeZeroed(bitmap::BytesFor(order.size()));
  for (size_t i = 0; i < order.size(); ++i) {
    if (present[order[i]]) {
      c.values.as<double>()[i] = v[order[i]];
      bitmap::Set(c.validity.data(), i);
    } else {
      c.values.as<double>()[i] = 0;
      ++c.null_count;
    }
  }
  return c;
}

template <typename Text>
ColumnVector Strings(size_t n, const std::vector<uint32_t>& order, Text text,
                     const std::vector<uint8_t>* present) {
  ColumnVector c;
  c.physical_type = PhysicalType::kByteArray;
  c.length = static_cast<int64_t>(n);
  c.offsets.Resize((n + 1) * 4);
  c.offsets.as<uint32_t>()[0] = 0;
  if (present != nullptr) c.validity.ResizeZeroed(bitmap::BytesFor(n));
  for (size_t i = 0; i < n; ++i) {
    if (present == nullptr || (*present)[order[i]]) {
      std::string_view s = text(order[i]);
      c.data.Append(s.data(), s.size());
      if (present != nullptr) bitmap::Set(c.validity.data(), i);
    } else {
      ++c.null_count;
    }
    c.offsets.as<uint32_t>()[i + 1] = static_cast<uint32_t>(c.data.size());
  }
  return c;
}

Status WritePart(const std::string& path, const Rows& rows) {
  // Rows in timestamp order (stable, so a user's simultaneous events keep their order).
  std::vector<uint32_t> order(rows.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return rows.ts[a] < rows.ts[b]; });
  const size_t n = order.size();
  parquet::LogicalType string_type;
  string_type.kind = parquet::LogicalType::Kind::kString;
  std::vector<parquet::WriterColumn> schema = {
      {"user_id", PhysicalType::kInt64, false, std::nullopt},
      {"ts", PhysicalType::kInt64, false, std::nullopt},
      {"event_type", PhysicalType::kByteArray, false, string_type},
      {"url", PhysicalType::kByteArray, false, string_type},
      {"browser", PhysicalType::kByteArray, false, string_type},
      {"country", PhysicalType::kByteArray, false, string_type},
      {"device", PhysicalType::kByteArray, false, string_type},
      {"sku", PhysicalType::kByteArray, true, string_type},
      {"price", PhysicalType::kDouble, true, std::nullopt},
      {"campaign_id", PhysicalType::kInt64, true, std::nullopt},
      {"goal_value", PhysicalType::kDouble, true, std::nullopt},
      {"is_mobile", PhysicalType::kBoolean, false, std::nullopt},
  };
  parquet::WriterOptions options;
  options.key_value_metadata.push_back({"frocket.generator", std::string("activity/1")});
  FROCKET_ASSIGN_OR_RETURN(auto writer, parquet::ParquetWriter::Create(path, schema, options));
  std::vector<std::string> sku_names(kSkus);
  for (int i = 0; i < kSkus; ++i)
    sku_names[static_cast<size_t>(i)] = "SKU-" + std::to_string(10000 + i);
  for (size_t start = 0; start < n || n == 0; start += kRowGroupRows) {
    const size_t end = std::min(n, start + static_cast<size_t>(kRowGroupRows));
    std::vector<uint32_t> slice(order.begin() + static_cast<ptrdiff_t>(start),
                                order.begin() + static_cast<ptrdiff_t>(end));
    const size_t m = slice.size();
    std::vector<ColumnVector> columns;
    columns.push_back(Ints(rows.user_id, slice, nullptr));
    columns.push_back(Ints(rows.ts, slice, nullptr));
    columns.push_back(Strings(
        m, slice, [&](uint32_t r) { return std::string_view(kEvents[rows.event[r]]); }, nullptr));
    columns.push_back(Strings(
        m, slice, [&](uint32_t r) { return std::string_view(rows.url[r]); }, nullptr));
    columns.push_back(Strings(
        m, slice, [&](uint32_t r) { return std::string_view(kBrowsers[rows.browser[r]]); },
        nullptr));
    columns.push_back(Strings(
        m, slice, [&](uint32_t r) { return std::string_view(kCountries[rows.country[r]]); },
        nullptr));
    columns.push_back(Strings(
        m, slice, [&](uint32_t r) { return std::string_view(kDevices[rows.device[r]]); }, nullptr));
    columns.push_back(Strings(
        m, slice,
        [&](uint32_t r) {
          return std::string_view(sku_names[static_cast<size_t>(std::max(0, rows.sku[r]))]);
        },
        &rows.has_sku));
    columns.push_back(Doubles(rows.price, slice, rows.has_sku));
    columns.push_back(Ints(rows.campaign_id, slice, &rows.has_campaign));
    columns.push_back(Doubles(rows.goal_value, slice, rows.has_goal));
    ColumnVector mobile;
    mobile.physical_type = PhysicalType::kBoolean;
    mobile.value_width = 1;
    mobile.length = static_cast<int64_t>(m);
    mobile.values.Resize(m);
    for (size_t i = 0; i < m; ++i) mobile.values.data()[i] = rows.device[slice[i]] != 0;
    columns.push_back(std::move(mobile));
    FROCKET_RETURN_IF_ERROR(writer->WriteRowGroup(columns));
    if (n == 0) break;
  }
  return writer->Close();
}

}  // namespace

Result<std::vector<GeneratedPart>> GenerateActivityDataset(const std::string& out_dir,
                                                           const GeneratorOptions& options) {
  if (options.rows < 0) return Status::Invalid("--rows must not be negative");
  if (options.parts < 1 || options.parts > 100000) {
    return Status::Invalid("--parts must be between 1 and 100000");
  }
  // A part is generated in memory (about 100 bytes a row, one part per core at a time).
  if (options.rows / options.parts >= kMaxRowsPerPart) {
    return Status::Invalid("--rows " + std::to_string(options.rows) + " in " +
                           std::to_string(options.parts) + " parts is more than " +
                           std::to_string(kMaxRowsPerPart) + " rows per part; use more --parts");
  }
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return Status::IOError(out_dir + ": cannot create directory: " + ec.message());
  std::vector<GeneratedPart> parts(static_cast<size_t>(options.parts));
  std::vector<Status> errors(parts.size());
  const size_t threads =
      options.threads > 0 ? static_cast<size_t>(options.threads) : machine::UsableCores();
  ParallelFor(parts.size(), threads, [&](size_t p) {
    char name[48];
    std::snprintf(name, sizeof(name), "part-%05zu.parquet", p);
    GeneratedPart& out = parts[p];
    out.path = out_dir + "/" + name;
    // Rows spread evenly; the first parts take the remainder.
    out.rows =
        options.rows / options.parts + (static_cast<int64_t>(p) < options.rows % options.parts);
    PartGenerator generator(options.seed, static_cast<int>(p), options.parts);
    Rows rows = generator.Generate(out.rows, &out.users);
    errors[p] = WritePart(out.path, rows);
  });
  for (const Status& s : errors) FROCKET_RETURN_IF_ERROR(s);
  return parts;
}

}  // namespace frocket::cli
