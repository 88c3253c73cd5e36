// PieceReader: bytes read in order, piece by piece, straight into memory the caller owns —
// how a structure kept in one file is read back without a copy of the whole file first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace frocket {

class PieceReader {
 public:
  virtual ~PieceReader() = default;
  // The bytes not read yet.
  virtual uint64_t remaining() const = 0;
  // Reads the next `n` bytes into `out`; false (and nothing promised of `out`) past the end or
  // on an I/O error.
  virtual bool Read(void* out, size_t n) = 0;
};

// Over bytes in memory (tests and fuzzers).
class SpanPieceReader final : public PieceReader {
 public:
  explicit SpanPieceReader(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  uint64_t remaining() const override { return bytes_.size(); }
  bool Read(void* out, size_t n) override {
    if (n > bytes_.size()) return false;
    if (n > 0) std::memcpy(out, bytes_.data(), n);
    bytes_ = bytes_.subspan(n);
    return true;
  }

 private:
  std::span<const uint8_t> bytes_;
};

}  // namespace frocket
