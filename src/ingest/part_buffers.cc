#include "ingest/part_buffers.h"

#include <fcntl.h>
#include <lz4.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace frocket::ingest {

namespace {

Status WriteAll(int fd, const std::string& path, const char* data, size_t size, uint64_t offset) {
  while (size > 0) {
    const ssize_t n = ::pwrite(fd, data, size, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IOError(path + ": cannot write the spill file: " + std::strerror(errno));
    }
    data += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return Status::OK();
}

// Sorts records by their part's order. A thread's records of a part come in input order, so
// inputs whose rows are already in that order (files of consecutive time ranges, each in time
// order, in time order) need only the check.
void SortRecords(const RecordLayout& layout, std::vector<SortEntry>::iterator begin,
                 std::vector<SortEntry>::iterator end) {
  auto less = [&](const SortEntry& a, const SortEntry& b) { return layout.Less(a, b); };
  if (!std::is_sorted(begin, end, less)) std::sort(begin, end, less);
}

}  // namespace

SpillFiles::SpillFiles(std::string dir, uint32_t parts) : dir_(std::move(dir)), parts_(parts) {
  for (uint32_t i = 0; i < parts; ++i) {
    parts_[i].path = dir_ + "/part-" + std::to_string(i) + ".spill";
  }
}

SpillFiles::~SpillFiles() {
  for (PartFile& p : parts_) {
    if (p.fd >= 0) {
      ::close(p.fd);
      ::unlink(p.path.c_str());
    }
  }
}

uint64_t SpillFiles::bytes_spilled() const {
  uint64_t total = 0;
  for (const PartFile& p : parts_) total += p.size;
  return total;
}

// A run is written as LZ4 frames — u32 compressed size, u32 raw size, the compressed bytes —
// of up to kFrameBytes of records: rows compress several times over (their strings repeat),
// and bytes not written are bytes the kernel need not copy into the page cache and back.
Status SpillFiles::AppendRun(uint32_t part, const std::vector<SortEntry>& sorted) {
  PartFile& p = parts_[part];
  std::lock_guard<std::mutex> lock(p.mutex);
  if (p.fd < 0) {
    p.fd = ::open(p.path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (p.fd < 0) {
      return Status::IOError(p.path + ": cannot create a spill file: " + std::strerror(errno));
    }
  }
  constexpr size_t kWriteBytes = 4 << 20;
  std::string raw, out;
  raw.reserve(kFrameBytes + (64 << 10));
  out.reserve(kWriteBytes + LZ4_compressBound(static_cast<int>(raw.capacity())) + 8);
  RunExtent run{p.size, 0};
  auto frame = [&] {
    const size_t at = out.size();
    const int bound = LZ4_compressBound(static_cast<int>(raw.size()));
    out.resize(at + 8 + static_cast<size_t>(bound));
    const int n =
        LZ4_compress_default(raw.data(), out.data() + at + 8, static_cast<int>(raw.size()), bound);
    const uint32_t sizes[2] = {static_cast<uint32_t>(n), static_cast<uint32_t>(raw.size())};
    std::memcpy(out.data() + at, sizes, 8);
    out.resize(at + 8 + static_cast<size_t>(n));
    raw.clear();
  };
  for (const SortEntry& e : sorted) {
    raw.append(reinterpret_cast<const char*>(e.record), RecordSize(e.record));
    if (raw.size() >= kFrameBytes) frame();
    if (out.size() >= kWriteBytes) {
      FROCKET_RETURN_IF_ERROR(WriteAll(p.fd, p.path, out.data(), out.size(), p.size));
      p.size += out.size();
      out.clear();
    }
  }
  if (!raw.empty()) frame();
  FROCKET_RETURN_IF_ERROR(WriteAll(p.fd, p.path, out.data(), out.size(), p.size));
  p.size += out.size();
  run.bytes = p.size - run.offset;
  if (run.bytes > 0) p.runs.push_back(run);
  return Status::OK();
}

PartBuffers::PartBuffers(const RecordLayout& layout, uint32_t parts, uint64_t memory_limit,
                         size_t writers, SpillFiles* spill)
    : layout_(layout),
      memory_limit_(memory_limit),
      writers_(std::clamp<size_t>(writers, 1, parts)),
      spill_(spill),
      parts_(parts),
      block_bytes_(static_cast<size_t>(
          std::clamp<uint64_t>(memory_limit / (uint64_t{4} * parts), 4 << 10, kMaxBlockBytes))) {}

Status PartBuffers::Add(uint32_t part, std::string_view record) {
  const size_t size = record.size();
  Part& p = parts_[part];
  // The blocks, the entries a spill sorted (kept for the next), and room for the sort
  // entries of the largest parts while they are written (see the header).
  const uint64_t entries =
      (2 * writers_ * std::max(most_records_, p.records + 1) + sorting_.capacity()) *
      sizeof(SortEntry);
  if (memory_ > 0 && memory_ + size + block_bytes_ + entries > memory_limit_) {
    FROCKET_RETURN_IF_ERROR(Spill());
  }
  if (p.blocks.empty() || p.blocks.back().size() + size > p.blocks.back().capacity()) {
    if (!free_blocks_.empty() && size <= block_bytes_) {
      p.blocks.push_back(std::move(free_blocks_.back()));
      free_blocks_.pop_back();
    } else {
      p.blocks.emplace_back().Reserve(std::max(size, block_bytes_));
    }
    memory_ += p.blocks.back().capacity();
  }
  p.blocks.back().Append(record.data(), size);
  most_records_ = std::max(most_records_, ++p.records);
  return Status::OK();
}

void PartBuffers::AppendEntries(uint32_t part, std::vector<SortEntry>* out) const {
  for (const Buffer& block : parts_[part].blocks) {
    for (const uint8_t* r = block.data(); r < block.data() + block.size(); r += RecordSize(r)) {
      out->push_back(layout_.EntryOf(r));
    }
  }
}

Status PartBuffers::Spill() {
  for (uint32_t i = 0; i < parts_.size(); ++i) {
    Part& p = parts_[i];
    if (p.records == 0) continue;
    sorting_.clear();
    AppendEntries(i, &sorting_);
    SortRecords(layout_, sorting_.begin(), sorting_.end());
    FROCKET_RETURN_IF_ERROR(spill_->AppendRun(i, sorting_));
    p.records = 0;
    for (Buffer& block : p.blocks) {
      // Blocks of one oversized record are not kept.
      if (block.capacity() > block_bytes_) continue;
      block.Clear();
      free_blocks_.push_back(std::move(block));
    }
    p.blocks.clear();
  }
  memory_ = 0;
  most_records_ = 0;
  ++spills_;
  return Status::OK();
}

PartRowStream::PartRowStream(const RecordLayout& layout,
                             const std::vector<const PartBuffers*>& buffers,
                             const SpillFiles& spill, uint32_t part)
    : layout_(layout), spill_path_(spill.path(part)) {
  size_t n = 0;
  for (const PartBuffers* b : buffers) n += b->records(part);
  memory_.reserve(n);
  // Each thread's records sorted, then merged into the ones before them.
  for (const PartBuffers* b : buffers) {
    const size_t begin = memory_.size();
    b->AppendEntries(part, &memory_);
    SortRecords(layout_, memory_.begin() + static_cast<ptrdiff_t>(begin), memory_.end());
    std::inplace_merge(memory_.begin(), memory_.begin() + static_cast<ptrdiff_t>(begin),
                       memory_.end(),
                       [&](const SortEntry& x, const SortEntry& y) { return layout_.Less(x, y); });
  }
  for (const RunExtent& run : spill.runs(part)) {
    RunCursor c;
    c.fd = spill.fd(part);
    c.next_offset = run.offset;
    c.end_offset = run.offset + run.bytes;
    runs_.push_back(std::move(c));
  }
}

bool PartRowStream::RunCursor::Load(const std::string& path, Status* status) {
  auto fail = [&](const std::string& what) {
    *status = Status::IOError(path + ": " + what);
    return false;
  };
  while (true) {
    const size_t have = buffer.size() - pos;
    if (have >= 4 && have >= RecordSize(reinterpret_cast<const uint8_t*>(buffer.data() + pos))) {
      return true;
    }
    if (next_offset >= end_offset) {
      return have > 0 ? fail("a spilled run ends inside a record") : false;
    }
    buffer.erase(0, pos);
    pos = 0;
    // The next frame (the run's own bytes, written by this process: sizes checked anyway).
    uint32_t sizes[2];
    if (end_offset - next_offset < 8 ||
        ::pread(fd, sizes, 8, static_cast<off_t>(next_offset)) != 8 ||
        sizes[0] > end_offset - next_offset - 8 ||
        sizes[1] > SpillFiles::kFrameBytes + (64 << 20)) {
      return fail("cannot read the spill file: a frame header is wrong");
    }
    compressed.resize(sizes[0]);
    if (::pread(fd, compressed.data(), sizes[0], static_cast<off_t>(next_offset + 8)) !=
        static_cast<ssize_t>(sizes[0])) {
      return fail(std::string("cannot read the spill file: ") + std::strerror(errno));
    }
    const size_t old = buffer.size();
    buffer.resize(old + sizes[1]);
    if (LZ4_decompress_safe(compressed.data(), buffer.data() + old, static_cast<int>(sizes[0]),
                            static_cast<int>(sizes[1])) != static_cast<int>(sizes[1])) {
      return fail("cannot read the spill file: a frame does not decompress");
    }
    next_offset += 8 + sizes[0];
  }
}

Status PartRowStream::Advance(size_t source) {
  auto heap_less = [&](const auto& a, const auto& b) { return layout_.Less(b.first, a.first); };
  if (source == 0) {
    if (memory_pos_ < memory_.size()) {
      heap_.push_back({memory_[memory_pos_++], 0});
      std::push_heap(heap_.begin(), heap_.end(), heap_less);
    }
    return Status::OK();
  }
  RunCursor& c = runs_[source - 1];
  Status status;
  if (c.Load(spill_path_, &status)) {
    const uint8_t* record = reinterpret_cast<const uint8_t*>(c.buffer.data() + c.pos);
    c.pos += RecordSize(record);
    heap_.push_back({layout_.EntryOf(record), source});
    std::push_heap(heap_.begin(), heap_.end(), heap_less);
  }
  return status;
}

Result<const uint8_t*> PartRowStream::Next() {
  if (runs_.empty()) {
    if (memory_pos_ >= memory_.size()) return nullptr;
    ++rows_;
    return memory_[memory_pos_++].record;
  }
  auto heap_less = [&](const auto& a, const auto& b) { return layout_.Less(b.first, a.first); };
  if (!started_) {
    started_ = true;
    for (size_t s = 0; s <= runs_.size(); ++s) FROCKET_RETURN_IF_ERROR(Advance(s));
  }
  // The record last returned has been used: its source may move on (a run's buffer may be
  // refilled over it) before the next smallest is chosen.
  if (pending_ >= 0) FROCKET_RETURN_IF_ERROR(Advance(static_cast<size_t>(pending_)));
  pending_ = -1;
  if (heap_.empty()) return nullptr;
  std::pop_heap(heap_.begin(), heap_.end(), heap_less);
  const auto [entry, source] = heap_.back();
  heap_.pop_back();
  pending_ = static_cast<int64_t>(source);
  ++rows_;
  return entry.record;
}

}  // namespace frocket::ingest
