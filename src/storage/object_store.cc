#include "storage/object_store.h"

#include <dirent.h>
#include <fnmatch.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "storage/local_file_source.h"

namespace frocket {

namespace {

class LocalObjectStore final : public ObjectStore {
 public:
  Result<std::vector<ObjectEntry>> List(const std::string& basepath,
                                        const std::string& pattern) override {
    const std::string dir = LocalPath(basepath);
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) {
      return Status::IOError(basepath + ": cannot list directory: " + std::strerror(errno));
    }
    std::vector<ObjectEntry> out;
    while (dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      if (::fnmatch(pattern.c_str(), name.c_str(), FNM_PERIOD) != 0) continue;
      struct stat st;
      std::string full = dir + (dir.empty() || dir.back() == '/' ? "" : "/") + name;
      if (::stat(full.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      out.push_back({name, static_cast<uint64_t>(st.st_size)});
    }
    ::closedir(d);
    std::sort(out.begin(), out.end(),
              [](const ObjectEntry& a, const ObjectEntry& b) { return a.name < b.name; });
    return out;
  }

  Result<std::shared_ptr<ByteSource>> Open(const std::string& path) override {
    FROCKET_ASSIGN_OR_RETURN(auto source, LocalFileSource::Open(LocalPath(path)));
    return std::shared_ptr<ByteSource>(std::move(source));
  }
};

}  // namespace

std::string LocalPath(const std::string& path) {
  if (path.rfind("file://", 0) == 0) return path.substr(7);
  return path;
}

Result<std::shared_ptr<ObjectStore>> ObjectStoreFor(const std::string& path) {
  if (path.rfind("s3://", 0) == 0) {
    return Status::NotImplemented(path + ": S3 base paths are not supported yet");
  }
  auto scheme = path.find("://");
  if (scheme != std::string::npos && path.rfind("file://", 0) != 0) {
    return Status::Invalid(path + ": unknown scheme '" + path.substr(0, scheme) +
                           "' (use a local path, file:// or s3://)");
  }
  static const auto kLocal = std::make_shared<LocalObjectStore>();
  return std::shared_ptr<ObjectStore>(kLocal);
}

}  // namespace frocket
