// S3 as an ObjectStore: s3://bucket/prefix/ base paths are listed with ListObjectsV2 (any
// number of files), and parts are read through S3ObjectSource, which fetches only the byte
// ranges the reader asks for — the footer with explicit ranges (never suffix ranges, which
// some stores get wrong), then the column chunks a query needs, coalesced and fetched in
// parallel when announced with WillRead.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "storage/disk_cache.h"
#include "storage/object_store.h"
#include "storage/s3_client.h"

namespace frocket {

class S3ObjectSource final : public ByteSource {
 public:
  // HEADs the object for its size and ETag; every later read must see that same version.
  // With a disk cache, ranges read are kept there and served from it while the object keeps
  // its ETag.
  static Result<std::unique_ptr<S3ObjectSource>> Open(std::shared_ptr<S3Client> client,
                                                      std::shared_ptr<DiskCache> disk_cache,
                                                      const S3Uri& uri);

  const std::string& name() const override { return name_; }
  Result<uint64_t> Size() override { return size_; }
  std::string version_tag() const override { return etag_; }
  Status ReadAt(uint64_t offset, uint64_t length, Buffer* out) override;
  Status WillRead(const std::vector<ByteRange>& ranges) override;
  uint64_t remote_bytes() const override { return remote_bytes_.load(); }
  uint64_t disk_cache_bytes() const override { return disk_bytes_.load(); }

  const std::string& etag() const { return etag_; }

 private:
  S3ObjectSource(std::shared_ptr<S3Client> client, std::shared_ptr<DiskCache> disk_cache, S3Uri uri,
                 uint64_t size, std::string etag)
      : client_(std::move(client)),
        disk_cache_(std::move(disk_cache)),
        uri_(std::move(uri)),
        name_(uri_.ToString()),
        size_(size),
        etag_(std::move(etag)) {}
  // Whether [offset, offset+length) lies in a fetched block; copies it out if so.
  bool ReadFetched(uint64_t offset, uint64_t length, Buffer* out);
  // A GET, its bytes counted and kept in the disk cache.
  Status Fetch(uint64_t offset, uint64_t length, Buffer* out);

  std::shared_ptr<S3Client> client_;
  std::shared_ptr<DiskCache> disk_cache_;  // may be null
  S3Uri uri_;
  std::string name_;
  uint64_t size_;
  std::string etag_;
  std::mutex mutex_;
  std::map<uint64_t, std::shared_ptr<Buffer>> fetched_;  // block start -> bytes
  std::atomic<uint64_t> remote_bytes_{0};
  std::atomic<uint64_t> disk_bytes_{0};
};

class S3ObjectStore final : public ObjectStore {
 public:
  S3ObjectStore(std::shared_ptr<S3Client> client, std::shared_ptr<DiskCache> disk_cache)
      : client_(std::move(client)), disk_cache_(std::move(disk_cache)) {}

  Result<std::vector<ObjectEntry>> List(const std::string& basepath,
                                        const std::string& pattern) override;
  Result<std::shared_ptr<ByteSource>> Open(const std::string& path) override;

 private:
  std::shared_ptr<S3Client> client_;
  std::shared_ptr<DiskCache> disk_cache_;
};

// Ranges closer than this are fetched as one GET, if the gap is no larger than the bytes
// wanted around it. Bigger gaps are not worth it: GETs run in parallel, so another GET costs
// little time, while skipped columns between row groups can be most of a file (a 1 MiB limit
// fetched 1.69x the bytes the benchmark's funnel needs; bench/README.md).
inline constexpr uint64_t kS3CoalesceGap = uint64_t{64} << 10;
// Parallel GETs of one WillRead at most.
inline constexpr size_t kS3ParallelFetches = 8;

}  // namespace frocket
