// ByteStream: an object read front to back in large chunks (local file or S3 object), for
// the text formats.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>

#include "common/buffer.h"
#include "common/status.h"
#include "storage/byte_source.h"

namespace frocket::ingest {

class ByteStream {
 public:
  static constexpr uint64_t kChunkBytes = 8 << 20;

  ByteStream(std::shared_ptr<ByteSource> source, uint64_t size)
      : source_(std::move(source)), size_(size) {}

  const std::string& name() const { return source_->name(); }
  uint64_t size() const { return size_; }
  uint64_t position() const { return position_; }
  bool done() const { return position_ >= size_; }
  // Reads from the start again.
  void Rewind() { position_ = 0; }

  // Appends the next chunk (up to kChunkBytes) to `out`; appends nothing at the end.
  Status ReadChunk(std::string* out) {
    const uint64_t n = std::min(kChunkBytes, size_ - position_);
    if (n == 0) return Status::OK();
    FROCKET_RETURN_IF_ERROR(source_->ReadAt(position_, n, &scratch_));
    out->append(reinterpret_cast<const char*>(scratch_.data()), n);
    position_ += n;
    return Status::OK();
  }

 private:
  std::shared_ptr<ByteSource> source_;
  uint64_t size_;
  uint64_t position_ = 0;
  Buffer scratch_;
};

}  // namespace frocket::ingest
