// The enumerations of the Parquet format (parquet.thrift), with their names.
//
// Values read from a file are kept as the raw int32 until validated, so an unknown value can
// be reported as such instead of being cast into an enum it does not belong to.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace frocket::parquet {

enum class PhysicalType : int32_t {
  kBoolean = 0,
  kInt32 = 1,
  kInt64 = 2,
  kInt96 = 3,
  kFloat = 4,
  kDouble = 5,
  kByteArray = 6,
  kFixedLenByteArray = 7,
};

enum class ConvertedType : int32_t {
  kUtf8 = 0,
  kMap = 1,
  kMapKeyValue = 2,
  kList = 3,
  kEnum = 4,
  kDecimal = 5,
  kDate = 6,
  kTimeMillis = 7,
  kTimeMicros = 8,
  kTimestampMillis = 9,
  kTimestampMicros = 10,
  kUint8 = 11,
  kUint16 = 12,
  kUint32 = 13,
  kUint64 = 14,
  kInt8 = 15,
  kInt16 = 16,
  kInt32 = 17,
  kInt64 = 18,
  kJson = 19,
  kBson = 20,
  kInterval = 21,
};

enum class Repetition : int32_t { kRequired = 0, kOptional = 1, kRepeated = 2 };

enum class Encoding : int32_t {
  kPlain = 0,
  kPlainDictionary = 2,
  kRle = 3,
  kBitPacked = 4,
  kDeltaBinaryPacked = 5,
  kDeltaLengthByteArray = 6,
  kDeltaByteArray = 7,
  kRleDictionary = 8,
  kByteStreamSplit = 9,
};

enum class CompressionCodec : int32_t {
  kUncompressed = 0,
  kSnappy = 1,
  kGzip = 2,
  kLzo = 3,
  kBrotli = 4,
  kLz4 = 5,
  kZstd = 6,
  kLz4Raw = 7,
};

enum class PageType : int32_t {
  kDataPage = 0,
  kIndexPage = 1,
  kDictionaryPage = 2,
  kDataPageV2 = 3,
};

enum class TimeUnit : uint8_t { kMillis, kMicros, kNanos };

// Names as parquet.thrift spells them ("INT64", "RLE_DICTIONARY"...); unknown values give
// "UNKNOWN(<n>)".
std::string PhysicalTypeName(int32_t type);
std::string ConvertedTypeName(int32_t type);
std::string RepetitionName(int32_t repetition);
std::string EncodingName(int32_t encoding);
std::string CodecName(int32_t codec);
std::string PageTypeName(int32_t type);
const char* TimeUnitName(TimeUnit unit);

inline bool IsValidPhysicalType(int32_t t) {
  return t >= 0 && t <= 7;
}

// Byte width of one value of a fixed-width physical type; 0 for BYTE_ARRAY, the type length
// for FIXED_LEN_BYTE_ARRAY.
int32_t PhysicalTypeWidth(PhysicalType type, int32_t type_length);

}  // namespace frocket::parquet
