#include "storage/local_file_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace frocket {

std::string ModificationTag(const struct stat& st) {
  char tag[48];
  std::snprintf(tag, sizeof(tag), "%lld.%09ld", static_cast<long long>(st.st_mtim.tv_sec),
                static_cast<long>(st.st_mtim.tv_nsec));
  return tag;
}

Result<std::unique_ptr<LocalFileSource>> LocalFileSource::Open(const std::string& path) {
  // O_NONBLOCK: opening a FIFO (or a device) put in place of a part must not wait for a
  // writer; it is refused below as not a regular file. Reads of regular files ignore it.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return Status::IOError(path + ": cannot open: " + std::strerror(errno));
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return Status::IOError(path + ": cannot stat: " + std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::IOError(path + ": not a regular file");
  }
  return std::unique_ptr<LocalFileSource>(
      new LocalFileSource(path, fd, static_cast<uint64_t>(st.st_size), ModificationTag(st)));
}

std::string LocalFileSource::RealPath() const {
  char link[64];
  std::snprintf(link, sizeof(link), "/proc/self/fd/%d", fd_);
  char target[4096];
  ssize_t n = ::readlink(link, target, sizeof(target));
  if (n <= 0 || static_cast<size_t>(n) >= sizeof(target)) return "";
  return std::string(target, static_cast<size_t>(n));
}

LocalFileSource::~LocalFileSource() {
  ::close(fd_);
}

Status LocalFileSource::ReadAt(uint64_t offset, uint64_t length, Buffer* out) {
  if (offset > size_ || length > size_ - offset) {
    return Status::IOError(path_ + ": read of " + std::to_string(length) + " bytes at offset " +
                           std::to_string(offset) + " is past the end of the file (" +
                           std::to_string(size_) + " bytes)");
  }
  out->Resize(length);
  bytes_read_ += length;
  uint64_t done = 0;
  while (done < length) {
    ssize_t n = ::pread(fd_, out->data() + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IOError(path_ + ": read failed at offset " + std::to_string(offset + done) +
                             ": " + std::strerror(errno));
    }
    if (n == 0) {
      return Status::IOError(path_ + ": file shrank while reading (offset " +
                             std::to_string(offset + done) + ")");
    }
    done += static_cast<uint64_t>(n);
  }
  return Status::OK();
}

}  // namespace frocket
