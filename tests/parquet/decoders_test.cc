// The value and level decoders, on byte strings written by hand from the examples of the
// format specification (Encodings.md), and on random data encoded by the naive encoders
// below, which follow the specification bit by bit and share no code with the decoders.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "common/buffer.h"
#include "parquet/decoder/byte_stream_split.h"
#include "parquet/decoder/delta_binary_packed.h"
#include "parquet/decoder/delta_byte_array.h"
#include "parquet/decoder/index_check.h"
#include "parquet/decoder/plain.h"
#include "parquet/decoder/rle_bit_packed.h"
#include "parquet/encoder/rle_encoder.h"

namespace frocket::parquet {
namespace {

// Fails the test with the status's message unless it is OK; more may be streamed after it.
#define ASSERT_OK(expr) \
  for (const ::frocket::Status status_ = (expr); !status_.ok();) FAIL() << status_.message()

using Bytes = std::vector<uint8_t>;

// --- naive reference encoders ---

void PutUleb(Bytes* out, uint64_t v) {
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    out->push_back(b | (v ? 0x80 : 0));
  } while (v);
}
void PutZigZag(Bytes* out, int64_t v) {
  PutUleb(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}
// Appends `values` bit-packed LSB first, `width` bits each, one bit at a time.
void PutBits(Bytes* out, const std::vector<uint64_t>& values, int width) {
  size_t bit = 0;
  size_t start = out->size();
  out->resize(start + (values.size() * static_cast<size_t>(width) + 7) / 8, 0);
  for (uint64_t v : values) {
    for (int b = 0; b < width; ++b, ++bit) {
      if ((v >> b) & 1) (*out)[start + bit / 8] |= static_cast<uint8_t>(1 << (bit % 8));
    }
  }
}

// RLE/bit-packed hybrid: runs of equal values as RLE runs, the rest as literal groups.
Bytes EncodeHybrid(const std::vector<uint32_t>& values, int width) {
  Bytes out;
  size_t i = 0;
  while (i < values.size()) {
    size_t run = 1;
    while (i + run < values.size() && values[i + run] == values[i]) ++run;
    if (run >= 8 || i + run == values.size()) {
      PutUleb(&out, run << 1);
      for (int b = 0; b < (width + 7) / 8; ++b) out.push_back((values[i] >> (8 * b)) & 0xff);
      i += run;
    } else {
      size_t n = std::min<size_t>(8, values.size() - i);
      std::vector<uint64_t> group(values.begin() + static_cast<long>(i),
                                  values.begin() + static_cast<long>(i + n));
      group.resize(8, 0);
      PutUleb(&out, (1 << 1) | 1);
      PutBits(&out, group, width);
      i += n;
    }
  }
  return out;
}

int BitsNeeded(uint64_t v) {
  int bits = 0;
  while (v) {
    ++bits;
    v >>= 1;
  }
  return bits;
}

// DELTA_BINARY_PACKED with the given block shape; arithmetic wraps modulo 2^64.
Bytes EncodeDelta(const std::vector<int64_t>& values, uint64_t block = 128,
                  uint64_t miniblocks = 4) {
  Bytes out;
  PutUleb(&out, block);
  PutUleb(&out, miniblocks);
  PutUleb(&out, values.size());
  PutZigZag(&out, values.empty() ? 0 : values[0]);
  const uint64_t per_mini = block / miniblocks;
  for (size_t start = 1; start < values.size(); start += block) {
    size_t end = std::min(values.size(), start + block);
    std::vector<uint64_t> deltas;
    for (size_t i = start; i < end; ++i) {
      deltas.push_back(static_cast<uint64_t>(values[i]) - static_cast<uint64_t>(values[i - 1]));
    }
    int64_t min_delta = static_cast<int64_t>(deltas[0]);
    for (uint64_t d : deltas) min_delta = std::min(min_delta, static_cast<int64_t>(d));
    PutZigZag(&out, min_delta);
    size_t width_pos = out.size();
    out.resize(out.size() + miniblocks, 0);
    for (uint64_t m = 0; m * per_mini < deltas.size(); ++m) {
      std::vector<uint64_t> mini;
      for (uint64_t k = m * per_mini; k < std::min<uint64_t>((m + 1) * per_mini, deltas.size());
           ++k) {
        mini.push_back(deltas[k] - static_cast<uint64_t>(min_delta));
      }
      int width = 0;
      for (uint64_t d : mini) width = std::max(width, BitsNeeded(d));
      out[width_pos + m] = static_cast<uint8_t>(width);
      mini.resize(per_mini, 0);
      PutBits(&out, mini, width);
    }
  }
  return out;
}

// --- RLE / bit-packed hybrid ---

// Indices below the dictionary's size pass, the first one at it does not — wherever it sits in
// a block (the check is vector code over groups of values) — and an empty dictionary has no
// valid index.
TEST(DictionaryIndices, AnIndexAtTheDictionarySizeIsOutOfRange) {
  std::vector<uint32_t> indices(37);
  for (size_t i = 0; i < indices.size(); ++i) indices[i] = static_cast<uint32_t>(i % 10);
  EXPECT_FALSE(AnyIndexOutOfRange(indices.data(), indices.size(), 10));
  for (size_t at = 0; at < indices.size(); ++at) {
    std::vector<uint32_t> bad = indices;
    bad[at] = 10;
    EXPECT_TRUE(AnyIndexOutOfRange(bad.data(), bad.size(), 10)) << at;
    EXPECT_FALSE(AnyIndexOutOfRange(bad.data(), bad.size(), 11)) << at;
    bad[at] = UINT32_MAX;
    EXPECT_TRUE(AnyIndexOutOfRange(bad.data(), bad.size(), 10)) << at;
  }
  EXPECT_TRUE(AnyIndexOutOfRange(indices.data(), 1, 0));
  EXPECT_FALSE(AnyIndexOutOfRange(indices.data(), 0, 0));
  const uint32_t highest = UINT32_MAX;
  EXPECT_TRUE(AnyIndexOutOfRange(&highest, 1, UINT32_MAX));
  EXPECT_FALSE(AnyIndexOutOfRange(&highest, 1, uint64_t{1} << 32));
  EXPECT_FALSE(AnyIndexOutOfRange(&highest, 1, uint64_t{1} << 40));
}

TEST(RleBitPacked, SpecExampleBitPackedZeroToSeven) {
  // Encodings.md: 0..7 at bit width 3 pack to 10001000 11000110 11111010.
  Bytes in = {0x03, 0x88, 0xC6, 0xFA};
  std::vector<uint32_t> out(8);
  RleBitPackedDecoder d(in.data(), in.size(), 3);
  ASSERT_OK(d.Decode(out.data(), 8));
  EXPECT_EQ(out, (std::vector<uint32_t>{0, 1, 2, 3, 4, 5, 6, 7}));
}

TEST(RleBitPacked, RleRunThenLiteralRunInSmallPieces) {
  // RLE run of five 4s, then the literal group 0..7 of the spec example.
  Bytes in = {0x0A, 0x04, 0x03, 0x88, 0xC6, 0xFA};
  RleBitPackedDecoder d(in.data(), in.size(), 3);
  std::vector<uint32_t> out;
  for (int i = 0; i < 13; ++i) {
    uint32_t v;
    ASSERT_OK(d.Decode(&v, 1));
    out.push_back(v);
  }
  EXPECT_EQ(out, (std::vector<uint32_t>{4, 4, 4, 4, 4, 0, 1, 2, 3, 4, 5, 6, 7}));
  uint32_t extra;
  const Status failed = d.Decode(&extra, 1);
  EXPECT_FALSE(failed.ok());
  EXPECT_NE(failed.message().find("ends before"), std::string::npos) << failed.message();
}

TEST(RleBitPacked, BitWidthZeroNeedsNoValueBytes) {
  Bytes in = {0x14};  // RLE run of 10, value of zero bytes
  std::vector<uint32_t> out(10, 99);
  RleBitPackedDecoder d(in.data(), in.size(), 0);
  ASSERT_OK(d.Decode(out.data(), 10));
  EXPECT_EQ(out, std::vector<uint32_t>(10, 0));
}

TEST(RleBitPacked, RejectsRunValueWiderThanBitWidth) {
  Bytes in = {0x04, 0x09};  // RLE run of 2, value 9 at bit width 3
  uint32_t out[2];
  RleBitPackedDecoder d(in.data(), in.size(), 3);
  const Status failed = d.Decode(out, 2);
  EXPECT_FALSE(failed.ok());
  EXPECT_NE(failed.message().find("does not fit in 3 bits"), std::string::npos) << failed.message();
}

TEST(RleBitPacked, TruncatedLiteralRunYieldsOnlyValuesPresent) {
  // Header promises 2 groups (16 values of 3 bits = 6 bytes) but only 3 bytes follow.
  Bytes in = {0x05, 0x88, 0xC6, 0xFA};
  std::vector<uint32_t> out(9);
  RleBitPackedDecoder d(in.data(), in.size(), 3);
  EXPECT_TRUE(d.Decode(out.data(), 8).ok());
  EXPECT_FALSE(d.Decode(out.data() + 8, 1).ok());
}

TEST(RleBitPacked, RandomRoundTripAtEveryWidth) {
  std::mt19937_64 rng(42);
  for (int width = 1; width <= 32; ++width) {
    std::vector<uint32_t> values(1000 + static_cast<size_t>(width) * 13);
    uint64_t limit = width == 32 ? UINT32_MAX : (uint64_t{1} << width) - 1;
    for (size_t i = 0; i < values.size(); ++i) {
      // Mix runs and noise so both run kinds appear.
      values[i] =
          (i / 50) % 2 ? static_cast<uint32_t>(limit / 2) : static_cast<uint32_t>(rng() & limit);
    }
    Bytes in = EncodeHybrid(values, width);
    std::vector<uint32_t> out(values.size());
    RleBitPackedDecoder d(in.data(), in.size(), width);
    // Uneven request sizes exercise the buffered paths.
    size_t done = 0;
    for (size_t step = 1; done < values.size(); step = step * 3 % 97 + 1) {
      size_t k = std::min(step, values.size() - done);
      ASSERT_OK(d.Decode(out.data() + done, k)) << "width " << width;
      done += k;
    }
    ASSERT_EQ(out, values) << "width " << width;
  }
}

TEST(RleBitPacked, MarkSetsExactlyTheValuesDecoded) {
  // Widths up to 20 (a mark per value the width can hold): runs, literal stretches and noise,
  // marked in uneven steps; the marks must be the set of the values, and a truncated last
  // group's missing values must not be marked.
  std::mt19937 rng(5);
  for (int width = 0; width <= 20; ++width) {
    const uint64_t limit = (uint64_t{1} << width) - 1;
    std::vector<uint32_t> values;
    while (values.size() < 2000) {
      const auto v = static_cast<uint32_t>(rng() % (limit + 1) / (rng() % 4 + 1));
      values.insert(values.end(), rng() % 3 == 0 ? 1 + rng() % 20 : 1, v);
    }
    std::vector<uint8_t> in;
    EncodeRleBitPacked(values, width, &in);
    std::vector<uint8_t> marks(size_t{1} << width, 0);
    RleBitPackedDecoder d(in.data(), in.size(), width);
    size_t done = 0;
    for (size_t step = 1; done < values.size(); step = step * 7 % 131 + 1) {
      const size_t k = std::min(step, values.size() - done);
      ASSERT_OK(d.Mark(marks.data(), k)) << "width " << width;
      done += k;
    }
    std::vector<uint8_t> expected(marks.size(), 0);
    for (uint32_t v : values) expected[v] = 1;
    ASSERT_EQ(marks, expected) << "width " << width;
  }
  // A literal run of one group cut after two of its four bytes at 4 bits: 5, 6, 7, 0 are there.
  // Marking three marks only those; the fourth (a 0) when asked for; a fifth is an error.
  const Bytes cut = {0x03, 0x65, 0x07};
  std::vector<uint8_t> marks(16, 0);
  RleBitPackedDecoder d(cut.data(), cut.size(), 4);
  ASSERT_OK(d.Mark(marks.data(), 3));
  EXPECT_EQ(marks, (std::vector<uint8_t>{0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0}));
  ASSERT_OK(d.Mark(marks.data(), 1));
  EXPECT_EQ(marks[0], 1);
  EXPECT_FALSE(d.Mark(marks.data(), 1).ok()) << "only 4 values' bits are there";
}

TEST(RleBitPacked, DecodeBitsRejectsValuesAboveOne) {
  Bytes in = EncodeHybrid({1, 0, 2, 1}, 2);
  uint8_t out[4];
  RleBitPackedDecoder d(in.data(), in.size(), 2);
  EXPECT_FALSE(d.DecodeBits(out, 4).ok());
}

// The writer's encoder (encoder/rle_encoder.h): the specification's bytes, and random runs
// and literal stretches at every width read back by the decoder above.
TEST(RleBitPackedEncoder, WritesTheSpecificationsBytes) {
  std::vector<uint8_t> out;
  EncodeRleBitPacked(std::vector<uint32_t>{0, 1, 2, 3, 4, 5, 6, 7}, 3, &out);
  EXPECT_EQ(out, (Bytes{0x03, 0x88, 0xC6, 0xFA}));
  // Nine 4s are a run (header 9 << 1, the value in one byte); a literal stretch of 1, 2, 1, 2
  // before a run of eight 5s is padded to a group of 8 taking four of the 5s, whose other four
  // are then a literal group of their own (fewer than 8 left for a run), zero-padded.
  out.clear();
  EncodeRleBitPacked(std::vector<uint32_t>(9, 4), 3, &out);
  EXPECT_EQ(out, (Bytes{0x12, 0x04}));
  out.clear();
  std::vector<uint32_t> v = {1, 2, 1, 2, 5, 5, 5, 5, 5, 5, 5, 5};
  EncodeRleBitPacked(v, 3, &out);
  // 1,2,1,2,5,5,5,5 at 3 bits, least significant first: 0x51 0xD4 0xB6; then 5,5,5,5,0,0,0,0.
  EXPECT_EQ(out, (Bytes{0x03, 0x51, 0xD4, 0xB6, 0x03, 0x6D, 0x0B, 0x00}));
}

TEST(RleBitPackedEncoder, RandomRunsAndLiteralsReadBackAtEveryWidth) {
  std::mt19937 rng(11);
  for (int width = 1; width <= 32; ++width) {
    const uint64_t limit = width == 32 ? 0xFFFFFFFFull : (uint64_t{1} << width) - 1;
    std::vector<uint32_t> values;
    while (values.size() < 3000) {
      const uint32_t v = static_cast<uint32_t>(rng() % (limit + 1));
      const size_t repeat = rng() % 3 == 0 ? 1 + rng() % 20 : 1;
      values.insert(values.end(), repeat, v);
    }
    std::vector<uint8_t> out;
    EncodeRleBitPacked(values, width, &out);
    RleBitPackedDecoder d(out.data(), out.size(), width);
    std::vector<uint32_t> back(values.size());
    ASSERT_OK(d.Decode(back.data(), back.size())) << "width " << width;
    EXPECT_EQ(back, values) << "width " << width;
  }
}

// --- DELTA_BINARY_PACKED ---

TEST(DeltaBinaryPacked, SpecExampleOneToFive) {
  // Encodings.md example 1: 1,2,3,4,5 -> block 8, 1 miniblock, count 5, first 1; min delta 1,
  // bit width 0.
  Bytes in = {0x08, 0x01, 0x05, 0x02, 0x02, 0x00};
  DeltaBinaryPackedDecoder d;
  ASSERT_OK(d.Init(in.data(), in.size()));
  std::vector<int32_t> out(5);
  ASSERT_OK(d.Decode(out.data(), 5));
  EXPECT_EQ(out, (std::vector<int32_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(d.end_position(), in.size());
}

TEST(DeltaBinaryPacked, SpecExampleSevenFiveThree) {
  // Example 2: 7,5,3,1,2,3,4,5 -> min delta -2, relative deltas 0,0,0,3,3,3,3 at 2 bits.
  Bytes in = {0x08, 0x01, 0x08, 0x0E, 0x03, 0x02, 0xC0, 0x3F};
  DeltaBinaryPackedDecoder d;
  ASSERT_OK(d.Init(in.data(), in.size()));
  std::vector<int64_t> out(8);
  ASSERT_OK(d.Decode(out.data(), 8));
  EXPECT_EQ(out, (std::vector<int64_t>{7, 5, 3, 1, 2, 3, 4, 5}));
  EXPECT_EQ(d.end_position(), in.size());
}

// Encodes `values` (blocks of 128 in 4 miniblocks) and decodes them back in calls of varying
// sizes (first, then step * multiplier % modulus + 1), ending exactly at the encoding's end.
void ExpectDeltaRoundTripInSteps(const std::vector<int64_t>& values, size_t first,
                                 size_t multiplier, size_t modulus) {
  Bytes in = EncodeDelta(values, 128, 4);
  DeltaBinaryPackedDecoder d;
  ASSERT_OK(d.Init(in.data(), in.size()));
  std::vector<int64_t> out(values.size());
  size_t done = 0;
  for (size_t step = first; done < values.size(); step = step * multiplier % modulus + 1) {
    size_t k = std::min(step, values.size() - done);
    ASSERT_OK(d.Decode(out.data() + done, k));
    done += k;
  }
  ASSERT_EQ(out, values);
  EXPECT_EQ(d.end_position(), in.size());
}

TEST(DeltaBinaryPacked, RandomRoundTripIncludingExtremes) {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<int64_t> values(1 + rng() % 3000);
    for (auto& v : values) {
      switch (rng() % 4) {
        case 0:
          v = static_cast<int64_t>(rng());
          break;  // full 64-bit range: 64-bit widths
        case 1:
          v = INT64_MIN + static_cast<int64_t>(rng() % 3);
          break;
        default:
          v = static_cast<int64_t>(rng() % 1000);
          break;
      }
    }
    SCOPED_TRACE("trial " + std::to_string(trial));
    ExpectDeltaRoundTripInSteps(values, 5, 7, 301);
  }
}

TEST(DeltaBinaryPacked, DeltasOfEveryWidthRoundTrip) {
  // Timestamp-like values: ascending by random gaps below 2^width, so that the miniblocks'
  // bit widths are 1..56 — unpacked by loads reaching past a group into the bytes after it
  // where the page holds more, byte-exactly at its end.
  std::mt19937_64 rng(9);
  for (int width = 1; width <= 56; ++width) {
    std::vector<int64_t> values(2000 + rng() % 700);
    uint64_t v = 1'700'000'000'000;  // wrapping past 2^63 at the widest, as the encoding does
    for (auto& x : values) {
      v += rng() & ((uint64_t{1} << width) - 1);
      x = static_cast<int64_t>(v);
    }
    SCOPED_TRACE("width " + std::to_string(width));
    ExpectDeltaRoundTripInSteps(values, 3, 5, 211);
  }
}

TEST(DeltaBinaryPacked, Int32WithThirtyThreeBitDeltasWraps) {
  // INT32 columns spanning the whole range need 33-bit deltas (DuckDB writes them); decoding
  // with wrapping arithmetic gives the values back.
  std::vector<int64_t> values = {INT32_MIN, INT32_MAX, INT32_MIN, 0, INT32_MAX};
  Bytes in = EncodeDelta(values, 8, 1);
  DeltaBinaryPackedDecoder d;
  ASSERT_OK(d.Init(in.data(), in.size()));
  std::vector<int32_t> out(values.size());
  ASSERT_OK(d.Decode(out.data(), out.size()));
  EXPECT_EQ(out, (std::vector<int32_t>{INT32_MIN, INT32_MAX, INT32_MIN, 0, INT32_MAX}));
}

TEST(DeltaBinaryPacked, RejectsMalformedInput) {
  DeltaBinaryPackedDecoder d;
  Bytes zero_block = {0x00, 0x01, 0x05, 0x02};
  EXPECT_FALSE(d.Init(zero_block.data(), zero_block.size()).ok());
  Bytes bad_miniblocks = {0x08, 0x03, 0x05, 0x02};  // 8 values do not split into 3
  EXPECT_FALSE(d.Init(bad_miniblocks.data(), bad_miniblocks.size()).ok());
  Bytes wide = {0x08, 0x01, 0x03, 0x02, 0x02, 65};  // bit width 65
  ASSERT_OK(d.Init(wide.data(), wide.size()));
  int64_t out[3];
  const Status failed = d.Decode(out, 3);
  EXPECT_FALSE(failed.ok());
  EXPECT_NE(failed.message().find("exceeds 64"), std::string::npos) << failed.message();
  Bytes truncated = {0x08, 0x01, 0x08, 0x0E, 0x03, 0x02, 0xC0};  // example 2 minus a byte
  DeltaBinaryPackedDecoder t;
  ASSERT_OK(t.Init(truncated.data(), truncated.size()));
  EXPECT_FALSE(t.Decode(out, 3).ok());
  EXPECT_FALSE(t.Decode(out, 100).ok());  // more than the header announces
}

// Found by the fuzzer: a header announcing 2^64 - 1 values made the count of bytes a
// miniblock needs wrap to 0, and whole groups were then read past the end of the data.
TEST(DeltaBinaryPacked, HugeValueCountDoesNotReadPastTheData) {
  Bytes in = {0x60, 0x01};                        // blocks of 96 values, 1 miniblock
  in.insert(in.end(), 9, 0xff);                   // total: 2^64 - 1 values
  in.insert(in.end(), {0x01, 0x00, 0x00, 0x05});  // first 0, min delta 0, bit width 5
  in.insert(in.end(), 44, 0xff);                  // 44 of the 60 bytes of a 96-value miniblock
  const std::vector<uint8_t> exact(in.begin(), in.end());  // no spare capacity: ASan sees
                                                           // any read past the end
  DeltaBinaryPackedDecoder d;
  ASSERT_OK(d.Init(exact.data(), exact.size()));
  std::vector<int32_t> out(148);
  const Status failed = d.Decode(out.data(), out.size());
  EXPECT_FALSE(failed.ok());
  EXPECT_NE(failed.message().find("data ends inside a miniblock"), std::string::npos)
      << failed.message();
}

// --- byte arrays ---

struct Strings {
  Buffer offsets;
  Buffer data;
  ByteArrayBuilder Builder(size_t n, uint64_t budget = 1 << 20) {
    offsets.Resize((n + 1) * 4);
    offsets.as<uint32_t>()[0] = 0;
    data.Clear();
    return ByteArrayBuilder(offsets.as<uint32_t>(), &data, budget);
  }
  std::vector<std::string> Get(size_t n) const {
    std::vector<std::string> out;
    const uint32_t* o = offsets.as<uint32_t>();
    for (size_t i = 0; i < n; ++i) {
      out.emplace_back(reinterpret_cast<const char*>(data.data()) + o[i], o[i + 1] - o[i]);
    }
    return out;
  }
};

TEST(PlainByteArray, DecodesLengthPrefixedValues) {
  Bytes in = {2, 0, 0, 0, 'h', 'i', 0, 0, 0, 0, 3, 0, 0, 0, 'a', 'b', 'c'};
  Strings s;
  auto b = s.Builder(3);
  size_t consumed;
  ASSERT_TRUE(DecodePlainByteArray(in, 3, &b, &consumed).ok());
  EXPECT_EQ(consumed, in.size());
  EXPECT_EQ(s.Get(3), (std::vector<std::string>{"hi", "", "abc"}));
}

TEST(PlainByteArray, RejectsLengthBeyondPage) {
  Bytes in = {9, 0, 0, 0, 'h', 'i'};
  Strings s;
  auto b = s.Builder(1);
  size_t consumed;
  Status st = DecodePlainByteArray(in, 1, &b, &consumed);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("claims 9 bytes but only 2 remain"), std::string::npos)
      << st.message();
}

TEST(PlainByteArray, EnforcesTheByteBudget) {
  Bytes in = {4, 0, 0, 0, 'a', 'b', 'c', 'd'};
  Strings s;
  auto b = s.Builder(1, /*budget=*/3);
  size_t consumed;
  Status st = DecodePlainByteArray(in, 1, &b, &consumed);
  EXPECT_EQ(st.code(), StatusCode::kOutOfMemory) << st.message();
}

TEST(DeltaLengthByteArray, SpecExample) {
  // Encodings.md: "Hello", "World", "Foobar", "ABCDEF" -> lengths 5,5,6,6, then the bytes.
  Bytes in = EncodeDelta({5, 5, 6, 6});
  const std::string bytes = "HelloWorldFoobarABCDEF";
  in.insert(in.end(), bytes.begin(), bytes.end());
  Strings s;
  auto b = s.Builder(4);
  ASSERT_TRUE(DecodeDeltaLengthByteArray(in, 4, &b).ok());
  EXPECT_EQ(s.Get(4), (std::vector<std::string>{"Hello", "World", "Foobar", "ABCDEF"}));
}

TEST(DeltaByteArray, SpecExample) {
  // Encodings.md: "axis", "axle", "babble", "babyhood" -> prefixes 0,2,0,3; suffixes "axis",
  // "le", "babble", "yhood".
  Bytes in = EncodeDelta({0, 2, 0, 3});
  Bytes suffix_lengths = EncodeDelta({4, 2, 6, 5});
  in.insert(in.end(), suffix_lengths.begin(), suffix_lengths.end());
  const std::string suffixes = "axislebabbleyhood";
  in.insert(in.end(), suffixes.begin(), suffixes.end());
  Strings s;
  auto b = s.Builder(4);
  Status st = DecodeDeltaByteArray(in, 4, &b);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(s.Get(4), (std::vector<std::string>{"axis", "axle", "babble", "babyhood"}));
}

TEST(DeltaByteArray, RejectsPrefixLongerThanPreviousValue) {
  Bytes in = EncodeDelta({0, 9});
  Bytes suffix_lengths = EncodeDelta({1, 1});
  in.insert(in.end(), suffix_lengths.begin(), suffix_lengths.end());
  in.push_back('a');
  in.push_back('b');
  Strings s;
  auto b = s.Builder(2);
  Status st = DecodeDeltaByteArray(in, 2, &b);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("prefix of 9 bytes"), std::string::npos) << st.message();
}

// --- fixed width ---

TEST(ByteStreamSplit, ReassemblesFloats) {
  const float values[3] = {1.5f, -2.25f, 3e10f};
  uint8_t raw[12];
  std::memcpy(raw, values, 12);
  Bytes in(12);
  for (int i = 0; i < 3; ++i) {
    for (int k = 0; k < 4; ++k) in[static_cast<size_t>(k * 3 + i)] = raw[i * 4 + k];
  }
  float out[3];
  ASSERT_TRUE(DecodeByteStreamSplit(in, 4, 3, reinterpret_cast<uint8_t*>(out)).ok());
  EXPECT_EQ(std::memcmp(out, values, 12), 0);
  EXPECT_FALSE(
      DecodeByteStreamSplit(std::span(in).first(11), 4, 3, reinterpret_cast<uint8_t*>(out)).ok());
}

TEST(PlainBoolean, UnpacksLeastSignificantBitFirst) {
  Bytes in = {0b00000101, 0b1};
  uint8_t out[9];
  size_t consumed;
  ASSERT_TRUE(DecodePlainBoolean(in, 9, out, &consumed).ok());
  EXPECT_EQ(consumed, 2u);
  EXPECT_EQ(std::vector<uint8_t>(out, out + 9), (std::vector<uint8_t>{1, 0, 1, 0, 0, 0, 0, 0, 1}));
}

}  // namespace
}  // namespace frocket::parquet
