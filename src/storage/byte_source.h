// ByteSource: random access to the bytes of one object (a local file, later an S3 object).
//
// The Parquet reader only ever asks for explicit byte ranges, so any store that can answer
// "give me bytes [offset, offset+length)" can hold a dataset.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/buffer.h"
#include "common/status.h"

namespace frocket {

struct ByteRange {
  uint64_t offset = 0;
  uint64_t length = 0;
};

class ByteSource {
 public:
  virtual ~ByteSource() = default;

  // The name errors use for this object (a path or URL).
  virtual const std::string& name() const = 0;

  // Total size in bytes.
  virtual Result<uint64_t> Size() = 0;

  // What changes whenever the object's bytes may have: a local file's modification time, an
  // S3 object's ETag. Empty where the source cannot tell.
  virtual std::string version_tag() const { return ""; }

  // Reads exactly `length` bytes at `offset` into `out` (resized to `length`). Reading past
  // the end is an error, never a short read.
  // REQUIRES: safe to call from several threads at once.
  virtual Status ReadAt(uint64_t offset, uint64_t length, Buffer* out) = 0;

  // Announces reads of these ranges: a remote source fetches them now, coalesced and in
  // parallel, so that the ReadAt calls that follow are served from memory. Local files need
  // nothing.
  virtual Status WillRead(const std::vector<ByteRange>& ranges) {
    (void)ranges;
    return Status::OK();
  }

  // Where the bytes read so far came from, for a remote source: fetched over the network, or
  // served by the local disk cache.
  virtual uint64_t remote_bytes() const { return 0; }
  virtual uint64_t disk_cache_bytes() const { return 0; }
  // For a local file: the bytes read from it so far.
  virtual uint64_t local_bytes() const { return 0; }
};

}  // namespace frocket
