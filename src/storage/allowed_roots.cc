#include "storage/allowed_roots.h"

#include <filesystem>
#include <string_view>

#include "common/config.h"

namespace frocket {

namespace {

bool IsRemote(const std::string& path) {
  return path.find("://") != std::string::npos && path.rfind("file://", 0) != 0;
}

}  // namespace

AllowedRoots AllowedRoots::FromConfig() {
  return Parse(Config::Get("FROCKET_ALLOWED_BASEPATHS"));
}

AllowedRoots AllowedRoots::Parse(const std::string& value) {
  AllowedRoots out;
  for (size_t start = 0; start < value.size();) {
    size_t end = value.find(',', start);
    if (end == std::string::npos) end = value.size();
    std::string root = value.substr(start, end - start);
    root.erase(0, root.find_first_not_of(" \t"));
    root.erase(root.find_last_not_of(" \t") + 1);
    if (root == "*") {
      out.anywhere_ = true;
    } else if (!root.empty()) {
      out.roots_.push_back(root);
    }
    start = end + 1;
  }
  out.configured_ = out.anywhere_ || !out.roots_.empty();
  return out;
}

std::string ResolveLocal(std::string path) {
  if (path.rfind("file://", 0) == 0) path = path.substr(7);
  std::error_code ec;
  std::filesystem::path p = std::filesystem::absolute(path, ec);
  if (ec) return "";
  std::filesystem::path canonical = std::filesystem::weakly_canonical(p, ec);
  std::string out = (ec ? p.lexically_normal() : canonical.lexically_normal()).string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

bool AllowedRoots::Allows(const std::string& basepath) const {
  if (!restricted()) return true;
  const bool remote = IsRemote(basepath);
  const std::string path = remote ? basepath : ResolveLocal(basepath);
  if (path.empty()) return false;
  // A remote key with "." or ".." segments could leave the root once a URL is normalized.
  if (remote) {
    const std::string key = path.substr(path.find("://") + 3);
    for (size_t start = 0; start <= key.size();) {
      size_t end = key.find('/', start);
      if (end == std::string::npos) end = key.size();
      const std::string_view segment(key.data() + start, end - start);
      if (segment == "." || segment == "..") return false;
      start = end + 1;
    }
  }
  for (const std::string& r : roots_) {
    if (IsRemote(r) != remote) continue;
    std::string root = remote ? r : ResolveLocal(r);
    while (root.size() > 1 && root.back() == '/') root.pop_back();
    if (root.empty()) continue;
    if (path == root || root == "/" ||
        (path.size() > root.size() && path.compare(0, root.size(), root) == 0 &&
         path[root.size()] == '/')) {
      return true;
    }
  }
  return false;
}

}  // namespace frocket
