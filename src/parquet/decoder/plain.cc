#include "parquet/decoder/plain.h"

#include <cstring>
#include <string>

namespace frocket::parquet {

Status DecodePlainFixed(std::span<const uint8_t> in, int32_t width, size_t n, uint8_t* out,
                        size_t* consumed) {
  uint64_t bytes = static_cast<uint64_t>(n) * static_cast<uint64_t>(width);
  if (bytes > in.size()) {
    return Status::Invalid("PLAIN: " + std::to_string(n) + " values of " + std::to_string(width) +
                           " bytes need " + std::to_string(bytes) + " bytes but the page has " +
                           std::to_string(in.size()));
  }
  if (bytes > 0) std::memcpy(out, in.data(), bytes);
  *consumed = bytes;
  return Status::OK();
}

Status DecodePlainBoolean(std::span<const uint8_t> in, size_t n, uint8_t* out, size_t* consumed) {
  size_t bytes = (n + 7) / 8;
  if (bytes > in.size()) {
    return Status::Invalid("PLAIN: " + std::to_string(n) + " booleans need " +
                           std::to_string(bytes) + " bytes but the page has " +
                           std::to_string(in.size()));
  }
  const uint8_t* p = in.data();
  size_t whole = n / 8;
  for (size_t b = 0; b < whole; ++b) {
    uint8_t byte = p[b];
    for (int k = 0; k < 8; ++k) out[b * 8 + static_cast<size_t>(k)] = (byte >> k) & 1;
  }
  for (size_t i = whole * 8; i < n; ++i) out[i] = (p[i / 8] >> (i % 8)) & 1;
  *consumed = bytes;
  return Status::OK();
}

Status DecodePlainByteArray(std::span<const uint8_t> in, size_t n, ByteArrayBuilder* out,
                            size_t* consumed) {
  const uint8_t* p = in.data();
  const uint8_t* end = p + in.size();
  // Every value takes at least its 4-byte length, and the values' bytes are within the page,
  // so the page size bounds what this call appends.
  if (!out->Reserve(std::min<uint64_t>(in.size(), out->max_bytes()))) {
    // Not fatal by itself; Append() enforces the budget exactly.
  }
  for (size_t i = 0; i < n; ++i) {
    if (end - p < 4) {
      return Status::Invalid("PLAIN: page ends at value " + std::to_string(i) + " of " +
                             std::to_string(n) + " (no room for its length)");
    }
    uint32_t length;
    std::memcpy(&length, p, 4);
    p += 4;
    if (length > static_cast<size_t>(end - p)) {
      return Status::Invalid("PLAIN: value " + std::to_string(i) + " claims " +
                             std::to_string(length) + " bytes but only " + std::to_string(end - p) +
                             " remain in the page");
    }
    if (!out->Append(p, length)) {
      return Status::OutOfMemory("column data exceeds the read budget of " +
                                 std::to_string(out->max_bytes()) + " bytes");
    }
    p += length;
  }
  *consumed = static_cast<size_t>(p - in.data());
  return Status::OK();
}

}  // namespace frocket::parquet
