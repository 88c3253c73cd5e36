// ObjectStore: where dataset files live — listing the files under a base path, and opening
// one for range reads. Local directories now; S3 later, without changing callers.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "storage/byte_source.h"

namespace frocket {

struct ObjectEntry {
  std::string name;  // relative to the base path
  uint64_t size = 0;
  std::string version_tag;  // see ByteSource::version_tag
};

// One version of an object, as recorded when a dataset is registered.
struct ObjectVersion {
  uint64_t size = 0;
  std::string tag;  // empty: only the size is checked
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  // The objects directly under `basepath` whose names match the glob `pattern`, by name.
  virtual Result<std::vector<ObjectEntry>> List(const std::string& basepath,
                                                const std::string& pattern) = 0;
  virtual Result<std::shared_ptr<ByteSource>> Open(const std::string& path) = 0;

  // Opens the object and checks that it is still the version given: a part replaced or
  // rewritten since its dataset was registered fails here, naming the part and what changed.
  Result<std::shared_ptr<ByteSource>> OpenVersion(const std::string& path,
                                                  const ObjectVersion& expected);
};

// The store a base path belongs to: local paths ("/data/x", "data/x", "file:///data/x").
Result<std::shared_ptr<ObjectStore>> ObjectStoreFor(const std::string& path);

// A local path without its "file://" scheme.
std::string LocalPath(const std::string& path);

}  // namespace frocket
