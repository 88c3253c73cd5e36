// DiskCache: byte ranges of remote objects kept on local disk between queries
// (FROCKET_WORKER_DISK_CACHE_SIZE_MB, under $FROCKET_HOME/disk-cache), least recently used
// evicted first.
//
// An entry is keyed by the object's URI *and its ETag*: a changed object has a new ETag, so
// its old bytes are never served. Entries are files written to a temporary name and renamed,
// so several processes may share the directory and a crash never leaves a torn entry; an
// entry that vanished (evicted by another process) is simply a miss.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/buffer.h"
#include "common/status.h"

namespace frocket {

class DiskCache {
 public:
  // Opens (creating) the directory and indexes what is already there.
  static Result<std::shared_ptr<DiskCache>> Open(const std::string& directory,
                                                 uint64_t capacity_bytes);
  // From FROCKET_WORKER_DISK_CACHE_SIZE_MB and FROCKET_HOME; null when the size is 0.
  static Result<std::shared_ptr<DiskCache>> FromConfig();

  // Bytes [offset, offset + length) of the object version, if cached (whole, as one entry).
  bool Get(const std::string& uri, const std::string& etag, uint64_t offset, uint64_t length,
           Buffer* out);
  // Stores a range; evicts others to stay within capacity. Failures (a full disk) only log:
  // the cache is an optimisation.
  void Put(const std::string& uri, const std::string& etag, uint64_t offset,
           std::span<const uint8_t> bytes);
  // Whole entries, written from pieces and mapped into memory to be read: for callers that keep
  // a structure of their own in an entry (the transcoded part cache) and use its bytes where
  // they lie — no copy, and only the bytes they use read from disk. Each block of an entry
  // (kEntryBlock bytes) has a checksum of its own, checked when the caller first verifies a
  // range in it; bytes not verified must not be used.
  static constexpr uint64_t kEntryBlock = uint64_t{64} << 10;
  class MappedEntry {
   public:
    MappedEntry(const MappedEntry&) = delete;
    MappedEntry& operator=(const MappedEntry&) = delete;
    ~MappedEntry();
    // The entry's bytes, 64-byte aligned, in a private writable mapping (a write stays in this
    // process). Another process never changes an entry's file (entries are written whole to a
    // new file). What a mapping cannot survive: a file truncated by hand while mapped, or a
    // disk failing to read a page of it, faults the reader (a read() would have failed). An
    // entry evicted while mapped keeps its disk space until its last view is gone, beyond the
    // cache's capacity.
    std::span<uint8_t> bytes() const { return bytes_; }
    // True if bytes [offset, offset + n) are intact: the checksums of the blocks holding them
    // match (each block checked once). False also for a range outside the entry. An entry found
    // corrupt is dropped (and logged). One thread at a time.
    bool Verify(uint64_t offset, uint64_t n);
    // Drops the entry, whose bytes are intact but not what the caller can use (`why`, logged),
    // so that it is made again.
    void Discard(const std::string& why);

   private:
    friend class DiskCache;
    MappedEntry(DiskCache* cache, std::string file, std::string uri, void* map, size_t map_size,
                std::span<uint8_t> bytes, const uint8_t* checksums);

    DiskCache* cache_;
    std::string file_, uri_;
    void* map_;
    size_t map_size_;
    std::span<uint8_t> bytes_;
    const uint8_t* checksums_;      // 8 bytes a block, little-endian
    std::vector<uint8_t> checked_;  // a block's checksum matched
    bool corrupt_ = false;
  };
  // The entry of an object version stored by PutEntry, mapped, if cached and its block
  // checksums are intact (a corrupt one is dropped).
  std::shared_ptr<MappedEntry> MapEntry(const std::string& uri, const std::string& etag);
  // Stores an entry made of `pieces`, one after another (see Put).
  void PutEntry(const std::string& uri, const std::string& etag,
                std::span<const std::span<const uint8_t>> pieces);

  // Drops every entry of objects whose URI starts with `prefix` (a re-registered dataset).
  void Invalidate(const std::string& uri_prefix);

  uint64_t used_bytes() const;
  const std::string& directory() const { return directory_; }

 private:
  DiskCache(std::string directory, uint64_t capacity)
      : directory_(std::move(directory)), capacity_(capacity) {}
  struct Entry {
    std::string file;  // name within the directory
    std::string uri;
    uint64_t bytes = 0;
  };
  void Index();
  // Opens an entry's file and checks its header; -1 if it is not there (or another key's).
  int OpenEntryFile(const std::string& file, const std::string& key);
  // Writes a file (to a temporary name, then renamed) and indexes it; `bytes` is its size.
  void AddFile(const std::string& file, const std::string& uri, uint64_t bytes,
               const std::function<bool(int fd)>& write);
  // Drops an entry found corrupt (or unusable: `why`).
  void DropCorrupt(const std::string& file, const std::string& uri,
                   const std::string& why = "checksum or length mismatch");
  void EvictLocked();
  void RemoveLocked(std::list<Entry>::iterator it);

  std::string directory_;
  const uint64_t capacity_;
  mutable std::mutex mutex_;
  std::list<Entry> lru_;  // most recent first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  uint64_t used_ = 0;
};

}  // namespace frocket
