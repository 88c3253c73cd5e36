// ByteSource: random access to the bytes of one object (a local file, later an S3 object).
//
// The Parquet reader only ever asks for explicit byte ranges, so any store that can answer
// "give me bytes [offset, offset+length)" can hold a dataset.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/buffer.h"
#include "common/status.h"

namespace frocket {

class ByteSource {
 public:
  virtual ~ByteSource() = default;

  // The name errors use for this object (a path or URL).
  virtual const std::string& name() const = 0;

  // Total size in bytes.
  virtual Result<uint64_t> Size() = 0;

  // Reads exactly `length` bytes at `offset` into `out` (resized to `length`). Reading past
  // the end is an error, never a short read.
  // REQUIRES: safe to call from several threads at once.
  virtual Status ReadAt(uint64_t offset, uint64_t length, Buffer* out) = 0;
};

}  // namespace frocket
