// CsvReader: splits the buffered input into records and fields in one pass per record, and
// hands the fields out as views into the buffer (copies only for fields with doubled quotes).
#include "ingest/csv_reader.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "common/text.h"

namespace frocket::ingest {

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";
// Batches are reserved for at most this many records, whatever max_records asks for.
constexpr size_t kReserveRecords = 4096;

// UTF-8 validation with a fast path for the common all-ASCII record, eight bytes at a time.
bool IsUtf8(std::string_view s) {
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, s.data() + i, 8);
    if ((word & 0x8080808080808080ULL) != 0) return text::IsValidUtf8(s.substr(i));
  }
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0x80) != 0) return text::IsValidUtf8(s.substr(i));
  }
  return true;
}

// A quoted field's content with each doubled quote made one.
// REQUIRES: every quote in `content` is one of a doubled pair (as the scanner guarantees).
void Unescape(std::string_view content, char quote, std::string* out) {
  out->reserve(content.size());
  for (size_t i = 0; i < content.size(); ++i) {
    out->push_back(content[i]);
    if (content[i] == quote) ++i;
  }
}

std::string Fields(size_t n) {
  return std::to_string(n) + (n == 1 ? " field" : " fields");
}

}  // namespace

Result<std::unique_ptr<CsvReader>> CsvReader::Open(std::unique_ptr<ByteStream> stream,
                                                   CsvOptions options) {
  for (char c : {options.delimiter, options.quote}) {
    if (c == '\n' || c == '\r') {
      return Status::Invalid(stream->name() + ": CSV delimiter and quote cannot be CR or LF");
    }
  }
  if (options.delimiter == options.quote) {
    return Status::Invalid(stream->name() + ": CSV delimiter and quote must differ");
  }
  std::unique_ptr<CsvReader> reader(new CsvReader(std::move(stream), options));
  reader->buffer_.reserve(std::min(reader->stream_->size(), 2 * ByteStream::kChunkBytes));
  FROCKET_RETURN_IF_ERROR(reader->Refill());
  if (std::string_view(reader->buffer_).starts_with(kBom)) reader->pos_ = kBom.size();
  FROCKET_RETURN_IF_ERROR(options.header ? reader->ReadHeader() : reader->PeekColumnCount());
  return reader;
}

Status CsvReader::ReadHeader() {
  const std::string& name = stream_->name();
  FROCKET_ASSIGN_OR_RETURN(const bool found, NextRecord(/*may_read=*/true));
  if (!found) return Status::Invalid(name + ": empty file, no header");
  const std::string_view raw(buffer_.data() + record_.begin, record_.end - record_.begin);
  if (record_.quote_error != QuoteError::kNone || !IsUtf8(raw)) {
    // The row reasons fit the header too; the field count cannot be wrong yet.
    return Status::Invalid(name + ": header: " + DefectReason());
  }
  column_names_.reserve(fields_.size());
  for (const FieldSpan& f : fields_) {
    const std::string_view content(buffer_.data() + f.begin, f.end - f.begin);
    std::string column;
    if (f.escaped) {
      Unescape(content, options_.quote, &column);
    } else {
      column.assign(content);
    }
    const size_t number = column_names_.size() + 1;
    if (column.empty()) {
      return Status::Invalid(name + ": header: column " + std::to_string(number) +
                             " has an empty name");
    }
    column_names_.push_back(std::move(column));
  }
  std::unordered_map<std::string_view, size_t> seen;  // name -> 1-based column
  for (size_t i = 0; i < column_names_.size(); ++i) {
    const auto [it, inserted] = seen.emplace(column_names_[i], i + 1);
    if (!inserted) {
      return Status::Invalid(name + ": header: column " + std::to_string(i + 1) + " '" +
                             column_names_[i] + "' duplicates column " +
                             std::to_string(it->second));
    }
  }
  pos_ = record_.next;
  line_ += record_.newlines;
  return Status::OK();
}

Status CsvReader::PeekColumnCount() {
  // The first record stays unconsumed: it is the first row.
  FROCKET_ASSIGN_OR_RETURN(const bool found, NextRecord(/*may_read=*/true));
  const size_t count = found ? fields_.size() : 0;
  column_names_.reserve(count);
  for (size_t i = 0; i < count; ++i) column_names_.push_back("column" + std::to_string(i + 1));
  return Status::OK();
}

Result<bool> CsvReader::Next(size_t max_records, CellBatch* batch) {
  batch->Clear();
  batch->num_columns = column_names_.size();
  const size_t reserve = std::min(max_records, kReserveRecords);
  batch->cells.reserve(reserve * batch->num_columns);
  batch->origins.reserve(reserve);
  size_t records = 0;
  while (records < max_records) {
    // Reading more may move buffer_, so only while the batch points nowhere into it.
    FROCKET_ASSIGN_OR_RETURN(const bool found, NextRecord(/*may_read=*/records == 0));
    if (!found) break;
    AppendRecord(batch);
    ++records;
  }
  return records > 0;
}

Result<bool> CsvReader::NextRecord(bool may_read) {
  for (;;) {
    const ScanResult scanned = ScanRecord(pos_);
    if (scanned == ScanResult::kEnd) return false;
    if (scanned == ScanResult::kNeedMore) {
      if (!may_read) return false;
      if (buffer_.size() - pos_ > kMaxRecordBytes) {
        return Status::Invalid(
            ErrorAt(line_, "a record longer than 64 MB (an unterminated quote?)"));
      }
      FROCKET_RETURN_IF_ERROR(Refill());
      continue;
    }
    if (record_.end - record_.begin > kMaxRecordBytes) {
      return Status::Invalid(ErrorAt(line_, "a record longer than 64 MB (an unterminated quote?)"));
    }
    if (record_.end > record_.begin || record_.quote_error != QuoteError::kNone) return true;
    // A blank line: not a record, but a line.
    pos_ = record_.next;
    line_ += record_.newlines;
  }
}

CsvReader::ScanResult CsvReader::ScanRecord(size_t start) {
  const char* p = buffer_.data();
  const size_t n = buffer_.size();
  const bool at_eof = stream_->done();
  if (start >= n) return at_eof ? ScanResult::kEnd : ScanResult::kNeedMore;
  record_ = ScannedRecord{};
  record_.begin = start;
  fields_.clear();
  const char delimiter = options_.delimiter;
  size_t i = start;
  for (;;) {
    bool pushed = false;  // the field is quoted, and its span already in fields_
    if (i < n && p[i] == options_.quote) {
      const ScanResult quoted = ScanQuotedField(&i);
      if (quoted != ScanResult::kRecord || record_.quote_error == QuoteError::kUnterminated)
        return quoted;
      pushed = true;
      if (i == n) {  // ScanQuotedField saw the end of the input
        record_.end = record_.next = n;
        return ScanResult::kRecord;
      }
      const bool crlf = p[i] == '\r' && i + 1 < n && p[i + 1] == '\n';
      if (p[i] == '\n' || crlf) {
        record_.end = i;
        record_.next = i + (crlf ? 2 : 1);
        ++record_.newlines;
        return ScanResult::kRecord;
      }
      if (p[i] == delimiter) {
        ++i;
        continue;
      }
      if (record_.quote_error == QuoteError::kNone) {
        record_.quote_error = QuoteError::kMalformed;
        record_.bad_field = fields_.size();
      }
      // The rest of the field is skipped as if unquoted, to find where the record ends (a CR
      // at the buffer's end, maybe before an LF, is settled there too).
    }
    const size_t field_begin = i;
    while (i < n && p[i] != delimiter && p[i] != '\n') ++i;
    if (i == n && !at_eof) return ScanResult::kNeedMore;
    size_t field_end = i;
    if (i < n && p[i] == '\n' && field_end > field_begin && p[field_end - 1] == '\r') --field_end;
    if (!pushed) fields_.push_back({field_begin, field_end, false, false});
    if (i == n || p[i] == '\n') {
      record_.end = field_end;
      record_.next = i == n ? n : i + 1;
      record_.newlines += i == n ? 0 : 1;
      return ScanResult::kRecord;
    }
    ++i;  // past the delimiter
  }
}

CsvReader::ScanResult CsvReader::ScanQuotedField(size_t* i) {
  const char* p = buffer_.data();
  const size_t n = buffer_.size();
  const bool at_eof = stream_->done();
  const char quote = options_.quote;
  const size_t content_begin = *i + 1;
  bool escaped = false;
  for (size_t j = content_begin;;) {
    const auto* q = static_cast<const char*>(std::memchr(p + j, quote, n - j));
    if (q == nullptr) {
      if (!at_eof) return ScanResult::kNeedMore;
      // The rest of the input is this one record.
      fields_.push_back({content_begin, n, true, escaped});
      record_.quote_error = QuoteError::kUnterminated;
      record_.end = record_.next = n;
      record_.newlines = std::count(p + record_.begin, p + n, '\n');
      return ScanResult::kRecord;
    }
    const auto k = static_cast<size_t>(q - p);
    // A quote at the end of the buffer may be the first of a doubled pair.
    if (k + 1 == n && !at_eof) return ScanResult::kNeedMore;
    if (k + 1 < n && p[k + 1] == quote) {
      escaped = true;
      j = k + 2;
      continue;
    }
    record_.newlines += std::count(p + content_begin, p + k, '\n');
    fields_.push_back({content_begin, k, true, escaped});
    *i = k + 1;
    return ScanResult::kRecord;
  }
}

Status CsvReader::Refill() {
  if (pos_ > 0) {
    buffer_.erase(0, pos_);
    erased_bytes_ += pos_;
    pos_ = 0;
  }
  return stream_->ReadChunk(&buffer_);
}

std::string CsvReader::DefectReason() const {
  if (record_.quote_error == QuoteError::kUnterminated) return "unterminated quoted field";
  if (record_.quote_error == QuoteError::kMalformed) {
    return "malformed quoting: characters after a closing quote in field " +
           std::to_string(record_.bad_field);
  }
  if (!IsUtf8(std::string_view(buffer_).substr(record_.begin, record_.end - record_.begin))) {
    return "invalid UTF-8";
  }
  if (fields_.size() != column_names_.size()) {
    return "ragged line: " + Fields(fields_.size()) + " where the " +
           (options_.header ? "header" : "first record") + " has " +
           std::to_string(column_names_.size());
  }
  return {};
}

void CsvReader::AppendRecord(CellBatch* batch) {
  const RecordOrigin origin{
      line_, std::string_view(buffer_.data() + record_.begin, record_.end - record_.begin)};
  std::string reason = DefectReason();
  if (!reason.empty()) {
    batch->defects.push_back({origin, std::move(reason)});
  } else {
    batch->origins.push_back(origin);
    for (const FieldSpan& f : fields_) {
      Cell& cell = batch->cells.emplace_back();
      if (!f.quoted && f.begin == f.end) continue;  // an empty unquoted field is NULL
      cell.kind = CellKind::kText;
      cell.quoted = f.quoted;
      cell.utf8_checked = true;  // the whole record was
      cell.text = std::string_view(buffer_.data() + f.begin, f.end - f.begin);
      if (f.escaped) {
        std::string& unescaped = batch->owned.emplace_back();
        Unescape(cell.text, options_.quote, &unescaped);
        cell.text = unescaped;
      }
    }
  }
  pos_ = record_.next;
  line_ += record_.newlines;
}

std::string CsvReader::ErrorAt(int64_t line, std::string_view what) const {
  return stream_->name() + ": line " + std::to_string(line) + ": " + std::string(what);
}

}  // namespace frocket::ingest
