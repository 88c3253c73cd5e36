// PartCache: decoded parts kept in memory between queries (FROCKET_WORKER_MEMORY_CACHE_MB),
// least recently used evicted first. Keyed by dataset registration and part path, so a
// re-registered dataset never reads an older registration's data.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "dataset/dataset.h"
#include "table/part.h"

namespace frocket::cluster {

// A part's key in a worker's memory cache: the registration's, then the path, so that a
// re-registered dataset never meets its old parts.
std::string PartCacheKey(const dataset::DatasetId& dataset, const std::string& part_path);
// The cache keys of all registrations of a dataset name start with this.
std::string DatasetCachePrefix(const std::string& name);

class PartCache {
 public:
  explicit PartCache(uint64_t capacity_bytes) : capacity_(capacity_bytes) {}
  // Sized by FROCKET_WORKER_MEMORY_CACHE_MB.
  static Result<std::shared_ptr<PartCache>> FromConfig();

  std::shared_ptr<table::Part> Get(const std::string& key);
  // Stores (or replaces) a part; evicts others to stay within capacity. A part larger than the
  // whole cache is not kept.
  void Put(const std::string& key, std::shared_ptr<table::Part> part);
  // Drops every part whose key starts with `prefix` (a dataset's registrations).
  void Invalidate(const std::string& prefix);
  // The keys that start with `prefix`, most recently used first.
  std::vector<std::string> KeysWithPrefix(const std::string& prefix) const;

  uint64_t used_bytes() const;
  uint64_t capacity() const { return capacity_; }

 private:
  struct Entry {
    std::string key;
    std::shared_ptr<table::Part> part;
    uint64_t bytes;
  };
  void EvictLocked();

  const uint64_t capacity_;
  mutable std::mutex mutex_;
  std::list<Entry> lru_;  // most recent first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  uint64_t used_ = 0;
};

}  // namespace frocket::cluster
