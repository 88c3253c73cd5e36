// AllowedRoots: the directories and S3 prefixes datasets may be read from
// (FROCKET_ALLOWED_BASEPATHS), checked wherever a part is listed or opened — so that neither a
// base path nor a symbolic link among its files leads outside them.
#pragma once

#include <string>
#include <vector>

namespace frocket {

class AllowedRoots {
 public:
  // FROCKET_ALLOWED_BASEPATHS: comma-separated roots, or "*" for anywhere.
  static AllowedRoots FromConfig();
  static AllowedRoots Parse(const std::string& value);

  // Whether the variable is set at all ("*" included).
  bool configured() const { return configured_; }
  // Whether paths are restricted (set, and not "*").
  bool restricted() const { return configured_ && !anywhere_; }
  const std::vector<std::string>& roots() const { return roots_; }

  // Whether `path` (a local path, file:// or s3:// URI) lies under one of the roots; always
  // true when not restricted. Local paths are compared after resolving relative paths, ".."
  // and symbolic links; s3:// keys must have no "." or ".." segments.
  bool Allows(const std::string& path) const;

 private:
  bool configured_ = false;
  bool anywhere_ = false;
  std::vector<std::string> roots_;
};

// Where a local path really is: absolute, "..", "." and symbolic links resolved ("" if the
// path cannot be made absolute).
std::string ResolveLocal(std::string path);

}  // namespace frocket
