// LocalFileSource: a ByteSource over a file on the local file system, read with pread(2).
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "storage/byte_source.h"

namespace frocket {

class LocalFileSource final : public ByteSource {
 public:
  static Result<std::unique_ptr<LocalFileSource>> Open(const std::string& path);
  ~LocalFileSource() override;

  const std::string& name() const override { return path_; }
  Result<uint64_t> Size() override { return size_; }
  Status ReadAt(uint64_t offset, uint64_t length, Buffer* out) override;
  uint64_t local_bytes() const override { return bytes_read_.load(); }

 private:
  LocalFileSource(std::string path, int fd, uint64_t size)
      : path_(std::move(path)), fd_(fd), size_(size) {}

  std::string path_;
  int fd_;
  uint64_t size_;
  std::atomic<uint64_t> bytes_read_{0};
};

}  // namespace frocket
