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
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/buffer.h"
#include "common/piece_reader.h"
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
  // Whole entries, written from pieces and read back piece by piece: for callers that keep a
  // structure of their own in an entry (the transcoded part cache), read into its own buffers
  // without a copy of the whole entry first. The checksum is verified as the pieces are read.
  class EntryReader final : public PieceReader {
   public:
    ~EntryReader() override;
    uint64_t remaining() const override { return remaining_; }
    bool Read(void* out, size_t n) override;
    // True if every byte was read and the checksum matches. A corrupt entry is dropped (and
    // logged): what was read from it must not be used.
    bool Finish();
    // Drops the entry, whose bytes are intact but not what the caller can use (`why`, logged),
    // so that it is made again.
    void Discard(const std::string& why);

   private:
    friend class DiskCache;
    EntryReader(DiskCache* cache, std::string file, std::string uri, int fd, uint64_t remaining);

    DiskCache* cache_;
    std::string file_, uri_;
    int fd_;
    uint64_t remaining_;
    struct HashState;
    std::unique_ptr<HashState> hash_;
  };
  // The entry of an object version stored by PutEntry, if cached.
  std::unique_ptr<EntryReader> GetEntry(const std::string& uri, const std::string& etag);
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
  void WriteEntry(const std::string& file, const std::string& uri, const std::string& key,
                  std::span<const std::span<const uint8_t>> pieces);
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
