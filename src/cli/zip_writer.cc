#include "cli/zip_writer.h"

#include <zlib.h>

#include <cstdio>
#include <limits>

#include "common/crc32.h"

namespace frocket::cli {

namespace {

constexpr uint32_t kLocalHeader = 0x04034b50;
constexpr uint32_t kCentralHeader = 0x02014b50;
constexpr uint32_t kEndOfCentralDirectory = 0x06054b50;
constexpr uint16_t kVersionNeeded = 20;          // 2.0: deflate
constexpr uint16_t kVersionMadeByUnix = 0x0314;  // Unix (3), spec 2.0 (20)
constexpr uint16_t kDeflate = 8;
constexpr uint16_t kUtf8Names = 1 << 11;
// 1980-01-01 00:00, the earliest MS-DOS date: archives do not depend on when they were made.
constexpr uint16_t kDosTime = 0;
constexpr uint16_t kDosDate = (0 << 9) | (1 << 5) | 1;

void Put16(std::string* out, uint16_t v) {
  out->push_back(static_cast<char>(v & 0xff));
  out->push_back(static_cast<char>(v >> 8));
}

void Put32(std::string* out, uint32_t v) {
  Put16(out, static_cast<uint16_t>(v & 0xffff));
  Put16(out, static_cast<uint16_t>(v >> 16));
}

Result<std::string> Deflate(std::string_view bytes) {
  z_stream z{};
  // Raw deflate (negative window bits): ZIP stores no zlib header.
  if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
    return Status::IOError("zlib: cannot start deflating");
  }
  std::string out(deflateBound(&z, static_cast<uLong>(bytes.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int result = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (result != Z_STREAM_END) return Status::IOError("zlib: deflate failed");
  return out;
}

}  // namespace

// The fields the local header and the central directory share, from "version needed" to the
// name's length.
void ZipWriter::PutFileFields(std::string* out, const Entry& e) {
  Put16(out, kVersionNeeded);
  Put16(out, kUtf8Names);
  Put16(out, kDeflate);
  Put16(out, kDosTime);
  Put16(out, kDosDate);
  Put32(out, e.crc);
  Put32(out, e.compressed);
  Put32(out, e.size);
  Put16(out, static_cast<uint16_t>(e.name.size()));
}

Result<ZipWriter> ZipWriter::Create(const std::string& path) {
  std::FILE* file = std::fopen((path + ".tmp").c_str(), "wb");
  if (file == nullptr) return Status::IOError("cannot create " + path + ".tmp");
  return ZipWriter(path, file);
}

ZipWriter::ZipWriter(ZipWriter&& other) noexcept
    : path_(std::move(other.path_)),
      file_(other.file_),
      written_(other.written_),
      entries_(std::move(other.entries_)) {
  other.file_ = nullptr;
}

ZipWriter::~ZipWriter() {
  if (file_ != nullptr) {
    std::fclose(file_);
    std::remove((path_ + ".tmp").c_str());
  }
}

Status ZipWriter::Write(const std::string& bytes) {
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) {
    return Status::IOError("cannot write " + path_ + ".tmp (disk full?)");
  }
  written_ += bytes.size();
  return Status::OK();
}

Status ZipWriter::Add(const std::string& name, std::string_view bytes, uint32_t mode) {
  constexpr uint64_t kMax = std::numeric_limits<uint32_t>::max();
  if (bytes.size() >= kMax || written_ >= kMax || name.size() > 0xffff ||
      entries_.size() >= 0xffff) {
    return Status::Invalid(path_ + ": " + name + " does not fit a ZIP archive without ZIP64");
  }
  FROCKET_ASSIGN_OR_RETURN(std::string compressed, Deflate(bytes));
  Entry e;
  e.name = name;
  e.crc = Crc32({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
  e.compressed = static_cast<uint32_t>(compressed.size());
  e.size = static_cast<uint32_t>(bytes.size());
  e.offset = static_cast<uint32_t>(written_);
  e.mode = mode;
  std::string header;
  Put32(&header, kLocalHeader);
  PutFileFields(&header, e);
  Put16(&header, 0);  // no extra field
  header += name;
  FROCKET_RETURN_IF_ERROR(Write(header));
  FROCKET_RETURN_IF_ERROR(Write(compressed));
  if (written_ >= kMax) return Status::Invalid(path_ + ": the archive passes 4 GiB");
  entries_.push_back(std::move(e));
  return Status::OK();
}

Result<uint64_t> ZipWriter::Finish() {
  const auto directory_start = static_cast<uint32_t>(written_);
  std::string directory;
  for (const Entry& e : entries_) {
    Put32(&directory, kCentralHeader);
    Put16(&directory, kVersionMadeByUnix);
    PutFileFields(&directory, e);
    Put16(&directory, 0);                          // extra field
    Put16(&directory, 0);                          // comment
    Put16(&directory, 0);                          // disk number
    Put16(&directory, 0);                          // internal attributes
    Put32(&directory, (0100000u | e.mode) << 16);  // a regular file with these permissions
    Put32(&directory, e.offset);
    directory += e.name;
  }
  std::string end;
  Put32(&end, kEndOfCentralDirectory);
  Put16(&end, 0);  // this disk
  Put16(&end, 0);  // the directory's disk
  Put16(&end, static_cast<uint16_t>(entries_.size()));
  Put16(&end, static_cast<uint16_t>(entries_.size()));
  Put32(&end, static_cast<uint32_t>(directory.size()));
  Put32(&end, directory_start);
  Put16(&end, 0);  // comment
  FROCKET_RETURN_IF_ERROR(Write(directory));
  FROCKET_RETURN_IF_ERROR(Write(end));
  const int closed = std::fclose(file_);
  file_ = nullptr;
  const std::string tmp = path_ + ".tmp";
  if (closed != 0 || std::rename(tmp.c_str(), path_.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Status::IOError("cannot write " + path_);
  }
  return written_;
}

}  // namespace frocket::cli
