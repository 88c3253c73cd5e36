// ZipWriter: a ZIP archive (PKWARE APPNOTE 6.3) of regular files, deflated with zlib, with
// Unix permissions — what AWS Lambda takes as a deployment package. No ZIP64: an archive
// and its files stay under 4 GiB (a Lambda package must be under 250 MB unzipped anyway).
//
// The archive is written to PATH.tmp and renamed to PATH by Finish(): a failure leaves no
// partial archive behind.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace frocket::cli {

class ZipWriter {
 public:
  static Result<ZipWriter> Create(const std::string& path);
  ZipWriter(ZipWriter&& other) noexcept;
  ZipWriter& operator=(ZipWriter&&) = delete;
  ~ZipWriter();  // without Finish(): the temporary file is removed

  // Adds a file named `name` ("bootstrap", "lib/libz.so.1") with permissions `mode` (0755).
  Status Add(const std::string& name, std::string_view bytes, uint32_t mode);
  // Writes the central directory and puts the archive in place. Its size in bytes.
  Result<uint64_t> Finish();

 private:
  struct Entry {
    std::string name;
    uint32_t crc = 0;
    uint32_t compressed = 0;
    uint32_t size = 0;
    uint32_t offset = 0;
    uint32_t mode = 0;
  };
  ZipWriter(std::string path, std::FILE* file) : path_(std::move(path)), file_(file) {}
  Status Write(const std::string& bytes);
  static void PutFileFields(std::string* out, const Entry& e);

  std::string path_;
  std::FILE* file_ = nullptr;
  uint64_t written_ = 0;
  std::vector<Entry> entries_;
};

}  // namespace frocket::cli
