#include "service/group_ids_file.h"

#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <vector>

#include "common/json_parse.h"
#include "common/json_text.h"
#include "parquet/file_writer.h"

namespace frocket::service {

namespace {

constexpr size_t kRowsPerGroup = 1 << 20;

// RFC 4180: quoted when it holds a separator, a quote, a line break or edge spaces.
std::string CsvField(const std::string& s) {
  const bool quote = s.find_first_of(",\"\r\n") != std::string::npos ||
                     (!s.empty() && (s.front() == ' ' || s.back() == ' '));
  if (!quote) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// The CSV file: a header, then an id a line (integers written without going through JSON
// text: an audience may hold millions).
std::string CsvText(const nlohmann::ordered_json& ids, const std::string& column) {
  std::string out = CsvField(column) + "\n";
  out.reserve(out.size() + ids.size() * 12);
  char digits[24];
  for (const auto& id : ids) {
    if (id.is_string()) {
      out += CsvField(id.get_ref<const std::string&>());
    } else if (id.is_number_unsigned()) {
      out.append(digits, std::to_chars(digits, digits + sizeof digits, id.get<uint64_t>()).ptr);
    } else if (id.is_number_integer()) {
      out.append(digits, std::to_chars(digits, digits + sizeof digits, id.get<int64_t>()).ptr);
    } else {
      out += JsonText(id);
    }
    out += '\n';
  }
  return out;
}

Status WriteCsv(const nlohmann::ordered_json& ids, const std::string& path,
                const std::string& column) {
  const std::string temp = path + ".tmp-" + std::to_string(::getpid());
  {
    const std::string text = CsvText(ids, column);
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::IOError("cannot write " + temp);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    if (!out) {
      std::error_code ignored;
      std::filesystem::remove(temp, ignored);
      return Status::IOError("writing " + temp + " failed (disk full?)");
    }
  }
  std::error_code error;
  std::filesystem::rename(temp, path, error);
  if (error) {
    std::filesystem::remove(temp, error);
    return Status::IOError("cannot move " + temp + " to " + path);
  }
  return Status::OK();
}

parquet::ColumnVector IdVector(const nlohmann::ordered_json& ids, size_t begin, size_t end,
                               bool strings) {
  parquet::ColumnVector c;
  c.length = static_cast<int64_t>(end - begin);
  if (strings) {
    c.physical_type = parquet::PhysicalType::kByteArray;
    c.offsets.Resize((end - begin + 1) * 4);
    c.offsets.as<uint32_t>()[0] = 0;
    for (size_t i = begin; i < end; ++i) {
      const std::string& s = ids[i].get_ref<const std::string&>();
      c.data.Append(s.data(), s.size());
      c.offsets.as<uint32_t>()[i - begin + 1] = static_cast<uint32_t>(c.data.size());
    }
  } else {
    c.physical_type = parquet::PhysicalType::kInt64;
    c.value_width = 8;
    c.values.Resize((end - begin) * 8);
    for (size_t i = begin; i < end; ++i) c.values.as<int64_t>()[i - begin] = ids[i].get<int64_t>();
  }
  return c;
}

Status WriteParquet(const nlohmann::ordered_json& ids, const std::string& path,
                    const std::string& column) {
  const bool strings = !ids.empty() && ids[0].is_string();
  parquet::WriterColumn c;
  c.name = column;
  c.physical_type = strings ? parquet::PhysicalType::kByteArray : parquet::PhysicalType::kInt64;
  if (strings) {
    parquet::LogicalType string_type;
    string_type.kind = parquet::LogicalType::Kind::kString;
    c.logical_type = string_type;
  }
  parquet::WriterOptions options;
  options.codec = parquet::CompressionCodec::kSnappy;
  FROCKET_ASSIGN_OR_RETURN(auto writer, parquet::ParquetWriter::Create(path, {c}, options));
  for (size_t begin = 0; begin < ids.size(); begin += kRowsPerGroup) {
    const size_t end = std::min(ids.size(), begin + kRowsPerGroup);
    std::vector<parquet::ColumnVector> columns;
    columns.push_back(IdVector(ids, begin, end, strings));
    FROCKET_RETURN_IF_ERROR(writer->WriteRowGroup(columns));
  }
  return writer->Close();
}

}  // namespace

void AskForEveryGroupId(nlohmann::ordered_json* query) {
  if (!query->is_object()) return;
  nlohmann::ordered_json& q = *query;
  if (!q.contains("groups") || !q["groups"].is_object()) q["groups"] = {{"of", "query"}};
  q["groups"]["limit"] = "all";
}

std::string AskForEveryGroupId(const std::string& query_text) {
  auto parsed = ParseJson<nlohmann::ordered_json>(query_text);
  if (!parsed.ok() || !parsed->is_object()) return query_text;
  AskForEveryGroupId(&*parsed);
  return JsonText(*parsed);
}

GroupIdsFormat FormatOfPath(const std::string& path) {
  const bool parquet = path.size() >= 8 && path.compare(path.size() - 8, 8, ".parquet") == 0;
  return parquet ? GroupIdsFormat::kParquet : GroupIdsFormat::kCsv;
}

Status WriteGroupIds(const nlohmann::ordered_json& ids, GroupIdsFormat format,
                     const std::string& path, const std::string& column) {
  if (!ids.is_array()) return Status::Invalid("no group ids to write to " + path);
  return format == GroupIdsFormat::kParquet ? WriteParquet(ids, path, column)
                                            : WriteCsv(ids, path, column);
}

Result<std::string> GroupIdsFile(const nlohmann::ordered_json& ids, GroupIdsFormat format,
                                 const std::string& column) {
  if (format == GroupIdsFormat::kCsv) {
    if (!ids.is_array()) return Status::Invalid("no group ids to answer with");
    return CsvText(ids, column);
  }
  // The Parquet writer writes a file: where temporary files go, then read back.
  std::error_code error;
  const auto dir = std::filesystem::temp_directory_path(error);
  if (error) return Status::IOError("no temporary directory: " + error.message());
  static std::atomic<uint64_t> serial{0};
  const std::string path =
      (dir / ("frocket-groups-" + std::to_string(::getpid()) + "-" + std::to_string(serial++)))
          .string();
  FROCKET_RETURN_IF_ERROR(WriteGroupIds(ids, format, path, column));
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const bool read = !in.bad();
  std::filesystem::remove(path, error);
  if (!read) return Status::IOError("reading back " + path + " failed");
  return bytes;
}

}  // namespace frocket::service
