#include "ingest/output_dir.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "common/json_parse.h"

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

// Whether `dir` holds a report repartition wrote (not just any file of that name).
bool WrittenByRepartition(const fs::path& dir) {
  std::ifstream in(dir / OutputDir::kReportFile);
  if (!in) return false;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto report = ParseJson(text);
  return report.ok() && report->is_object() &&
         report->value("format", std::string()) == "frocket-repartition/1";
}

// An exclusive lock on a file beside `target`, held while a job writes it: two jobs writing
// one dataset would otherwise both publish, the second dropping the first's rows.
Result<int> LockBeside(const fs::path& target) {
  const fs::path path = target.parent_path() / ("." + target.filename().string() + ".frocket-lock");
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError(path.string() + ": cannot create: " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return Status::Invalid(target.string() + ": another frocket repartition is writing it");
  }
  return fd;
}

// Makes a rename in `dir` durable.
void SyncDirectory(const std::string& dir) {
  if (int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); fd >= 0) {
    ::fsync(fd);
    ::close(fd);
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
  if (!fs::is_directory(target.parent_path(), ec)) {
    return Status::IOError(target.parent_path().string() + ": no such directory");
  }
  FROCKET_ASSIGN_OR_RETURN(const int lock_fd, LockBeside(target));
  OutputDir locked(target.string(), "", false, lock_fd);  // releases the lock on failure
  const bool exists = fs::exists(target, ec);
  if (exists) {
    if (!fs::is_directory(target, ec)) {
      return Status::Invalid(target_arg + ": exists and is not a directory");
    }
    const bool ours = WrittenByRepartition(target);
    if (!ours && !fs::is_empty(target, ec)) {
      return Status::Invalid(target_arg +
                             ": exists and was not written by frocket repartition (no " +
                             kReportFile + "); it is left alone — choose another --out");
    }
  } else if (must_exist) {
    return Status::NotFound(target_arg + ": no such dataset directory to append to");
  }
  RemoveStaleTemps(target);
  const fs::path temp = target.parent_path() / ("." + target.filename().string() + kTempMarker +
                                                std::to_string(::getpid()));
  fs::remove_all(temp, ec);
  if (!fs::create_directory(temp, ec)) {
    return Status::IOError(temp.string() + ": cannot create: " + ec.message());
  }
  return OutputDir(target.string(), temp.string(), exists, std::exchange(locked.lock_fd_, -1));
}

OutputDir::OutputDir(OutputDir&& other) noexcept
    : target_(std::move(other.target_)),
      temp_(std::move(other.temp_)),
      target_exists_(other.target_exists_),
      published_(std::exchange(other.published_, true)),
      lock_fd_(std::exchange(other.lock_fd_, -1)) {}

OutputDir::~OutputDir() {
  if (!published_ && !temp_.empty()) (void)RemoveTree(temp_);
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the lock
}

Status OutputDir::Publish() {
  // Make the files durable before they become the dataset, and the rename after.
  SyncDirectory(temp_);
  const std::string parent = fs::path(target_).parent_path().string();
  if (!target_exists_ || !fs::exists(target_)) {
    if (::rename(temp_.c_str(), target_.c_str()) != 0) {
      return Status::IOError(target_ +
                             ": cannot move the new dataset into place: " + std::strerror(errno));
    }
    published_ = true;
    SyncDirectory(parent);
    return Status::OK();
  }
  if (::renameat2(AT_FDCWD, temp_.c_str(), AT_FDCWD, target_.c_str(), RENAME_EXCHANGE) == 0) {
    published_ = true;
    SyncDirectory(parent);
    return RemoveTree(temp_);  // now the old dataset
  }
  // No atomic swap here: move the old one aside first (a crash in between leaves it there,
  // complete, under the aside name).
  const std::string aside = temp_ + "-old";
  if (::rename(target_.c_str(), aside.c_str()) != 0) {
    return Status::IOError(target_ +
                           ": cannot move the old dataset aside: " + std::strerror(errno));
  }
  if (::rename(temp_.c_str(), target_.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::rename(aside.c_str(), target_.c_str());  // the old dataset back in its place
    return Status::IOError(target_ + ": cannot move the new dataset into place: " + why);
  }
  published_ = true;
  SyncDirectory(parent);
  return RemoveTree(aside);
}

}  // namespace frocket::ingest
