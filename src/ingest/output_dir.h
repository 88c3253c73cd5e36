// OutputDir: a dataset directory written whole or not at all. Everything is written into a
// hidden temporary directory beside the target, which replaces the target in one rename at
// the end; a job that fails or is killed leaves the target as it was (the temporary directory
// of a killed job is removed by the next job writing there).
#pragma once

#include <string>

#include "common/status.h"

namespace frocket::ingest {

class OutputDir {
 public:
  // The file that marks a directory as written by `frocket repartition`.
  static constexpr const char* kReportFile = "_report.json";

  // REQUIRES: `target` is a local path. Fails when the target exists and was not written by
  // repartition (it is never replaced then), when `must_exist` and it does not exist, or
  // when another job is writing it (a lock beside it is held until this one is done).
  static Result<OutputDir> Prepare(const std::string& target, bool must_exist);

  OutputDir(OutputDir&& other) noexcept;
  OutputDir& operator=(OutputDir&&) = delete;
  ~OutputDir();  // removes the temporary directory unless published

  const std::string& target() const { return target_; }
  const std::string& temp() const { return temp_; }
  bool target_exists() const { return target_exists_; }

  // Puts the temporary directory in the target's place, atomically where the filesystem can
  // swap two directories (Linux renameat2), and removes what the target held.
  Status Publish();

 private:
  OutputDir(std::string target, std::string temp, bool target_exists, int lock_fd)
      : target_(std::move(target)),
        temp_(std::move(temp)),
        target_exists_(target_exists),
        lock_fd_(lock_fd) {}

  std::string target_;
  std::string temp_;
  bool target_exists_ = false;
  bool published_ = false;
  int lock_fd_ = -1;
};

// Removes a directory tree; missing is fine.
Status RemoveTree(const std::string& path);

}  // namespace frocket::ingest
