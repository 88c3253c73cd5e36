#include "ingest/output_dir.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace frocket::ingest {

namespace fs = std::filesystem;

namespace {

constexpr const char* kTempMarker = ".frocket-tmp-";

// Temporary directories of jobs that are no longer running, beside `target`.
void RemoveStaleTemps(const fs::path& target) {
  std::error_code ec;
  const std::string prefix = "." + target.filename().string() + kTempMarker;
  for (const auto& entry : fs::directory_iterator(target.parent_path(), ec)) {
    const std::string name = entry.path().filename().string();
    // "-old": a dataset moved aside by a job killed while replacing it; never removed.
    if (!name.starts_with(prefix) || name.ends_with("-old")) continue;
    const std::string pid_text = name.substr(prefix.size());
    const long pid = std::strtol(pid_text.c_str(), nullptr, 10);
    if (pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM)) continue;
    fs::remove_all(entry.path(), ec);
  }
}

}  // namespace

Status RemoveTree(const std::string& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) return Status::IOError(path + ": cannot remove: " + ec.message());
  return Status::OK();
}

Result<OutputDir> OutputDir::Prepare(const std::string& target_arg, bool must_exist) {
  if (target_arg.empty()) return Status::Invalid("--out: an output directory is needed");
  fs::path target = fs::absolute(fs::path(target_arg)).lexically_normal();
  if (!target.has_filename()) target = target.parent_path();
  std::error_code ec;
  const bool exists = fs::exists(target, ec);
  if (exists) {
    if (!fs::is_directory(target, ec)) {
      return Status::Invalid(target_arg + ": exists and is not a directory");
    }
    const bool ours = fs::exists(target / kReportFile, ec);
    if (!ours && !fs::is_empty(target, ec)) {
      return Status::Invalid(target_arg +
                             ": exists and was not written by frocket repartition (no " +
                             kReportFile + "); it is left alone — choose another --out");
    }
  } else if (must_exist) {
    return Status::NotFound(target_arg + ": no such dataset directory to append to");
  }
  if (!fs::is_directory(target.parent_path(), ec)) {
    return Status::IOError(target.parent_path().string() + ": no such directory");
  }
  RemoveStaleTemps(target);
  const fs::path temp = target.parent_path() / ("." + target.filename().string() + kTempMarker +
                                                std::to_string(::getpid()));
  fs::remove_all(temp, ec);
  if (!fs::create_directory(temp, ec)) {
    return Status::IOError(temp.string() + ": cannot create: " + ec.message());
  }
  return OutputDir(target.string(), temp.string(), exists);
}

OutputDir::OutputDir(OutputDir&& other) noexcept
    : target_(std::move(other.target_)),
      temp_(std::move(other.temp_)),
      target_exists_(other.target_exists_),
      published_(std::exchange(other.published_, true)) {}

OutputDir::~OutputDir() {
  if (!published_ && !temp_.empty()) (void)RemoveTree(temp_);
}

Status OutputDir::Publish() {
  // Make the files durable before they become the dataset.
  if (int fd = ::open(temp_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  if (!target_exists_ || !fs::exists(target_)) {
    if (::rename(temp_.c_str(), target_.c_str()) != 0) {
      return Status::IOError(target_ +
                             ": cannot move the new dataset into place: " + std::strerror(errno));
    }
    published_ = true;
    return Status::OK();
  }
  if (::renameat2(AT_FDCWD, temp_.c_str(), AT_FDCWD, target_.c_str(), RENAME_EXCHANGE) == 0) {
    published_ = true;
    return RemoveTree(temp_);  // now the old dataset
  }
  // No atomic swap here: move the old one aside first (a crash in between leaves it there,
  // complete, under the aside name).
  const std::string aside = temp_ + "-old";
  if (::rename(target_.c_str(), aside.c_str()) != 0 ||
      ::rename(temp_.c_str(), target_.c_str()) != 0) {
    return Status::IOError(target_ +
                           ": cannot move the new dataset into place: " + std::strerror(errno));
  }
  published_ = true;
  return RemoveTree(aside);
}

}  // namespace frocket::ingest
