#include "storage/disk_cache.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <random>

#include "common/config.h"
#include "common/log.h"
#include "common/random.h"

namespace frocket {

namespace {

// FNV-1a, 64 bits: a file name for a key (collisions are harmless — see EntryFileName).
uint64_t Fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// "<hash of uri+etag>-<offset>-<length>". The first line of the file repeats the full key, and
// a read checks it, so two keys with the same hash never serve each other's bytes.
std::string EntryFileName(const std::string& key, uint64_t offset, uint64_t length) {
  char buf[80];
  std::snprintf(buf, sizeof(buf), "%016llx-%llu-%llu", static_cast<unsigned long long>(Fnv1a(key)),
                static_cast<unsigned long long>(offset), static_cast<unsigned long long>(length));
  return buf;
}

// "<hash of uri+etag>-entry": a whole entry (PutEntry), of a length only its file tells.
std::string WholeEntryFileName(const std::string& key) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%016llx-entry", static_cast<unsigned long long>(Fnv1a(key)));
  return buf;
}

std::string Key(const std::string& uri, const std::string& etag) {
  return uri + "\n" + etag;
}

// An entry's bytes are followed by their XXH3-64 checksum, little-endian: a flipped bit on
// disk (or a file changed by hand) is caught on every read, at ~20 GB/s.
constexpr size_t kChecksumBytes = 8;

uint64_t Checksum(std::span<const uint8_t> bytes) {
  return XXH3_64bits(bytes.data(), bytes.size());
}

void StoreLittle64(uint64_t v, uint8_t* out) {
  for (size_t i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(v >> (8 * i));
}

uint64_t LoadLittle64(const uint8_t* in) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v |= static_cast<uint64_t>(in[i]) << (8 * i);
  return v;
}

bool ReadAll(int fd, void* data, size_t n) {
  auto* p = static_cast<uint8_t*>(data);
  while (n > 0) {
    ssize_t r = ::read(fd, p, n);
    if (r <= 0) {
      if (r < 0 && errno == EINTR) continue;
      return false;
    }
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

bool WriteAll(int fd, const void* data, size_t n) {
  const auto* p = static_cast<const uint8_t*>(data);
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

}  // namespace

Result<std::shared_ptr<DiskCache>> DiskCache::Open(const std::string& directory,
                                                   uint64_t capacity_bytes) {
  std::string path;
  for (size_t i = 0; i <= directory.size(); ++i) {
    if (i == directory.size() || directory[i] == '/') {
      path = directory.substr(0, i);
      if (!path.empty() && ::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
        return Status::IOError("disk cache " + directory + ": cannot create " + path + ": " +
                               std::strerror(errno));
      }
    }
  }
  std::shared_ptr<DiskCache> cache(new DiskCache(directory, capacity_bytes));
  cache->Index();
  return cache;
}

Result<std::shared_ptr<DiskCache>> DiskCache::FromConfig() {
  FROCKET_ASSIGN_OR_RETURN(int64_t mb, Config::Int("FROCKET_WORKER_DISK_CACHE_SIZE_MB", 0));
  if (mb == 0) return std::shared_ptr<DiskCache>();
  return Open(Config::Home() + "/disk-cache", static_cast<uint64_t>(mb) << 20);
}

void DiskCache::Index() {
  DIR* d = ::opendir(directory_.c_str());
  if (d == nullptr) return;
  struct Found {
    std::string file;
    uint64_t bytes;
    int64_t atime;
  };
  std::vector<Found> found;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.empty() || name[0] == '.') continue;
    struct stat st;
    if (::stat((directory_ + "/" + name).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    found.push_back({name, static_cast<uint64_t>(st.st_size), static_cast<int64_t>(st.st_atime)});
  }
  ::closedir(d);
  std::sort(found.begin(), found.end(),
            [](const Found& a, const Found& b) { return a.atime > b.atime; });
  std::lock_guard<std::mutex> lock(mutex_);
  for (const Found& f : found) {
    lru_.push_back({f.file, "", f.bytes});  // the URI is read back on the first hit
    index_[f.file] = std::prev(lru_.end());
    used_ += f.bytes;
  }
  EvictLocked();
}

int DiskCache::OpenEntryFile(const std::string& file, const std::string& key) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = index_.find(file);
    if (it == index_.end()) return -1;
    lru_.splice(lru_.begin(), lru_, it->second);
  }
  const int fd = ::open((directory_ + "/" + file).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;  // evicted meanwhile (perhaps by another process)
  std::string header(key.size() + 1, '\0');
  if (!ReadAll(fd, header.data(), header.size()) || header != key + "\n") {
    ::close(fd);
    return -1;  // another key with the same hash: not this entry's bytes
  }
  return fd;
}

void DiskCache::DropCorrupt(const std::string& file, const std::string& uri,
                            const std::string& why) {
  // A disk error or a tampered file: never serve it; drop it so that it is made again.
  log::Warning("disk-cache", "entry " + file + " of " + uri + " is corrupt (" + why +
                                 "); dropped, the bytes are read again");
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = index_.find(file);
  if (it != index_.end()) {
    RemoveLocked(it->second);
  } else {
    ::unlink((directory_ + "/" + file).c_str());
  }
}

bool DiskCache::Get(const std::string& uri, const std::string& etag, uint64_t offset,
                    uint64_t length, Buffer* out) {
  const std::string key = Key(uri, etag);
  const std::string file = EntryFileName(key, offset, length);
  const int fd = OpenEntryFile(file, key);
  if (fd < 0) return false;
  out->Resize(static_cast<size_t>(length));
  uint8_t trailer[kChecksumBytes];
  bool intact = ReadAll(fd, out->data(), static_cast<size_t>(length)) &&
                ReadAll(fd, trailer, sizeof(trailer));
  uint8_t extra;
  intact = intact && ::read(fd, &extra, 1) == 0 && Checksum(out->span()) == LoadLittle64(trailer);
  ::close(fd);
  if (!intact) {
    DropCorrupt(file, uri);
    return false;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = index_.find(file);
  if (it != index_.end()) it->second->uri = uri;
  return true;
}

void DiskCache::Put(const std::string& uri, const std::string& etag, uint64_t offset,
                    std::span<const uint8_t> bytes) {
  const std::string key = Key(uri, etag);
  const std::string header = key + "\n";
  uint8_t trailer[kChecksumBytes];
  StoreLittle64(Checksum(bytes), trailer);
  AddFile(EntryFileName(key, offset, bytes.size()), uri,
          header.size() + bytes.size() + kChecksumBytes, [&](int fd) {
            return WriteAll(fd, header.data(), header.size()) &&
                   WriteAll(fd, bytes.data(), bytes.size()) &&
                   WriteAll(fd, trailer, sizeof(trailer));
          });
}

// A whole entry's file: the key's line, zero-padded to a multiple of 64 bytes (so that the
// entry's bytes are 64-byte aligned where the file is mapped); the entry's bytes; the XXH3-64
// checksum of each kEntryBlock of them; their length; the checksum of those checksums and the
// length. All numbers little-endian.
constexpr uint64_t kEntryAlignment = 64;

uint64_t EntryHeaderBytes(const std::string& key) {
  return (key.size() + 1 + kEntryAlignment - 1) / kEntryAlignment * kEntryAlignment;
}

uint64_t EntryBlocks(uint64_t length) {
  return (length + DiskCache::kEntryBlock - 1) / DiskCache::kEntryBlock;
}

DiskCache::MappedEntry::MappedEntry(DiskCache* cache, std::string file, std::string uri, void* map,
                                    size_t map_size, std::span<uint8_t> bytes,
                                    const uint8_t* checksums)
    : cache_(cache),
      file_(std::move(file)),
      uri_(std::move(uri)),
      map_(map),
      map_size_(map_size),
      bytes_(bytes),
      checksums_(checksums),
      checked_(EntryBlocks(bytes.size()), 0) {}

DiskCache::MappedEntry::~MappedEntry() {
  ::munmap(map_, map_size_);
}

bool DiskCache::MappedEntry::Verify(uint64_t offset, uint64_t n) {
  if (corrupt_ || offset > bytes_.size() || n > bytes_.size() - offset) return false;
  if (n == 0) return true;
  for (uint64_t b = offset / kEntryBlock; b <= (offset + n - 1) / kEntryBlock; ++b) {
    if (checked_[b]) continue;
    const uint64_t begin = b * kEntryBlock;
    const uint64_t size = std::min<uint64_t>(kEntryBlock, bytes_.size() - begin);
    if (Checksum(bytes_.subspan(begin, size)) != LoadLittle64(checksums_ + 8 * b)) {
      corrupt_ = true;
      cache_->DropCorrupt(file_, uri_, "block " + std::to_string(b) + "'s checksum mismatch");
      return false;
    }
    checked_[b] = 1;
  }
  return true;
}

void DiskCache::MappedEntry::Discard(const std::string& why) {
  if (corrupt_) return;  // dropped already
  corrupt_ = true;
  cache_->DropCorrupt(file_, uri_, why);
}

std::shared_ptr<DiskCache::MappedEntry> DiskCache::MapEntry(const std::string& uri,
                                                            const std::string& etag) {
  const std::string key = Key(uri, etag);
  const std::string file = WholeEntryFileName(key);
  const int fd = OpenEntryFile(file, key);
  if (fd < 0) return nullptr;
  struct stat st;
  if (::fstat(fd, &st) != 0 || st.st_size <= 0) {
    ::close(fd);
    DropCorrupt(file, uri, "empty or unreadable");
    return nullptr;
  }
  const auto size = static_cast<size_t>(st.st_size);
  void* map = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  const int map_error = errno;
  ::close(fd);
  if (map == MAP_FAILED) {
    // Out of address space or mappings, not a bad entry: kept, and read from the source now.
    log::Warning("disk-cache",
                 "cannot map entry " + file + " of " + uri + ": " + std::strerror(map_error));
    return nullptr;
  }
  // The layout's numbers, each checked before it is relied on.
  auto* base = static_cast<uint8_t*>(map);
  const uint64_t header = EntryHeaderBytes(key);
  const uint64_t trailer = 2 * kChecksumBytes;
  uint64_t length = 0, blocks = 0;
  bool intact = size >= header + trailer;
  if (intact) {
    length = LoadLittle64(base + size - trailer);
    intact = length <= size - header - trailer;
  }
  if (intact) {
    blocks = EntryBlocks(length);
    intact = header + length + blocks * kChecksumBytes + trailer == size &&
             Checksum({base + header + length, blocks * kChecksumBytes + kChecksumBytes}) ==
                 LoadLittle64(base + size - kChecksumBytes);
  }
  if (!intact) {
    ::munmap(map, size);
    DropCorrupt(file, uri);
    return nullptr;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = index_.find(file);
    if (it != index_.end()) it->second->uri = uri;
  }
  return std::shared_ptr<MappedEntry>(
      new MappedEntry(this, file, uri, map, size, {base + header, length}, base + header + length));
}

void DiskCache::PutEntry(const std::string& uri, const std::string& etag,
                         std::span<const std::span<const uint8_t>> pieces) {
  const std::string key = Key(uri, etag);
  std::string header = key + "\n";
  header.resize(EntryHeaderBytes(key), '\0');
  uint64_t length = 0;
  for (const auto& piece : pieces) length += piece.size();
  // Each block's checksum: blocks span pieces, so one streaming state over them.
  std::vector<uint8_t> checksums;
  checksums.reserve(EntryBlocks(length) * kChecksumBytes + kChecksumBytes);
  const std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> owned_state(XXH3_createState(),
                                                                             &XXH3_freeState);
  XXH3_state_t* state = owned_state.get();
  if (state == nullptr) throw std::bad_alloc();
  XXH3_64bits_reset(state);
  uint64_t in_block = 0;
  auto close_block = [&] {
    uint8_t sum[kChecksumBytes];
    StoreLittle64(XXH3_64bits_digest(state), sum);
    checksums.insert(checksums.end(), sum, sum + kChecksumBytes);
    XXH3_64bits_reset(state);
    in_block = 0;
  };
  for (const auto& piece : pieces) {
    for (uint64_t done = 0; done < piece.size();) {
      const uint64_t n = std::min<uint64_t>(kEntryBlock - in_block, piece.size() - done);
      XXH3_64bits_update(state, piece.data() + done, n);
      done += n;
      in_block += n;
      if (in_block == kEntryBlock) close_block();
    }
  }
  if (in_block > 0) close_block();
  uint8_t trailer[2 * kChecksumBytes];
  StoreLittle64(length, trailer);
  checksums.insert(checksums.end(), trailer, trailer + kChecksumBytes);
  StoreLittle64(Checksum(checksums), trailer + kChecksumBytes);
  const uint64_t total = header.size() + length + checksums.size() + kChecksumBytes;
  AddFile(WholeEntryFileName(key), uri, total, [&](int fd) {
    bool ok = WriteAll(fd, header.data(), header.size());
    for (const auto& piece : pieces) ok = ok && WriteAll(fd, piece.data(), piece.size());
    return ok && WriteAll(fd, checksums.data(), checksums.size()) &&
           WriteAll(fd, trailer + kChecksumBytes, kChecksumBytes);
  });
}

void DiskCache::AddFile(const std::string& file, const std::string& uri, uint64_t bytes,
                        const std::function<bool(int fd)>& write) {
  if (bytes > capacity_) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (index_.count(file) != 0) return;
  }
  static thread_local std::mt19937_64 rng(RandomSeed());
  const std::string temp = directory_ + "/." + file + "." + std::to_string(rng());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    log::Warning("disk-cache", "cannot write " + temp + ": " + std::strerror(errno));
    return;
  }
  const bool ok = write(fd);
  ::close(fd);
  if (!ok || ::rename(temp.c_str(), (directory_ + "/" + file).c_str()) != 0) {
    log::Warning("disk-cache", "cannot write " + temp + ": " + std::strerror(errno));
    ::unlink(temp.c_str());
    return;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (index_.count(file) != 0) return;
  lru_.push_front({file, uri, bytes});
  index_[file] = lru_.begin();
  used_ += bytes;
  EvictLocked();
}

void DiskCache::RemoveLocked(std::list<Entry>::iterator it) {
  ::unlink((directory_ + "/" + it->file).c_str());
  used_ -= it->bytes;
  index_.erase(it->file);
  lru_.erase(it);
}

void DiskCache::EvictLocked() {
  while (used_ > capacity_ && !lru_.empty()) RemoveLocked(std::prev(lru_.end()));
}

void DiskCache::Invalidate(const std::string& uri_prefix) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = lru_.begin(); it != lru_.end();) {
    auto next = std::next(it);
    // Entries indexed at startup and never read have no URI yet: read it from the file.
    if (it->uri.empty()) {
      const int fd = ::open((directory_ + "/" + it->file).c_str(), O_RDONLY | O_CLOEXEC);
      if (fd >= 0) {
        char buf[4096];
        const ssize_t n = ::read(fd, buf, sizeof(buf));
        ::close(fd);
        if (n > 0) it->uri.assign(buf, strnlen(buf, static_cast<size_t>(n)));
        it->uri = it->uri.substr(0, it->uri.find('\n'));
      }
    }
    if (it->uri.rfind(uri_prefix, 0) == 0) RemoveLocked(it);
    it = next;
  }
}

uint64_t DiskCache::used_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return used_;
}

}  // namespace frocket
