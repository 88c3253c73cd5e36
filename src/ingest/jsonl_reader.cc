#include "ingest/jsonl_reader.h"

#include <cstring>

#include "common/json_parse.h"
#include "common/text.h"

namespace frocket::ingest {

Result<std::unique_ptr<JsonlReader>> JsonlReader::Open(std::unique_ptr<ByteStream> stream,
                                                       size_t sample_records) {
  auto sampler = std::unique_ptr<JsonlReader>(new JsonlReader(std::move(stream)));
  std::vector<std::string> columns;
  std::unordered_map<std::string, size_t> seen;
  std::string_view line;
  int64_t number = 0;
  for (size_t n = 0; n < sample_records; ++n) {
    FROCKET_ASSIGN_OR_RETURN(LineStatus status, sampler->NextLine(true, &line, &number));
    if (status == LineStatus::kEnd) break;
    if (!text::IsValidUtf8(line)) continue;
    auto json = ParseJson<nlohmann::ordered_json>(line);
    if (!json.ok() || !json->is_object()) continue;
    for (const auto& [key, value] : json->items()) {
      if (seen.emplace(key, columns.size()).second) columns.push_back(key);
    }
  }
  // Start again from the top, with the columns found.
  sampler->stream_->Rewind();
  return WithColumns(std::move(sampler->stream_), std::move(columns));
}

std::unique_ptr<JsonlReader> JsonlReader::WithColumns(std::unique_ptr<ByteStream> stream,
                                                      std::vector<std::string> columns) {
  auto reader = std::unique_ptr<JsonlReader>(new JsonlReader(std::move(stream)));
  reader->SetColumns(std::move(columns));
  return reader;
}

void JsonlReader::SetColumns(std::vector<std::string> columns) {
  columns_ = std::move(columns);
  column_index_.clear();
  for (size_t i = 0; i < columns_.size(); ++i) column_index_.emplace(columns_[i], i);
}

Result<JsonlReader::LineStatus> JsonlReader::NextLine(bool may_compact, std::string_view* line,
                                                      int64_t* line_number) {
  while (true) {
    const char* start = buffer_.data() + pos_;
    const void* nl = std::memchr(start, '\n', buffer_.size() - pos_);
    if (nl == nullptr && !stream_->done()) {
      if (buffer_.size() - pos_ > kMaxRecordBytes) {
        return Status::Invalid(stream_->name() + ": line " + std::to_string(line_number_ + 1) +
                               ": a record longer than 64 MB");
      }
      if (!may_compact) return LineStatus::kNeedsCompaction;
      buffer_base_ += pos_;
      buffer_.erase(0, pos_);
      pos_ = 0;
      FROCKET_RETURN_IF_ERROR(stream_->ReadChunk(&buffer_));
      continue;
    }
    if (nl == nullptr && pos_ == buffer_.size()) return LineStatus::kEnd;
    const size_t end =
        nl ? static_cast<size_t>(static_cast<const char*>(nl) - buffer_.data()) : buffer_.size();
    std::string_view l(start, end - pos_);
    pos_ = nl ? end + 1 : end;
    consumed_ = buffer_base_ + pos_;
    ++line_number_;
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (l.find_first_not_of(" \t") == std::string_view::npos) continue;  // blank
    *line = l;
    *line_number = line_number_;
    return LineStatus::kLine;
  }
}

Result<bool> JsonlReader::Next(size_t max_records, CellBatch* batch) {
  batch->Clear();
  batch->num_columns = columns_.size();
  std::string_view line;
  int64_t number = 0;
  for (size_t n = 0; n < max_records; ++n) {
    // The previous batch's views are done with, this one's are not: compact only before its
    // first record.
    FROCKET_ASSIGN_OR_RETURN(LineStatus status, NextLine(n == 0, &line, &number));
    if (status != LineStatus::kLine) break;
    AddRecord(line, number, batch);
  }
  return batch->num_rows() + batch->defects.size() > 0;
}

namespace {

void SetCell(const nlohmann::ordered_json& value, CellBatch* batch, Cell* cell) {
  switch (value.type()) {
    case nlohmann::ordered_json::value_t::null:
      cell->kind = CellKind::kNull;
      return;
    case nlohmann::ordered_json::value_t::boolean:
      cell->kind = CellKind::kBool;
      cell->integer = value.get<bool>() ? 1 : 0;
      return;
    case nlohmann::ordered_json::value_t::number_integer:
      cell->kind = CellKind::kInt;
      cell->integer = value.get<int64_t>();
      return;
    case nlohmann::ordered_json::value_t::number_unsigned: {
      const uint64_t u = value.get<uint64_t>();
      if (u <= static_cast<uint64_t>(INT64_MAX)) {
        cell->kind = CellKind::kInt;
        cell->integer = static_cast<int64_t>(u);
      } else {
        cell->kind = CellKind::kText;  // too large for INT: a STRING column keeps its digits
        cell->text = batch->owned.emplace_back(std::to_string(u));
      }
      return;
    }
    case nlohmann::ordered_json::value_t::number_float:
      cell->kind = CellKind::kDouble;
      cell->real = value.get<double>();
      return;
    case nlohmann::ordered_json::value_t::string:
      cell->kind = CellKind::kText;
      cell->utf8_checked = true;  // the line was
      cell->text = batch->owned.emplace_back(value.get<std::string>());
      return;
    default:
      cell->kind = CellKind::kText;
      cell->text = batch->owned.emplace_back(value.dump());
      return;
  }
}

}  // namespace

void JsonlReader::AddRecord(std::string_view line, int64_t line_number, CellBatch* batch) {
  RecordOrigin origin{line_number, line};
  if (!text::IsValidUtf8(line)) {
    batch->defects.push_back({origin, "invalid UTF-8"});
    return;
  }
  auto json = ParseJson<nlohmann::ordered_json>(line);
  if (!json.ok()) {
    batch->defects.push_back({origin, "invalid JSON: " + json.status().message()});
    return;
  }
  if (!json->is_object()) {
    batch->defects.push_back({origin, "not a JSON object"});
    return;
  }
  const size_t first = batch->cells.size();
  batch->cells.resize(first + columns_.size());
  for (const auto& [key, value] : json->items()) {
    auto it = column_index_.find(key);
    if (it == column_index_.end()) {
      batch->cells.resize(first);
      batch->defects.push_back(
          {origin, "unknown field: '" + text::Escaped(key) +
                       "' is not a column (columns come from the first records of each input; "
                       "raise --sample-rows)"});
      return;
    }
    SetCell(value, batch, &batch->cells[first + it->second]);
  }
  batch->origins.push_back(origin);
}

}  // namespace frocket::ingest
