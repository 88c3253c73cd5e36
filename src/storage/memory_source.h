// MemorySource: a ByteSource over bytes already in memory (fuzzing, tests, cached objects).
// It can count the bytes read through it, which is how tests prove column projection.
#pragma once

#include <atomic>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "storage/byte_source.h"

namespace frocket {

class MemorySource final : public ByteSource {
 public:
  MemorySource(std::string name, std::vector<uint8_t> bytes)
      : name_(std::move(name)), bytes_(std::move(bytes)) {}

  const std::string& name() const override { return name_; }
  Result<uint64_t> Size() override { return static_cast<uint64_t>(bytes_.size()); }
  Status ReadAt(uint64_t offset, uint64_t length, Buffer* out) override {
    if (offset > bytes_.size() || length > bytes_.size() - offset) {
      return Status::IOError(name_ + ": read of " + std::to_string(length) + " bytes at offset " +
                             std::to_string(offset) + " is past the end of the object (" +
                             std::to_string(bytes_.size()) + " bytes)");
    }
    out->Resize(length);
    if (length > 0) std::memcpy(out->data(), bytes_.data() + offset, length);
    bytes_read_ += length;
    reads_ += 1;
    return Status::OK();
  }

  uint64_t bytes_read() const { return bytes_read_; }
  uint64_t reads() const { return reads_; }

 private:
  std::string name_;
  std::vector<uint8_t> bytes_;
  std::atomic<uint64_t> bytes_read_{0};
  std::atomic<uint64_t> reads_{0};
};

}  // namespace frocket
