// Decompressor: decompresses Parquet page bodies — SNAPPY with frocket's own decoder
// (parquet/snappy.h), the other codecs with Debian's codec libraries.
//
// One Decompressor per thread; it keeps the zstd/zlib state between pages. Every codec's
// output must come out at exactly the size the page header declares: a shorter or longer
// result is corruption, never silently accepted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "parquet/types.h"

struct ZSTD_DCtx_s;
struct ZSTD_CCtx_s;
struct z_stream_s;

namespace frocket::parquet {

class Decompressor {
 public:
  Decompressor();
  ~Decompressor();
  Decompressor(const Decompressor&) = delete;
  Decompressor& operator=(const Decompressor&) = delete;

  // Whether frocket can decompress this codec at all.
  static bool Supports(int32_t codec);

  // Decompresses `input` into exactly `output_size` bytes at `output`.
  // REQUIRES: codec != UNCOMPRESSED (callers use the input directly).
  Status Decompress(int32_t codec, std::span<const uint8_t> input, uint8_t* output,
                    size_t output_size);

 private:
  Status Snappy(std::span<const uint8_t> input, uint8_t* output, size_t output_size);
  Status Gzip(std::span<const uint8_t> input, uint8_t* output, size_t output_size);
  Status Brotli(std::span<const uint8_t> input, uint8_t* output, size_t output_size);
  Status Zstd(std::span<const uint8_t> input, uint8_t* output, size_t output_size);
  Status Lz4Raw(std::span<const uint8_t> input, uint8_t* output, size_t output_size);
  Status Lz4Legacy(std::span<const uint8_t> input, uint8_t* output, size_t output_size);

  ZSTD_DCtx_s* zstd_ = nullptr;
  z_stream_s* zlib_ = nullptr;
};

// Compressor: the writer's side — SNAPPY (Debian's libsnappy) and ZSTD (the codecs frocket
// writes).
class Compressor {
 public:
  Compressor() = default;
  ~Compressor();
  Compressor(const Compressor&) = delete;
  Compressor& operator=(const Compressor&) = delete;

  // Replaces *out with `input` compressed.
  Status Compress(CompressionCodec codec, int level, std::span<const uint8_t> input,
                  std::vector<uint8_t>* out);

 private:
  ZSTD_CCtx_s* zstd_ = nullptr;
};

}  // namespace frocket::parquet
