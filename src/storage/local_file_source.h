// LocalFileSource: a ByteSource over a file on the local file system, read with pread(2).
#pragma once

#include <sys/stat.h>

#include <atomic>
#include <memory>
#include <string>

#include "storage/byte_source.h"

namespace frocket {

// A local file's version tag: its modification time, "seconds.nanoseconds".
std::string ModificationTag(const struct stat& st);

class LocalFileSource final : public ByteSource {
 public:
  static Result<std::unique_ptr<LocalFileSource>> Open(const std::string& path);
  ~LocalFileSource() override;

  const std::string& name() const override { return path_; }
  Result<uint64_t> Size() override { return size_; }
  std::string version_tag() const override { return version_tag_; }
  Status ReadAt(uint64_t offset, uint64_t length, Buffer* out) override;
  uint64_t local_bytes() const override { return bytes_read_.load(); }
  // The path of the file as opened, links resolved ("" if the system cannot tell).
  std::string RealPath() const;

 private:
  LocalFileSource(std::string path, int fd, uint64_t size, std::string version_tag)
      : path_(std::move(path)), fd_(fd), size_(size), version_tag_(std::move(version_tag)) {}

  std::string path_;
  int fd_;
  uint64_t size_;
  std::string version_tag_;
  std::atomic<uint64_t> bytes_read_{0};
};

}  // namespace frocket
