#include "storage/local_file_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace frocket {

Result<std::unique_ptr<LocalFileSource>> LocalFileSource::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
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
      new LocalFileSource(path, fd, static_cast<uint64_t>(st.st_size)));
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
