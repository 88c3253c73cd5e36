#include "parquet/compression.h"

#include <brotli/decode.h>
#include <lz4.h>
#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <climits>
#include <cstring>

#include "parquet/snappy.h"

namespace frocket::parquet {

namespace {

Status SizeMismatch(const char* codec, size_t got, size_t expected) {
  return Status::Invalid(std::string(codec) + " data decompressed to " + std::to_string(got) +
                         " bytes, but the page header declares " + std::to_string(expected));
}

uint32_t LoadBigEndian32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

}  // namespace

Decompressor::Decompressor() = default;

Decompressor::~Decompressor() {
  if (zstd_ != nullptr) ZSTD_freeDCtx(zstd_);
  if (zlib_ != nullptr) {
    inflateEnd(zlib_);
    delete zlib_;
  }
}

bool Decompressor::Supports(int32_t codec) {
  switch (static_cast<CompressionCodec>(codec)) {
    case CompressionCodec::kUncompressed:
    case CompressionCodec::kSnappy:
    case CompressionCodec::kGzip:
    case CompressionCodec::kBrotli:
    case CompressionCodec::kLz4:
    case CompressionCodec::kZstd:
    case CompressionCodec::kLz4Raw:
      return true;
    case CompressionCodec::kLzo:
      return false;
  }
  return false;
}

Status Decompressor::Decompress(int32_t codec, std::span<const uint8_t> input, uint8_t* output,
                                size_t output_size) {
  switch (static_cast<CompressionCodec>(codec)) {
    case CompressionCodec::kSnappy:
      return Snappy(input, output, output_size);
    case CompressionCodec::kGzip:
      return Gzip(input, output, output_size);
    case CompressionCodec::kBrotli:
      return Brotli(input, output, output_size);
    case CompressionCodec::kZstd:
      return Zstd(input, output, output_size);
    case CompressionCodec::kLz4Raw:
      return Lz4Raw(input, output, output_size);
    case CompressionCodec::kLz4:
      return Lz4Legacy(input, output, output_size);
    case CompressionCodec::kUncompressed:
      if (input.size() != output_size)
        return SizeMismatch("UNCOMPRESSED", input.size(), output_size);
      if (output_size > 0) std::memcpy(output, input.data(), output_size);
      return Status::OK();
    case CompressionCodec::kLzo:
      break;
  }
  return Status::NotImplemented("compression codec " + CodecName(codec) + " is not supported");
}

Status Decompressor::Snappy(std::span<const uint8_t> input, uint8_t* output, size_t output_size) {
  return DecompressSnappy(input, output, output_size);
}

Status Decompressor::Gzip(std::span<const uint8_t> input, uint8_t* output, size_t output_size) {
  if (zlib_ == nullptr) {
    zlib_ = new z_stream_s();
    // 15 window bits + 32: accept both gzip and zlib headers.
    if (inflateInit2(zlib_, 15 + 32) != Z_OK) {
      delete zlib_;
      zlib_ = nullptr;
      return Status::OutOfMemory("cannot initialise zlib");
    }
  } else if (inflateReset(zlib_) != Z_OK) {
    return Status::Invalid("cannot reset zlib");
  }
  if (input.size() > UINT_MAX || output_size > UINT_MAX) {
    return Status::Invalid("GZIP page larger than 4 GiB");
  }
  zlib_->next_in = const_cast<Bytef*>(input.data());
  zlib_->avail_in = static_cast<uInt>(input.size());
  zlib_->next_out = output;
  zlib_->avail_out = static_cast<uInt>(output_size);
  // A page may hold several concatenated gzip members; decode them one after another.
  while (true) {
    int rc = inflate(zlib_, Z_FINISH);
    if (rc == Z_STREAM_END) {
      if (zlib_->avail_in == 0) break;
      // Trailing zero padding after the last member is tolerated, as gzip(1) does.
      bool only_zeros = true;
      for (uInt i = 0; i < zlib_->avail_in; ++i) only_zeros &= zlib_->next_in[i] == 0;
      if (only_zeros) break;
      if (inflateReset(zlib_) != Z_OK) return Status::Invalid("cannot reset zlib");
      continue;
    }
    if (rc == Z_BUF_ERROR && zlib_->avail_out == 0) {
      return Status::Invalid("GZIP data decompresses to more than the " +
                             std::to_string(output_size) + " bytes the page header declares");
    }
    return Status::Invalid(
        std::string("GZIP data is corrupt: ") +
        (zlib_->msg != nullptr ? zlib_->msg : "inflate error " + std::to_string(rc)));
  }
  size_t produced = output_size - zlib_->avail_out;
  if (produced != output_size) return SizeMismatch("GZIP", produced, output_size);
  return Status::OK();
}

Status Decompressor::Brotli(std::span<const uint8_t> input, uint8_t* output, size_t output_size) {
  size_t decoded = output_size;
  BrotliDecoderResult rc = BrotliDecoderDecompress(input.size(), input.data(), &decoded, output);
  if (rc != BROTLI_DECODER_RESULT_SUCCESS) {
    return Status::Invalid("BROTLI data is corrupt or decompresses to more than the " +
                           std::to_string(output_size) + " bytes the page header declares");
  }
  if (decoded != output_size) return SizeMismatch("BROTLI", decoded, output_size);
  return Status::OK();
}

Status Decompressor::Zstd(std::span<const uint8_t> input, uint8_t* output, size_t output_size) {
  if (zstd_ == nullptr) {
    zstd_ = ZSTD_createDCtx();
    if (zstd_ == nullptr) return Status::OutOfMemory("cannot create a zstd context");
  }
  size_t rc = ZSTD_decompressDCtx(zstd_, output, output_size, input.data(), input.size());
  if (ZSTD_isError(rc)) {
    return Status::Invalid(std::string("ZSTD data is corrupt: ") + ZSTD_getErrorName(rc));
  }
  if (rc != output_size) return SizeMismatch("ZSTD", rc, output_size);
  return Status::OK();
}

Status Decompressor::Lz4Raw(std::span<const uint8_t> input, uint8_t* output, size_t output_size) {
  if (input.size() > INT_MAX || output_size > INT_MAX) {
    return Status::Invalid("LZ4 block larger than 2 GiB");
  }
  int rc = LZ4_decompress_safe(reinterpret_cast<const char*>(input.data()),
                               reinterpret_cast<char*>(output), static_cast<int>(input.size()),
                               static_cast<int>(output_size));
  if (rc < 0) return Status::Invalid("LZ4 data is corrupt");
  if (static_cast<size_t>(rc) != output_size) return SizeMismatch("LZ4", rc, output_size);
  return Status::OK();
}

// The deprecated LZ4 codec (id 5) appears in three shapes in the wild: Hadoop's block framing
// (parquet-mr), the LZ4 frame format, and a bare LZ4 block (old parquet-cpp). Try them in
// that order of specificity.
Status Decompressor::Lz4Legacy(std::span<const uint8_t> input, uint8_t* output,
                               size_t output_size) {
  // Hadoop framing: repeated [uncompressed length BE32] then chunks of
  // [compressed length BE32][LZ4 block] until that many bytes are produced.
  {
    size_t in = 0;
    size_t out = 0;
    bool valid = true;
    while (valid && in < input.size()) {
      if (input.size() - in < 4) {
        valid = false;
        break;
      }
      uint32_t frame_uncompressed = LoadBigEndian32(input.data() + in);
      in += 4;
      if (frame_uncompressed > output_size - out) {
        valid = false;
        break;
      }
      size_t frame_end = out + frame_uncompressed;
      while (valid && out < frame_end) {
        if (input.size() - in < 4) {
          valid = false;
          break;
        }
        uint32_t chunk = LoadBigEndian32(input.data() + in);
        in += 4;
        if (chunk > input.size() - in || chunk > INT_MAX) {
          valid = false;
          break;
        }
        int rc = LZ4_decompress_safe(reinterpret_cast<const char*>(input.data() + in),
                                     reinterpret_cast<char*>(output + out), static_cast<int>(chunk),
                                     static_cast<int>(std::min<size_t>(frame_end - out, INT_MAX)));
        if (rc <= 0) {
          valid = false;
          break;
        }  // corrupt, or no progress: not Hadoop framing
        in += chunk;
        out += static_cast<size_t>(rc);
      }
    }
    if (valid && in == input.size() && out == output_size) return Status::OK();
  }
  // LZ4 frame format.
  if (input.size() >= 4 && input[0] == 0x04 && input[1] == 0x22 && input[2] == 0x4d &&
      input[3] == 0x18) {
    LZ4F_dctx* dctx = nullptr;
    if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION))) {
      return Status::OutOfMemory("cannot create an LZ4 frame context");
    }
    size_t in = 0;
    size_t out = 0;
    size_t hint = 1;
    while (in < input.size() && hint != 0) {
      size_t src = input.size() - in;
      size_t dst = output_size - out;
      hint = LZ4F_decompress(dctx, output + out, &dst, input.data() + in, &src, nullptr);
      if (LZ4F_isError(hint) || (src == 0 && dst == 0)) {
        LZ4F_freeDecompressionContext(dctx);
        return Status::Invalid("LZ4 frame data is corrupt");
      }
      in += src;
      out += dst;
    }
    LZ4F_freeDecompressionContext(dctx);
    if (out != output_size || hint != 0) return SizeMismatch("LZ4 (frame)", out, output_size);
    return Status::OK();
  }
  Status raw = Lz4Raw(input, output, output_size);
  if (!raw.ok()) {
    return Status::Invalid(
        "LZ4 data is corrupt (neither Hadoop-framed, an LZ4 frame, nor a bare LZ4 block)");
  }
  return raw;
}

Compressor::~Compressor() {
  if (zstd_ != nullptr) ZSTD_freeCCtx(zstd_);
}

Status Compressor::Compress(CompressionCodec codec, int level, std::span<const uint8_t> input,
                            std::vector<uint8_t>* out) {
  switch (codec) {
    case CompressionCodec::kUncompressed:
      out->assign(input.begin(), input.end());
      return Status::OK();
    case CompressionCodec::kSnappy: {
      out->resize(snappy::MaxCompressedLength(input.size()));
      size_t length = 0;
      snappy::RawCompress(reinterpret_cast<const char*>(input.data()), input.size(),
                          reinterpret_cast<char*>(out->data()), &length);
      out->resize(length);
      return Status::OK();
    }
    case CompressionCodec::kZstd: {
      if (zstd_ == nullptr) {
        zstd_ = ZSTD_createCCtx();
        if (zstd_ == nullptr) return Status::OutOfMemory("cannot create a zstd context");
      }
      out->resize(ZSTD_compressBound(input.size()));
      size_t rc =
          ZSTD_compressCCtx(zstd_, out->data(), out->size(), input.data(), input.size(), level);
      if (ZSTD_isError(rc)) {
        return Status::Invalid(std::string("ZSTD compression failed: ") + ZSTD_getErrorName(rc));
      }
      out->resize(rc);
      return Status::OK();
    }
    default:
      return Status::NotImplemented("frocket writes only SNAPPY, ZSTD or uncompressed files, not " +
                                    CodecName(static_cast<int32_t>(codec)));
  }
}

}  // namespace frocket::parquet
