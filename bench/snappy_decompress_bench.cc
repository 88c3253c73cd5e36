// Snappy decompression alone: frocket's decoder (parquet/snappy.h) beside Debian's libsnappy
// on the SNAPPY pages of a Parquet file, page by page, one thread. Both decompress the same
// pages into the same buffer and report a hash of everything they produced.
// Usage: snappy_decompress_bench FILE REPETITIONS NAME [COLUMN...]   (default: every column)
// Prints one JSON line per decoder in parquet_decode_bench's form, for bench/compare.mjs:
// {"engine":...,"query":NAME,"min_s","median_s","compressed_bytes","uncompressed_bytes",
// "gb_per_s_min","result":[hash]}.
#include <snappy.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_timer.h"
#include "parquet/file_reader.h"
#include "parquet/snappy.h"
#include "storage/local_file_source.h"

using namespace frocket;
using namespace frocket::parquet;

namespace {

struct Page {
  std::vector<uint8_t> compressed;
  size_t uncompressed_size = 0;
};

// The SNAPPY-compressed part of every page of the column's chunks.
std::vector<Page> CollectPages(const ParquetFile& file, ByteSource* source, int column) {
  std::vector<Page> pages;
  for (int g = 0; g < file.num_row_groups(); ++g) {
    if (file.chunk_metadata(g, column).codec != static_cast<int32_t>(CompressionCodec::kSnappy)) {
      continue;
    }
    ByteRange range = file.chunk_range(g, column);
    Buffer chunk;
    Status st = source->ReadAt(range.offset, range.length, &chunk);
    if (!st.ok()) throw std::runtime_error(st.message());
    size_t pos = 0;
    while (pos < chunk.size()) {
      size_t header_size = 0;
      auto header = DecodePageHeader(chunk.data() + pos, chunk.size() - pos, &header_size);
      if (!header.ok()) throw std::runtime_error(header.status().message());
      const uint8_t* body = chunk.data() + pos + header_size;
      size_t body_size = static_cast<size_t>(header->compressed_page_size);
      size_t size = static_cast<size_t>(header->uncompressed_page_size);
      pos += header_size + body_size;
      if (header->data_page_header_v2) {
        // Data page v2: the levels before the values are never compressed.
        const DataPageHeaderV2& v2 = *header->data_page_header_v2;
        if (!v2.is_compressed) continue;
        size_t levels = static_cast<size_t>(v2.definition_levels_byte_length) +
                        static_cast<size_t>(v2.repetition_levels_byte_length);
        body += levels;
        body_size -= levels;
        size -= levels;
      }
      pages.push_back({std::vector<uint8_t>(body, body + body_size), size});
    }
  }
  return pages;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: snappy_decompress_bench FILE REPETITIONS NAME [COLUMN...]\n";
    return 2;
  }
  const std::string path = argv[1];
  const int reps = std::stoi(argv[2]);
  const std::string name = argv[3];
  auto source = LocalFileSource::Open(path);
  if (!source.ok()) throw std::runtime_error(source.status().message());
  std::shared_ptr<ByteSource> shared(std::move(*source));
  auto file = ParquetFile::Open(shared);
  if (!file.ok()) throw std::runtime_error(file.status().message());

  std::vector<int> columns;
  for (int i = 4; i < argc; ++i) {
    int c = (*file)->schema().FindColumn(argv[i]);
    if (c < 0) throw std::runtime_error(std::string("no column ") + argv[i]);
    columns.push_back(c);
  }
  if (columns.empty()) {
    for (int c = 0; c < (*file)->schema().num_columns(); ++c) columns.push_back(c);
  }
  std::vector<Page> pages;
  size_t compressed = 0, uncompressed = 0, largest = 0;
  for (int c : columns) {
    for (Page& p : CollectPages(**file, shared.get(), c)) {
      compressed += p.compressed.size();
      uncompressed += p.uncompressed_size;
      largest = std::max(largest, p.uncompressed_size);
      pages.push_back(std::move(p));
    }
  }

  Buffer output(largest);
  // FNV-1a over every page's output: what each decoder reports as its result.
  const auto hash_output = [&](uint64_t h, size_t size) {
    for (size_t i = 0; i < size; ++i) h = (h ^ output.data()[i]) * 0x100000001b3ull;
    return h;
  };
  const auto report = [&](const char* engine, const std::function<void(const Page&)>& decode) {
    uint64_t hash = 0xcbf29ce484222325ull;
    for (const Page& p : pages) {
      decode(p);
      hash = hash_output(hash, p.uncompressed_size);
    }
    bench::Timing t = bench::Repeat(reps, [&] {
      for (const Page& p : pages) decode(p);
    });
    std::printf(
        "{\"engine\":\"%s\",\"query\":\"%s\",\"min_s\":%.6f,\"median_s\":%.6f,"
        "\"pages\":%zu,\"compressed_bytes\":%zu,\"uncompressed_bytes\":%zu,"
        "\"gb_per_s_min\":%.2f,\"result\":[\"%016llx\"]}\n",
        engine, name.c_str(), t.min_s, t.median_s, pages.size(), compressed, uncompressed,
        static_cast<double>(uncompressed) / t.min_s / 1e9, static_cast<unsigned long long>(hash));
  };
  report("frocket", [&](const Page& p) {
    Status st = DecompressSnappy(p.compressed, output.data(), p.uncompressed_size);
    if (!st.ok()) throw std::runtime_error(st.message());
  });
  report("libsnappy", [&](const Page& p) {
    if (!snappy::RawUncompress(reinterpret_cast<const char*>(p.compressed.data()),
                               p.compressed.size(), reinterpret_cast<char*>(output.data()))) {
      throw std::runtime_error("libsnappy rejects a page");
    }
  });
  return 0;
}
