#include "storage/object_store.h"

#include <dirent.h>
#include <fnmatch.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <string_view>

#include "storage/allowed_roots.h"
#include "storage/local_file_source.h"
#include "storage/s3_object_store.h"

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
    const AllowedRoots roots = AllowedRoots::FromConfig();
    std::vector<ObjectEntry> out;
    while (dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      if (::fnmatch(pattern.c_str(), name.c_str(), FNM_PERIOD) != 0) continue;
      struct stat st;
      std::string full = dir + (dir.empty() || dir.back() == '/' ? "" : "/") + name;
      if (::stat(full.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      if (Status allowed = CheckAllowed(roots, full, [&] { return ResolveLocal(full); });
          !allowed.ok()) {
        ::closedir(d);
        return allowed;
      }
      out.push_back({name, static_cast<uint64_t>(st.st_size), ModificationTag(st)});
    }
    ::closedir(d);
    std::sort(out.begin(), out.end(),
              [](const ObjectEntry& a, const ObjectEntry& b) { return a.name < b.name; });
    return out;
  }

  Result<std::shared_ptr<ByteSource>> Open(const std::string& path) override {
    FROCKET_ASSIGN_OR_RETURN(auto source, LocalFileSource::Open(LocalPath(path)));
    // The file as opened, wherever links led (no window for a link to change after the check).
    FROCKET_RETURN_IF_ERROR(
        CheckAllowed(AllowedRoots::FromConfig(), path, [&] { return source->RealPath(); }));
    return std::shared_ptr<ByteSource>(std::move(source));
  }

 private:
  // A part must really lie under FROCKET_ALLOWED_BASEPATHS: a symbolic link among a base
  // path's files may point anywhere, and may be changed after registration. The real path is
  // looked up only when paths are restricted.
  template <typename RealPath>
  static Status CheckAllowed(const AllowedRoots& roots, const std::string& path,
                             const RealPath& real_path) {
    if (!roots.restricted()) return Status::OK();
    const std::string real = real_path();
    if (!real.empty() && roots.Allows(real)) return Status::OK();
    return Status::IOError(path + ": the file is " + (real.empty() ? "of unknown location" : real) +
                           ", outside the roots datasets may be read from "
                           "(FROCKET_ALLOWED_BASEPATHS)");
  }
};

// An ETag without its quotes: listings and HEAD answers of some stores differ in quoting.
std::string_view Unquoted(std::string_view tag) {
  if (tag.size() >= 2 && tag.front() == '"' && tag.back() == '"')
    return tag.substr(1, tag.size() - 2);
  return tag;
}

}  // namespace

Result<std::shared_ptr<ByteSource>> ObjectStore::OpenVersion(const std::string& path,
                                                             const ObjectVersion& expected) {
  FROCKET_ASSIGN_OR_RETURN(std::shared_ptr<ByteSource> source, Open(path));
  FROCKET_ASSIGN_OR_RETURN(uint64_t size, source->Size());
  std::string change;
  if (size != expected.size) {
    change =
        "its size was " + std::to_string(expected.size) + " bytes and is " + std::to_string(size);
  } else if (!expected.tag.empty() && Unquoted(source->version_tag()) != Unquoted(expected.tag)) {
    change = "its version was " + expected.tag + " and is " + source->version_tag();
  }
  if (!change.empty()) {
    return Status::IOError(path + ": the part changed after the dataset was registered (" + change +
                           "); register the dataset again");
  }
  return source;
}

std::string LocalPath(const std::string& path) {
  if (path.rfind("file://", 0) == 0) return path.substr(7);
  return path;
}

Result<std::shared_ptr<ObjectStore>> ObjectStoreFor(const std::string& path) {
  if (path.rfind("s3://", 0) == 0) {
    // One client per process (it holds the configuration; connections are per thread).
    static std::mutex mutex;
    static std::shared_ptr<ObjectStore> s3;
    std::lock_guard<std::mutex> lock(mutex);
    if (s3 == nullptr) {
      auto settings = S3Settings::FromConfig();
      if (!settings.ok()) return settings.status().WithContext(path);
      auto disk_cache = DiskCache::FromConfig();
      if (!disk_cache.ok()) return disk_cache.status();
      s3 = std::make_shared<S3ObjectStore>(std::make_shared<S3Client>(std::move(*settings)),
                                           std::move(*disk_cache));
    }
    return s3;
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
