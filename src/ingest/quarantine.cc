#include "ingest/quarantine.h"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>

#include "common/text.h"

namespace frocket::ingest {

std::string_view ReasonCategory(std::string_view reason) {
  return reason.substr(0, reason.find(':'));
}

QuarantineFile::QuarantineFile(std::string path, std::string source, bool text_records)
    : path_(std::move(path)), source_(std::move(source)), text_records_(text_records) {}

QuarantineFile::~QuarantineFile() {
  if (file_ != nullptr) std::fclose(file_);
}

namespace {

void AppendText(std::string* out, std::string_view s) {
  if (text::IsValidUtf8(s)) {
    text::AppendJsonString(out, s);
  } else {
    *out += "{\"base64\":\"" + text::Base64Encode(s) + "\"}";
  }
}

void AppendCell(std::string* out, const Cell& cell) {
  switch (cell.kind) {
    case CellKind::kNull:
      *out += "null";
      return;
    case CellKind::kBool:
      *out += cell.integer ? "true" : "false";
      return;
    case CellKind::kInt:
      *out += std::to_string(cell.integer);
      return;
    case CellKind::kDouble:
      if (std::isfinite(cell.real)) {
        text::AppendDouble(out, cell.real);
      } else {
        *out +=
            std::isnan(cell.real) ? "\"NaN\"" : (cell.real > 0 ? "\"Infinity\"" : "\"-Infinity\"");
      }
      return;
    case CellKind::kText:
      AppendText(out, cell.text);
      return;
  }
}

}  // namespace

Status QuarantineFile::Add(const RecordOrigin& origin, std::string_view reason,
                           const CellBatch* batch, size_t row,
                           const std::vector<std::string>& column_names) {
  ++records_;
  ++by_reason_[std::string(ReasonCategory(reason))];
  buffer_ += "{\"source\":";
  text::AppendJsonString(&buffer_, source_);
  buffer_ += text_records_ ? ",\"line\":" : ",\"row\":";
  buffer_ += std::to_string(origin.position);
  buffer_ += ",\"reason\":";
  AppendText(&buffer_, reason);
  buffer_ += ",\"record\":";
  if (batch == nullptr || text_records_) {
    AppendText(&buffer_, origin.raw);
  } else {
    buffer_ += '{';
    const Cell* cells = batch->row(row);
    for (size_t c = 0; c < column_names.size(); ++c) {
      if (c > 0) buffer_ += ',';
      AppendText(&buffer_, column_names[c]);
      buffer_ += ':';
      AppendCell(&buffer_, cells[c]);
    }
    buffer_ += '}';
  }
  buffer_ += "}\n";
  if (buffer_.size() >= (1 << 20)) return Flush();
  return Status::OK();
}

Status QuarantineFile::Flush() {
  if (buffer_.empty()) return Status::OK();
  if (file_ == nullptr) {
    file_ = std::fopen(path_.c_str(), "wb");
    if (file_ == nullptr) {
      return Status::IOError(path_ +
                             ": cannot create the quarantine file: " + std::strerror(errno));
    }
  }
  if (std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) {
    return Status::IOError(path_ + ": cannot write the quarantine file: " + std::strerror(errno));
  }
  buffer_.clear();
  return Status::OK();
}

Status QuarantineFile::Close() {
  FROCKET_RETURN_IF_ERROR(Flush());
  if (file_ != nullptr) {
    const bool ok = std::fflush(file_) == 0 && ::fsync(fileno(file_)) == 0;
    std::fclose(file_);
    file_ = nullptr;
    if (!ok) return Status::IOError(path_ + ": cannot write the quarantine file");
  }
  return Status::OK();
}

}  // namespace frocket::ingest
