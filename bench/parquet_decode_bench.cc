// Decode benchmark: frocket's Parquet reader over the user-activity file written by DuckDB
// (bench/duckdb/make_activity_file.mjs), one thread, computing the same aggregates as
// bench/duckdb/decode.mjs so the two engines do the same work and check each other's result.
// Usage: parquet_decode_bench FILE [REPETITIONS]
// Prints one JSON line per query: {"engine":"frocket","query",...,"min_s","median_s",...}.
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "bench_timer.h"
#include "parquet/file_reader.h"
#include "parquet/logical_value.h"
#include "storage/local_file_source.h"

using namespace frocket;
using namespace frocket::parquet;

namespace {

std::string Sum128(const ColumnVector& v) {
  __int128 sum = 0;
  const int64_t* values = v.values_as<int64_t>();
  for (int64_t i = 0; i < v.length; ++i) sum += values[i];
  return Int128ToString(sum);
}

// max() over the non-null values of a string column, in either form.
std::string MaxString(const ColumnVector& v) {
  std::string_view best;
  bool any = false;
  if (v.is_dictionary()) {
    std::vector<uint8_t> used(static_cast<size_t>(v.dictionary->length) + 1, 0);
    const int32_t* codes = v.codes.as<int32_t>();
    for (int64_t i = 0; i < v.length; ++i) used[static_cast<size_t>(codes[i])] = 1;
    for (int64_t e = 0; e < v.dictionary->length; ++e) {
      if (!used[static_cast<size_t>(e)]) continue;
      std::string_view s = v.dictionary->StringAt(e);
      if (!any || s > best) best = s, any = true;
    }
  } else {
    for (int64_t i = 0; i < v.length; ++i) {
      if (v.IsNull(i)) continue;
      std::string_view s = v.StringAt(i);
      if (!any || s > best) best = s, any = true;
    }
  }
  return std::string(best);
}

uint64_t TotalLength(const ColumnVector& v) {
  const uint32_t* offsets = v.offsets.as<uint32_t>();
  return offsets[v.length] - offsets[0];
}

struct Query {
  std::string name;
  std::vector<std::string> columns;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: parquet_decode_bench FILE [REPETITIONS]\n";
    return 2;
  }
  const std::string path = argv[1];
  const int reps = argc > 2 ? std::stoi(argv[2]) : 10;
  const std::vector<Query> queries = {
      {"all_columns", {"user_id", "ts", "event_type", "country", "browser", "url", "price"}},
      {"funnel_columns", {"user_id", "ts", "event_type"}},
  };
  ReadOptions options;
  options.dictionary_strings = true;  // what the engine asks for

  for (const Query& q : queries) {
    std::vector<std::string> result;
    uint64_t compressed_bytes = 0, decoded_bytes = 0;
    int64_t rows = 0;
    auto run = [&] {
      auto source = LocalFileSource::Open(path);
      if (!source.ok()) throw std::runtime_error(source.status().message());
      auto file = ParquetFile::Open(std::shared_ptr<ByteSource>(std::move(*source)));
      if (!file.ok()) throw std::runtime_error(file.status().message());
      const ParquetFile& f = **file;
      std::map<std::string, ColumnVector> v;
      compressed_bytes = decoded_bytes = 0;
      for (const auto& name : q.columns) {
        int c = f.schema().FindColumn(name);
        auto column = f.ReadColumn(c, options);
        if (!column.ok()) throw std::runtime_error(column.status().message());
        for (int g = 0; g < f.num_row_groups(); ++g) compressed_bytes += f.chunk_range(g, c).length;
        decoded_bytes += column->MemoryUsage();
        v.emplace(name, std::move(*column));
      }
      rows = f.num_rows();
      result = {Sum128(v.at("user_id")), Sum128(v.at("ts")), MaxString(v.at("event_type"))};
      if (q.name == "all_columns") {
        const ColumnVector& price = v.at("price");
        double sum = 0;
        int64_t count = 0;
        const double* p = price.values_as<double>();
        for (int64_t i = 0; i < price.length; ++i) {
          if (price.IsNull(i)) continue;
          sum += p[i];
          ++count;
        }
        char buf[64];
        std::snprintf(buf, sizeof(buf), "%.17g", sum);
        result.push_back(MaxString(v.at("country")));
        result.push_back(MaxString(v.at("browser")));
        result.push_back(std::to_string(TotalLength(v.at("url"))));
        result.push_back(std::to_string(count));
        result.push_back(buf);
      }
    };
    run();  // warm-up: file in the OS cache
    bench::Timing t = bench::Repeat(reps, run);
    std::printf(
        "{\"engine\":\"frocket\",\"query\":\"%s\",\"min_s\":%.6f,\"median_s\":%.6f,"
        "\"rows\":%lld,\"compressed_bytes\":%llu,\"decoded_bytes\":%llu,\"result\":[",
        q.name.c_str(), t.min_s, t.median_s, static_cast<long long>(rows),
        static_cast<unsigned long long>(compressed_bytes),
        static_cast<unsigned long long>(decoded_bytes));
    for (size_t i = 0; i < result.size(); ++i) {
      std::printf("%s\"%s\"", i ? "," : "", result[i].c_str());
    }
    std::printf("]}\n");
  }
  return 0;
}
