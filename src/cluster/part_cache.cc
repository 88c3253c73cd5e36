#include "cluster/part_cache.h"

#include "common/config.h"

namespace frocket::cluster {

std::string PartCacheKey(const dataset::DatasetId& dataset, const std::string& part_path) {
  return dataset.CacheKey() + "|" + part_path;
}

std::string DatasetCachePrefix(const std::string& name) {
  return name + "@";
}

Result<std::shared_ptr<PartCache>> PartCache::FromConfig() {
  FROCKET_ASSIGN_OR_RETURN(int64_t cache_mb, Config::Int("FROCKET_WORKER_MEMORY_CACHE_MB", 0));
  return std::make_shared<PartCache>(static_cast<uint64_t>(cache_mb) << 20);
}

std::shared_ptr<table::Part> PartCache::Get(const std::string& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->part;
}

void PartCache::Put(const std::string& key, std::shared_ptr<table::Part> part) {
  const uint64_t bytes = part->MemoryUsage();
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto it = index_.find(key); it != index_.end()) {
    used_ -= it->second->bytes;
    lru_.erase(it->second);
    index_.erase(it);
  }
  if (bytes > capacity_) return;
  lru_.push_front({key, std::move(part), bytes});
  index_[key] = lru_.begin();
  used_ += bytes;
  EvictLocked();
}

void PartCache::EvictLocked() {
  while (used_ > capacity_ && !lru_.empty()) {
    used_ -= lru_.back().bytes;
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
}

void PartCache::Invalidate(const std::string& prefix) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = lru_.begin(); it != lru_.end();) {
    if (it->key.rfind(prefix, 0) == 0) {
      used_ -= it->bytes;
      index_.erase(it->key);
      it = lru_.erase(it);
    } else {
      ++it;
    }
  }
}

uint64_t PartCache::used_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return used_;
}

std::vector<std::string> PartCache::KeysWithPrefix(const std::string& prefix) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> keys;
  for (const Entry& e : lru_) {
    if (e.key.rfind(prefix, 0) == 0) keys.push_back(e.key);
  }
  return keys;
}

}  // namespace frocket::cluster
