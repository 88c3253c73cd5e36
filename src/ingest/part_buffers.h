// Rows routed to their parts, in bounded memory.
//
// Each reading thread has its own PartBuffers: records appended to per-part arenas. When a
// thread's buffers pass its share of the memory limit, every part's buffer is sorted and
// appended to that part's spill file as a run (SpillFiles), and the memory is reused. A part
// is then written by merging its runs with what is still in memory (PartRowStream).
//
// Only the records are held: the sort entries of a part (SortEntry, 32 bytes a record) are
// made when it is sorted, so the limit leaves room for those of the largest parts — one while
// a spill sorts it, and while the parts are written, one per writing thread with as much again
// for merging the threads' records.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/buffer.h"
#include "common/status.h"
#include "ingest/row_record.h"

namespace frocket::ingest {

// A sorted run of one part's records in its spill file.
struct RunExtent {
  uint64_t offset = 0;
  uint64_t bytes = 0;
};

class SpillFiles {
 public:
  // Records are written in LZ4 frames of this many bytes (part_buffers.cc).
  static constexpr size_t kFrameBytes = 256 << 10;

  SpillFiles(std::string dir, uint32_t parts);
  ~SpillFiles();
  SpillFiles(const SpillFiles&) = delete;
  SpillFiles& operator=(const SpillFiles&) = delete;

  // Appends the records, in this order, as one run of the part.
  Status AppendRun(uint32_t part, const std::vector<SortEntry>& sorted);
  const std::vector<RunExtent>& runs(uint32_t part) const { return parts_[part].runs; }
  int fd(uint32_t part) const { return parts_[part].fd; }
  const std::string& path(uint32_t part) const { return parts_[part].path; }
  uint64_t bytes_spilled() const;

 private:
  struct PartFile {
    std::mutex mutex;
    std::string path;
    int fd = -1;
    uint64_t size = 0;
    std::vector<RunExtent> runs;
  };
  std::string dir_;
  std::vector<PartFile> parts_;
};

class PartBuffers {
 public:
  // 2 MiB: below Buffer's huge-page threshold. Huge pages, faulted in with the kernel's
  // synchronous compaction, made the 20M-row benchmark's system time 5-6 s instead of 1.5-3.5 s
  // (bench/README.md), and rounded its memory up by a fifth.
  static constexpr size_t kMaxBlockBytes = size_t{2} << 20;

  // `writers`: the threads that will write parts (PartRowStream) at once.
  PartBuffers(const RecordLayout& layout, uint32_t parts, uint64_t memory_limit, size_t writers,
              SpillFiles* spill);

  // Copies the record into its part's buffer, spilling first when the limit would be passed.
  Status Add(uint32_t part, std::string_view record);
  // The number of the part's records still in memory.
  uint64_t records(uint32_t part) const { return parts_[part].records; }
  // Appends the sort entries of the part's records still in memory, in the order added.
  void AppendEntries(uint32_t part, std::vector<SortEntry>* out) const;
  uint64_t spills() const { return spills_; }

 private:
  struct Part {
    std::vector<Buffer> blocks;  // records; each block's size() is the bytes used
    uint64_t records = 0;
  };
  Status Spill();

  const RecordLayout& layout_;
  uint64_t memory_limit_;
  size_t writers_;
  SpillFiles* spill_;
  std::vector<Part> parts_;
  // Records are copied into blocks of this size (up to kMaxBlockBytes), and blocks freed by
  // a spill are reused before new ones are allocated.
  size_t block_bytes_;
  std::vector<Buffer> free_blocks_;
  uint64_t memory_ = 0;             // blocks
  uint64_t most_records_ = 0;       // of a part
  std::vector<SortEntry> sorting_;  // a part's entries while it spills
  uint64_t spills_ = 0;
};

// One part's records in order: the in-memory records of every thread's buffers merged with
// the part's spilled runs.
class PartRowStream {
 public:
  // Each run is read a frame at a time (SpillFiles::kFrameBytes of records).
  PartRowStream(const RecordLayout& layout, const std::vector<const PartBuffers*>& buffers,
                const SpillFiles& spill, uint32_t part);
  // The next record, or nullptr at the end; valid until the next call.
  Result<const uint8_t*> Next();
  uint64_t rows() const { return rows_; }

 private:
  struct RunCursor {
    int fd = -1;
    uint64_t next_offset = 0;  // in the file, of buffer's end
    uint64_t end_offset = 0;
    std::string buffer;
    std::string compressed;
    size_t pos = 0;
    bool Load(const std::string& path, Status* status);  // makes a whole record available
  };
  Status Advance(size_t source);

  const RecordLayout& layout_;
  std::string spill_path_;
  std::vector<SortEntry> memory_;  // sorted
  size_t memory_pos_ = 0;
  std::vector<RunCursor> runs_;
  // Merge heap over sources: index 0 is memory, 1 + i run i. Entries are the sources' heads.
  std::vector<std::pair<SortEntry, size_t>> heap_;
  bool started_ = false;
  int64_t pending_ = -1;  // the source of the record last returned, advanced on the next call
  uint64_t rows_ = 0;
};

}  // namespace frocket::ingest
