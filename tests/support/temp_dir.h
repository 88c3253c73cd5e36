// TempDir: a fresh directory under /tmp for one test (or one suite), removed with all it holds
// when the object goes.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace frocket::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "frocket-test") {
    std::string pattern = "/tmp/" + prefix + "-XXXXXX";
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // False when the directory could not be made (errno says why).
  bool ok() const { return !path_.empty(); }
  const std::string& path() const { return path_; }
  // A path inside the directory.
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace frocket::testing
