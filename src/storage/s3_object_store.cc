#include "storage/s3_object_store.h"

#include <fnmatch.h>

#include <algorithm>
#include <cstring>

#include "common/deadline.h"
#include "common/parallel.h"

namespace frocket {

Result<std::unique_ptr<S3ObjectSource>> S3ObjectSource::Open(std::shared_ptr<S3Client> client,
                                                             std::shared_ptr<DiskCache> disk_cache,
                                                             const S3Uri& uri) {
  FROCKET_ASSIGN_OR_RETURN(S3Object head, client->Head(uri.bucket, uri.key));
  return std::unique_ptr<S3ObjectSource>(
      new S3ObjectSource(std::move(client), std::move(disk_cache), uri, head.size, head.etag));
}

Status S3ObjectSource::Fetch(uint64_t offset, uint64_t length, Buffer* out) {
  FROCKET_RETURN_IF_ERROR(client_->GetRange(uri_.bucket, uri_.key, offset, length, etag_, out));
  remote_bytes_ += length;
  return Status::OK();
}

bool S3ObjectSource::ReadFetched(uint64_t offset, uint64_t length, Buffer* out) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = fetched_.upper_bound(offset);
  if (it == fetched_.begin()) return false;
  --it;
  const uint64_t start = it->first;
  const Buffer& block = *it->second;
  if (offset + length > start + block.size()) return false;
  out->Resize(static_cast<size_t>(length));
  std::memcpy(out->data(), block.data() + (offset - start), static_cast<size_t>(length));
  return true;
}

Status S3ObjectSource::ReadAt(uint64_t offset, uint64_t length, Buffer* out) {
  if (offset > size_ || length > size_ - offset) {
    return Status::IOError(name_ + ": read of " + std::to_string(length) + " bytes at offset " +
                           std::to_string(offset) + " is past the end of the object (" +
                           std::to_string(size_) + " bytes)");
  }
  if (ReadFetched(offset, length, out)) return Status::OK();
  if (disk_cache_ != nullptr && disk_cache_->Get(name_, etag_, offset, length, out)) {
    disk_bytes_ += length;
    return Status::OK();
  }
  FROCKET_RETURN_IF_ERROR(Fetch(offset, length, out));
  if (disk_cache_ != nullptr) disk_cache_->Put(name_, etag_, offset, out->span());
  return Status::OK();
}

Status S3ObjectSource::WillRead(const std::vector<ByteRange>& ranges) {
  // Ranges the disk cache holds are read from it; the others are fetched.
  std::vector<ByteRange> sorted;
  for (const ByteRange& r : ranges) {
    if (r.length == 0 || r.offset > size_ || r.length > size_ - r.offset) continue;
    auto cached = std::make_shared<Buffer>();
    if (disk_cache_ != nullptr &&
        disk_cache_->Get(name_, etag_, r.offset, r.length, cached.get())) {
      disk_bytes_ += r.length;
      std::lock_guard<std::mutex> lock(mutex_);
      fetched_[r.offset] = std::move(cached);
      continue;
    }
    sorted.push_back(r);
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const ByteRange& a, const ByteRange& b) { return a.offset < b.offset; });
  // A gap is fetched with its neighbours when it is small (a round trip costs more) and no
  // larger than the bytes wanted on either side: at most half of a block is waste.
  std::vector<ByteRange> blocks;
  uint64_t wanted = 0;  // bytes of the last block that were asked for
  for (const ByteRange& r : sorted) {
    const uint64_t end = blocks.empty() ? 0 : blocks.back().offset + blocks.back().length;
    const uint64_t gap = !blocks.empty() && r.offset > end ? r.offset - end : 0;
    if (!blocks.empty() && r.offset <= end + kS3CoalesceGap && gap <= wanted + r.length) {
      ByteRange& b = blocks.back();
      b.length = std::max(end, r.offset + r.length) - b.offset;
      wanted += r.length;
    } else {
      blocks.push_back(r);
      wanted = r.length;
    }
  }
  std::vector<std::shared_ptr<Buffer>> buffers(blocks.size());
  std::vector<Status> statuses(blocks.size());
  const auto deadline = Deadline::Current();
  ParallelFor(blocks.size(), kS3ParallelFetches, [&](size_t i) {
    Deadline::Scope scope(deadline);  // the request's deadline, on every thread
    buffers[i] = std::make_shared<Buffer>();
    statuses[i] = Fetch(blocks[i].offset, blocks[i].length, buffers[i].get());
  });
  for (const Status& status : statuses) FROCKET_RETURN_IF_ERROR(status);
  // Each range the reader asked for becomes its own disk entry: another query's coalesced
  // blocks differ, its column chunks do not.
  if (disk_cache_ != nullptr) {
    size_t b = 0;
    for (const ByteRange& r : sorted) {
      while (blocks[b].offset + blocks[b].length < r.offset + r.length) ++b;
      const uint8_t* bytes = buffers[b]->data() + (r.offset - blocks[b].offset);
      disk_cache_->Put(name_, etag_, r.offset, {bytes, static_cast<size_t>(r.length)});
    }
  }
  std::lock_guard<std::mutex> lock(mutex_);
  for (size_t i = 0; i < blocks.size(); ++i) fetched_[blocks[i].offset] = std::move(buffers[i]);
  return Status::OK();
}

Result<std::vector<ObjectEntry>> S3ObjectStore::List(const std::string& basepath,
                                                     const std::string& pattern) {
  FROCKET_ASSIGN_OR_RETURN(S3Uri uri, S3Uri::Parse(basepath));
  std::string prefix = uri.key;
  if (!prefix.empty() && prefix.back() != '/') prefix += '/';
  FROCKET_ASSIGN_OR_RETURN(auto objects, client_->List(uri.bucket, prefix));
  std::vector<ObjectEntry> out;
  for (const S3Object& o : objects) {
    std::string name = o.key.substr(prefix.size());
    if (name.empty() || name.find('/') != std::string::npos) continue;
    if (::fnmatch(pattern.c_str(), name.c_str(), FNM_PERIOD) != 0) continue;
    out.push_back({std::move(name), o.size, o.etag});
  }
  std::sort(out.begin(), out.end(),
            [](const ObjectEntry& a, const ObjectEntry& b) { return a.name < b.name; });
  return out;
}

Result<std::shared_ptr<ByteSource>> S3ObjectStore::Open(const std::string& path) {
  FROCKET_ASSIGN_OR_RETURN(S3Uri uri, S3Uri::Parse(path));
  FROCKET_ASSIGN_OR_RETURN(auto source, S3ObjectSource::Open(client_, disk_cache_, uri));
  return std::shared_ptr<ByteSource>(std::move(source));
}

}  // namespace frocket
