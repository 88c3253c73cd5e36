#include "parquet/decoder/delta_byte_array.h"

#include <string>
#include <vector>

#include "parquet/decoder/delta_binary_packed.h"

namespace frocket::parquet {

namespace {

Status OverBudget(const ByteArrayBuilder& out) {
  return Status::OutOfMemory("column data exceeds the read budget of " +
                             std::to_string(out.max_bytes()) + " bytes");
}

// Decodes the n lengths of a DELTA_BINARY_PACKED run at the start of `in`, checking each is
// non-negative; *end is where the run ends.
Status DecodeLengths(std::span<const uint8_t> in, size_t n, const char* what,
                     std::vector<int32_t>* lengths, size_t* end) {
  DeltaBinaryPackedDecoder lengths_decoder;
  FROCKET_RETURN_IF_ERROR(lengths_decoder.Init(in.data(), in.size()).WithContext(what));
  if (lengths_decoder.total_values() < n) {
    return Status::Invalid(std::string(what) + ": " +
                           std::to_string(lengths_decoder.total_values()) + " lengths for " +
                           std::to_string(n) + " values");
  }
  lengths->resize(n);
  FROCKET_RETURN_IF_ERROR(lengths_decoder.Decode(lengths->data(), n).WithContext(what));
  FROCKET_RETURN_IF_ERROR(lengths_decoder.SkipToEnd().WithContext(what));
  for (size_t i = 0; i < n; ++i) {
    if ((*lengths)[i] < 0) {
      return Status::Invalid(std::string(what) + ": negative length " +
                             std::to_string((*lengths)[i]) + " at value " + std::to_string(i));
    }
  }
  *end = lengths_decoder.end_position();
  return Status::OK();
}

}  // namespace

Status DecodeDeltaLengthByteArray(std::span<const uint8_t> in, size_t n, ByteArrayBuilder* out) {
  std::vector<int32_t> lengths;
  size_t pos;
  FROCKET_RETURN_IF_ERROR(DecodeLengths(in, n, "DELTA_LENGTH_BYTE_ARRAY", &lengths, &pos));
  uint64_t total = 0;
  for (int32_t l : lengths) total += static_cast<uint64_t>(l);
  if (total > in.size() - pos) {
    return Status::Invalid("DELTA_LENGTH_BYTE_ARRAY: lengths add up to " + std::to_string(total) +
                           " bytes but only " + std::to_string(in.size() - pos) + " remain");
  }
  if (!out->Reserve(total)) return OverBudget(*out);
  const uint8_t* p = in.data() + pos;
  for (size_t i = 0; i < n; ++i) {
    out->Append(p, static_cast<uint32_t>(lengths[i]));
    p += lengths[i];
  }
  return Status::OK();
}

Status DecodeDeltaByteArray(std::span<const uint8_t> in, size_t n, ByteArrayBuilder* out) {
  std::vector<int32_t> prefixes;
  size_t pos;
  FROCKET_RETURN_IF_ERROR(DecodeLengths(in, n, "DELTA_BYTE_ARRAY prefix", &prefixes, &pos));
  std::vector<int32_t> suffixes;
  size_t suffix_pos;
  FROCKET_RETURN_IF_ERROR(
      DecodeLengths(in.subspan(pos), n, "DELTA_BYTE_ARRAY suffix", &suffixes, &suffix_pos));
  pos += suffix_pos;
  uint64_t suffix_total = 0;
  for (int32_t l : suffixes) suffix_total += static_cast<uint64_t>(l);
  if (suffix_total > in.size() - pos) {
    return Status::Invalid("DELTA_BYTE_ARRAY: suffix lengths add up to " +
                           std::to_string(suffix_total) + " bytes but only " +
                           std::to_string(in.size() - pos) + " remain");
  }
  const uint8_t* p = in.data() + pos;
  std::vector<uint8_t> previous;
  std::vector<uint8_t> current;
  for (size_t i = 0; i < n; ++i) {
    auto prefix = static_cast<size_t>(prefixes[i]);
    if (prefix > previous.size()) {
      return Status::Invalid("DELTA_BYTE_ARRAY: value " + std::to_string(i) +
                             " shares a prefix of " + std::to_string(prefix) +
                             " bytes with a previous value of only " +
                             std::to_string(previous.size()));
    }
    uint64_t length = prefix + static_cast<uint64_t>(suffixes[i]);
    if (length > out->max_bytes()) return OverBudget(*out);
    current.assign(previous.begin(), previous.begin() + static_cast<std::ptrdiff_t>(prefix));
    current.insert(current.end(), p, p + suffixes[i]);
    p += suffixes[i];
    if (!out->Append(current.data(), static_cast<uint32_t>(current.size()))) {
      return OverBudget(*out);
    }
    std::swap(previous, current);
  }
  return Status::OK();
}

}  // namespace frocket::parquet
