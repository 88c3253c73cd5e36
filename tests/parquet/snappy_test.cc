// frocket's snappy decoder (parquet/snappy.h): round trips of data compressed by Debian's
// libsnappy, streams written by hand from google/snappy's format_description.txt for each
// element type, malformed streams with the message each must give, and mutated streams on
// which the decoder must agree with libsnappy.
#include "parquet/snappy.h"

#include <gtest/gtest.h>
#include <snappy.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace frocket::parquet {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes Compress(const Bytes& data) {
  std::string out;
  snappy::Compress(reinterpret_cast<const char*>(data.data()), data.size(), &out);
  return Bytes(out.begin(), out.end());
}

// Decompresses with frocket's decoder into a buffer of the length the stream declares.
Status Decompress(const Bytes& stream, Bytes* out) {
  FROCKET_ASSIGN_OR_RETURN(uint32_t length, SnappyUncompressedLength(stream));
  out->assign(length, 0);
  return DecompressSnappy(stream, out->data(), out->size());
}

// libsnappy's verdict on the same stream: whether it accepts it, and what it produces.
bool LibsnappyDecompress(const Bytes& stream, Bytes* out) {
  const char* in = reinterpret_cast<const char*>(stream.data());
  size_t length = 0;
  if (!snappy::GetUncompressedLength(in, stream.size(), &length)) return false;
  out->assign(length, 0);
  return snappy::RawUncompress(in, stream.size(), reinterpret_cast<char*>(out->data()));
}

void ExpectRoundTrip(const Bytes& data, const std::string& what) {
  SCOPED_TRACE(what + ", " + std::to_string(data.size()) + " bytes");
  Bytes decoded;
  Status st = Decompress(Compress(data), &decoded);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_EQ(decoded.size(), data.size());
  EXPECT_TRUE(decoded == data);
}

// A raw snappy stream built element by element, following format_description.txt.
class StreamBuilder {
 public:
  explicit StreamBuilder(uint64_t declared_length) {
    do {
      uint8_t b = declared_length & 0x7f;
      declared_length >>= 7;
      bytes_.push_back(b | (declared_length ? 0x80 : 0));
    } while (declared_length);
  }

  // A literal; length_bytes 0 keeps length - 1 in the tag (up to 60 bytes), 1..4 stores it
  // in that many bytes after the tag.
  StreamBuilder& Literal(const Bytes& data, int length_bytes = 0) {
    const uint64_t n = data.size() - 1;
    if (length_bytes == 0) {
      bytes_.push_back(static_cast<uint8_t>(n << 2));
    } else {
      bytes_.push_back(static_cast<uint8_t>((59 + length_bytes) << 2));
      PutLittleEndian(n, length_bytes);
    }
    bytes_.insert(bytes_.end(), data.begin(), data.end());
    return *this;
  }
  // Copy with a 1-byte offset: length 4..11, offset 0..2047.
  StreamBuilder& Copy1(uint32_t offset, uint32_t length) {
    bytes_.push_back(static_cast<uint8_t>(1 | ((length - 4) << 2) | ((offset >> 8) << 5)));
    bytes_.push_back(static_cast<uint8_t>(offset & 0xff));
    return *this;
  }
  // Copy with a 2-byte offset: length 1..64, offset 0..65535.
  StreamBuilder& Copy2(uint32_t offset, uint32_t length) {
    bytes_.push_back(static_cast<uint8_t>(2 | ((length - 1) << 2)));
    PutLittleEndian(offset, 2);
    return *this;
  }
  // Copy with a 4-byte offset: length 1..64.
  StreamBuilder& Copy4(uint32_t offset, uint32_t length) {
    bytes_.push_back(static_cast<uint8_t>(3 | ((length - 1) << 2)));
    PutLittleEndian(offset, 4);
    return *this;
  }
  StreamBuilder& Raw(const Bytes& raw) {
    bytes_.insert(bytes_.end(), raw.begin(), raw.end());
    return *this;
  }
  const Bytes& bytes() const { return bytes_; }

 private:
  void PutLittleEndian(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) bytes_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  Bytes bytes_;
};

Bytes Sequence(size_t n, uint8_t first = 'a') {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(first + i);
  return b;
}

Bytes RandomBytes(std::mt19937_64* rng, size_t n) {
  Bytes b(n);
  for (auto& x : b) x = static_cast<uint8_t>((*rng)());
  return b;
}

// Data of the kinds Parquet pages hold, `n` bytes of each.
std::vector<std::pair<std::string, Bytes>> SampleData(std::mt19937_64* rng, size_t n) {
  std::vector<std::pair<std::string, Bytes>> kinds;
  kinds.emplace_back("incompressible", RandomBytes(rng, n));
  Bytes text(n);
  for (auto& x : text) x = static_cast<uint8_t>('a' + (*rng)() % 6);
  kinds.emplace_back("small alphabet", text);
  Bytes runs;
  while (runs.size() < n) {
    runs.insert(runs.end(), 1 + (*rng)() % 300, static_cast<uint8_t>((*rng)()));
  }
  runs.resize(n);
  kinds.emplace_back("runs", runs);
  // Ascending int64 timestamps and small int64 ids: PLAIN pages of a Parquet column.
  Bytes timestamps(n), ids(n);
  int64_t t = 1704067200000;
  for (size_t i = 0; i + 8 <= n; i += 8) {
    t += static_cast<int64_t>((*rng)() % 1000);
    int64_t id = static_cast<int64_t>((*rng)() % 40000);
    std::memcpy(&timestamps[i], &t, 8);
    std::memcpy(&ids[i], &id, 8);
  }
  kinds.emplace_back("int64 timestamps", timestamps);
  kinds.emplace_back("int64 ids", ids);
  // Segments of all of the above, so every element type meets every other.
  Bytes mixed;
  while (mixed.size() < n) {
    const Bytes& from = kinds[(*rng)() % kinds.size()].second;
    size_t start = from.empty() ? 0 : (*rng)() % from.size();
    size_t len = std::min<size_t>(from.size() - start, 1 + (*rng)() % 5000);
    mixed.insert(mixed.end(), from.begin() + static_cast<long>(start),
                 from.begin() + static_cast<long>(start + len));
  }
  mixed.resize(n);
  kinds.emplace_back("mixed", mixed);
  return kinds;
}

void ExpectCorrupt(const Bytes& stream, size_t output_size, const std::string& message) {
  Bytes out(output_size);
  Status st = DecompressSnappy(stream, out.data(), out.size());
  ASSERT_FALSE(st.ok()) << "accepted, expected: " << message;
  EXPECT_EQ(st.code(), StatusCode::kInvalid);
  EXPECT_EQ(st.message(), "SNAPPY data is corrupt: " + message);
}

TEST(Snappy, RoundTripsEveryKindOfDataAtManySizes) {
  std::mt19937_64 rng(7);
  std::vector<size_t> sizes;
  for (size_t n = 0; n <= 130; ++n) sizes.push_back(n);
  for (size_t n :
       {255, 256, 1000, 4095, 4096, 32768, 65535, 65536, 65537, 100000, 333333, 1 << 20}) {
    sizes.push_back(n);
  }
  for (size_t n : sizes) {
    for (const auto& [what, data] : SampleData(&rng, n)) ExpectRoundTrip(data, what);
  }
}

TEST(Snappy, RoundTripsRepeatingPatternsOfEveryShortPeriod) {
  std::mt19937_64 rng(11);
  for (size_t period = 1; period <= 16; ++period) {
    for (size_t n : {period, period + 1, size_t{23}, size_t{64}, size_t{65}, size_t{200},
                     size_t{4096}, size_t{70000}}) {
      Bytes pattern = RandomBytes(&rng, period);
      Bytes data(n);
      for (size_t i = 0; i < n; ++i) data[i] = pattern[i % period];
      ExpectRoundTrip(data, "period " + std::to_string(period));
      // The same pattern after a prefix, so that it starts at every alignment.
      Bytes prefixed = RandomBytes(&rng, 1 + rng() % 16);
      prefixed.insert(prefixed.end(), data.begin(), data.end());
      ExpectRoundTrip(prefixed, "period " + std::to_string(period) + " after a prefix");
    }
  }
}

TEST(Snappy, CopiesAtEveryShortOffsetAndLength) {
  // A literal, then one copy of every length from `offset` bytes back: with the literal just
  // `offset` bytes long or 20 bytes longer (under 8 bytes of history, or more), and with
  // room after the copy (the fast loop) or none (the checked path at the end).
  for (uint32_t offset = 1; offset <= 16; ++offset) {
    for (uint32_t length = 1; length <= 64; ++length) {
      for (size_t history : {size_t{offset}, size_t{offset} + 20}) {
        for (size_t tail : {size_t{0}, size_t{100}}) {
          SCOPED_TRACE("offset " + std::to_string(offset) + " length " + std::to_string(length) +
                       " history " + std::to_string(history) + " tail " + std::to_string(tail));
          const Bytes prefix = Sequence(history);
          const Bytes after = Sequence(tail + 1, 'A');
          Bytes expected = prefix;
          for (uint32_t i = 0; i < length; ++i) {
            expected.push_back(expected[expected.size() - offset]);
          }
          expected.insert(expected.end(), after.begin(), after.end());
          StreamBuilder s(expected.size());
          s.Literal(prefix);
          if (length >= 4 && length <= 11) {
            s.Copy1(offset, length);
          } else {
            s.Copy2(offset, length);
          }
          s.Literal(after, after.size() > 60 ? 1 : 0);
          Bytes out;
          Status st = Decompress(s.bytes(), &out);
          ASSERT_TRUE(st.ok()) << st.ToString();
          EXPECT_TRUE(out == expected);
        }
      }
    }
  }
}

TEST(Snappy, DecodesEveryElementTypeWrittenByHand) {
  // "xababab" from the format description: literal "xab", then offset 2 length 4.
  Bytes out;
  ASSERT_TRUE(Decompress(StreamBuilder(7).Literal({'x', 'a', 'b'}).Copy2(2, 4).bytes(), &out).ok());
  EXPECT_EQ(std::string(out.begin(), out.end()), "xababab");

  // The same copy in all three encodings, and copy-1's offset bits in the tag (offset 2047).
  const Bytes long_literal = Sequence(2100);
  for (int encoding = 1; encoding <= 3; ++encoding) {
    StreamBuilder s(2100 + 5);
    s.Literal(long_literal, 2);
    if (encoding == 1) s.Copy1(2047, 5);
    if (encoding == 2) s.Copy2(2047, 5);
    if (encoding == 3) s.Copy4(2047, 5);
    Status st = Decompress(s.bytes(), &out);
    ASSERT_TRUE(st.ok()) << st.ToString();
    EXPECT_TRUE(std::equal(out.begin() + 2100, out.end(), long_literal.begin() + 53));
  }
}

TEST(Snappy, DecodesLiteralsWithEveryLengthEncoding) {
  std::mt19937_64 rng(3);
  // Tag-encoded lengths 1..60; then 1..4 length bytes, also for lengths a shorter form fits.
  for (size_t n = 1; n <= 60; ++n) {
    Bytes data = RandomBytes(&rng, n);
    for (int length_bytes = 0; length_bytes <= 4; ++length_bytes) {
      Bytes out;
      Status st = Decompress(StreamBuilder(n).Literal(data, length_bytes).bytes(), &out);
      ASSERT_TRUE(st.ok()) << st.ToString();
      EXPECT_TRUE(out == data);
    }
  }
  for (auto [n, length_bytes] : {std::pair{size_t{61}, 1},
                                 {256, 1},
                                 {257, 2},
                                 {65536, 2},
                                 {65537, 3},
                                 {70000, 3},
                                 {70000, 4},
                                 {1 << 24, 3}}) {
    SCOPED_TRACE(std::to_string(n) + " bytes, " + std::to_string(length_bytes) + " length bytes");
    Bytes data = RandomBytes(&rng, n);
    Bytes out;
    Status st = Decompress(StreamBuilder(n).Literal(data, length_bytes).bytes(), &out);
    ASSERT_TRUE(st.ok()) << st.ToString();
    EXPECT_TRUE(out == data);
  }
}

TEST(Snappy, DecodesCopiesWithFourByteOffsetsBeyond64KiB) {
  std::mt19937_64 rng(5);
  const Bytes data = RandomBytes(&rng, 100000);
  StreamBuilder s(100000 + 64 + 10 + 100);
  s.Literal(data, 3).Copy4(100000, 64).Copy4(70001, 10).Literal(Sequence(100), 1);
  Bytes out;
  Status st = Decompress(s.bytes(), &out);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_TRUE(std::equal(out.begin() + 100000, out.begin() + 100064, data.begin()));
  EXPECT_TRUE(std::equal(out.begin() + 100064, out.begin() + 100074, data.begin() + 30063));
}

TEST(Snappy, AcceptsAnEmptyStream) {
  Bytes out;
  EXPECT_TRUE(Decompress({0x00}, &out).ok());
  EXPECT_TRUE(DecompressSnappy(Bytes{0x00}, nullptr, 0).ok());
}

TEST(Snappy, RejectsBadLengthHeaders) {
  ExpectCorrupt({}, 0, "the input is empty (no length header)");
  ExpectCorrupt({0x80}, 0, "the input ends inside the length header");
  ExpectCorrupt({0xff, 0xff, 0xff, 0xff}, 0, "the input ends inside the length header");
  ExpectCorrupt({0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 0,
                "the length header is longer than 5 bytes");
  ExpectCorrupt({0xff, 0xff, 0xff, 0xff, 0x1f}, 0,
                "the length header declares 8589934591 bytes, more than the format's maximum of "
                "4294967295");
  // The largest length the header can hold reads fine; it is the page that must match.
  auto length = SnappyUncompressedLength(Bytes{0xff, 0xff, 0xff, 0xff, 0x0f});
  ASSERT_TRUE(length.ok());
  EXPECT_EQ(*length, 4294967295u);
  // A longer encoding than needed is still a valid varint.
  length = SnappyUncompressedLength(Bytes{0x85, 0x80, 0x00});
  ASSERT_TRUE(length.ok());
  EXPECT_EQ(*length, 5u);
}

TEST(Snappy, RejectsALengthOtherThanThePageDeclares) {
  Bytes stream = StreamBuilder(10).Literal(Sequence(10)).bytes();
  ExpectCorrupt(stream, 11, "its length header declares 10 bytes, but the page header declares 11");
  ExpectCorrupt(stream, 9, "its length header declares 10 bytes, but the page header declares 9");
}

TEST(Snappy, RejectsElementsThatProduceTooLittle) {
  ExpectCorrupt(StreamBuilder(10).Literal(Sequence(5)).bytes(), 10,
                "the elements produce 5 bytes, but the length header declares 10");
  ExpectCorrupt(StreamBuilder(3).bytes(), 3,
                "the elements produce 0 bytes, but the length header declares 3");
}

TEST(Snappy, RejectsCopyOffsetZero) {
  ExpectCorrupt(StreamBuilder(9).Literal(Sequence(5)).Copy1(0, 4).bytes(), 9,
                "copy at input byte 7 has offset 0");
  ExpectCorrupt(StreamBuilder(9).Literal(Sequence(5)).Copy4(0, 4).bytes(), 9,
                "copy at input byte 7 has offset 0");
}

TEST(Snappy, RejectsCopiesReachingBeforeTheStart) {
  ExpectCorrupt(StreamBuilder(9).Copy1(1, 4).bytes(), 9,
                "copy offset 1 at input byte 1 reaches before the start of the output (0 bytes "
                "written)");
  ExpectCorrupt(StreamBuilder(11).Literal(Sequence(5)).Copy2(6, 6).bytes(), 11,
                "copy offset 6 at input byte 7 reaches before the start of the output (5 bytes "
                "written)");
  ExpectCorrupt(StreamBuilder(11).Literal(Sequence(5)).Copy4(70000, 6).bytes(), 11,
                "copy offset 70000 at input byte 7 reaches before the start of the output (5 "
                "bytes written)");
}

TEST(Snappy, RejectsCopiesRunningPastTheDeclaredLength) {
  ExpectCorrupt(StreamBuilder(12).Literal(Sequence(5)).Copy1(5, 10).bytes(), 12,
                "copy of 10 bytes at input byte 7 runs past the declared length of 12 bytes (5 "
                "written)");
}

TEST(Snappy, RejectsLiteralsRunningPastTheInputOrTheOutput) {
  Bytes stream = StreamBuilder(10).Literal(Sequence(10)).bytes();
  stream.resize(stream.size() - 7);
  ExpectCorrupt(stream, 10,
                "literal of 10 bytes at input byte 1 runs past the end of the input (3 bytes "
                "remain)");
  ExpectCorrupt(StreamBuilder(4).Literal(Sequence(10)).bytes(), 4,
                "literal of 10 bytes at input byte 1 runs past the declared length of 4 bytes (0 "
                "written)");
}

TEST(Snappy, RejectsALiteralOf2To32BytesThatLibsnappyReadsAsEmpty) {
  // Four length bytes ff ff ff ff: by the format a literal of (2^32 - 1) + 1 bytes, more than
  // a stream may produce. Debian's libsnappy 1.1.9 adds the 1 in 32 bits and accepts this
  // stream as "hello" after an empty literal; frocket rejects it. This is the one difference
  // between the two, allowed for in tests/fuzz/decoder_fuzzer.cc.
  const Bytes stream = StreamBuilder(5)
                           .Raw({63 << 2, 0xff, 0xff, 0xff, 0xff})
                           .Literal({'h', 'e', 'l', 'l', 'o'})
                           .bytes();
  ExpectCorrupt(stream, 5,
                "literal of 4294967296 bytes at input byte 1 runs past the end of the input (6 "
                "bytes remain)");
}

TEST(Snappy, RejectsElementsCutShort) {
  ExpectCorrupt(StreamBuilder(9).Literal(Sequence(5)).Raw({0x02, 0x05}).bytes(), 9,
                "the input ends inside the element at input byte 7 (tag 0x02 needs 3 bytes, 2 "
                "remain)");
  ExpectCorrupt(StreamBuilder(100).Raw({62 << 2, 0x10}).bytes(), 100,
                "the input ends inside the element at input byte 1 (tag 0xf8 needs 4 bytes, 2 "
                "remain)");
}

TEST(Snappy, RejectsElementsAfterTheOutputIsFull) {
  ExpectCorrupt(StreamBuilder(5).Literal(Sequence(5)).Copy1(5, 4).bytes(), 5,
                "copy of 4 bytes at input byte 7 runs past the declared length of 5 bytes (5 "
                "written)");
}

TEST(Snappy, ReportsCorruptionInsideTheFastLoopLikeAtTheEnd) {
  // The same bad copies with plenty of input and output around them, where the fast loop
  // meets them first.
  const Bytes prefix = Sequence(100);
  const Bytes after = Sequence(200, 'A');
  for (auto [offset, message] :
       {std::pair{0u, std::string("copy at input byte 104 has offset 0")},
        {101u,
         "copy offset 101 at input byte 104 reaches before the start of the output (100 "
         "bytes written)"},
        {70000u,
         "copy offset 70000 at input byte 104 reaches before the start of the output "
         "(100 bytes written)"}}) {
    StreamBuilder s(100 + 20 + 200);
    s.Literal(prefix, 1).Copy4(offset, 20).Literal(after, 1);
    ExpectCorrupt(s.bytes(), 320, message);
  }
}

// A stream of `elements` (built by a StreamBuilder(0), whose one header byte is dropped) that
// declares `length` bytes.
Bytes WithLength(size_t length, const StreamBuilder& elements) {
  const Bytes& body = elements.bytes();
  return StreamBuilder(length).Raw(Bytes(body.begin() + 1, body.end())).bytes();
}

TEST(Snappy, DecodesRunsOfPairsMakingInt64Values) {
  // What snappy makes of int64 values in order, written by hand: each value a literal of its k
  // low bytes and a 1-byte-offset copy of its 8 - k high bytes from an earlier value. Every k,
  // k changing within a run, copies from the value before (offset 8) and from further back
  // (offsets in the tag's bits 8..10 too), other elements between runs, and runs that end
  // 0..9 bytes before the input and the output do.
  std::mt19937_64 rng(19);
  size_t pairs = 0;
  for (int round = 0; round < 400; ++round) {
    Bytes expected = RandomBytes(&rng, 8 + rng() % 40);
    StreamBuilder s(0);
    s.Literal(expected);
    size_t k = 1 + rng() % 4;
    const int runs = 1 + static_cast<int>(rng() % 4);
    for (int run = 0; run < runs; ++run) {
      const size_t n = 1 + rng() % 60;
      for (size_t i = 0; i < n; ++i, ++pairs) {
        if (rng() % 4 == 0) k = 1 + rng() % 4;
        const size_t written = expected.size();
        const size_t offset =
            rng() % 3 != 0 ? 8 : 8 + rng() % (std::min<size_t>(written, 2047) - 7);
        const Bytes low = RandomBytes(&rng, k);
        Bytes value(expected.end() - static_cast<long>(offset),
                    expected.end() - static_cast<long>(offset) + 8);
        std::copy(low.begin(), low.end(), value.begin());
        expected.insert(expected.end(), value.begin(), value.end());
        s.Literal(low).Copy1(static_cast<uint32_t>(offset), static_cast<uint32_t>(8 - k));
      }
      // Between runs: a literal, or a copy of another kind or length.
      const Bytes other = RandomBytes(&rng, 1 + rng() % 20);
      switch (rng() % 3) {
        case 0:
          s.Literal(other);
          expected.insert(expected.end(), other.begin(), other.end());
          break;
        case 1:
          s.Copy2(16, 9);
          for (int j = 0; j < 9; ++j) expected.push_back(expected[expected.size() - 16]);
          break;
        case 2:
          s.Copy1(3, 5);  // an overlapping copy, after a value-sized one
          for (int j = 0; j < 5; ++j) expected.push_back(expected[expected.size() - 3]);
          break;
      }
    }
    const Bytes tail = RandomBytes(&rng, rng() % 10);
    if (!tail.empty()) s.Literal(tail);
    expected.insert(expected.end(), tail.begin(), tail.end());

    const Bytes stream = WithLength(expected.size(), s);
    Bytes ours, theirs;
    Status st = Decompress(stream, &ours);
    ASSERT_TRUE(st.ok()) << "round " << round << ": " << st.ToString();
    EXPECT_TRUE(ours == expected) << "round " << round;
    ASSERT_TRUE(LibsnappyDecompress(stream, &theirs)) << "round " << round;
    EXPECT_TRUE(theirs == expected) << "round " << round;
  }
  EXPECT_GT(pairs, 10000u);
}

TEST(Snappy, ReportsCorruptionInsideARunOfValuePairs) {
  // A bad copy amid a run of value pairs fails as it does anywhere else.
  const Bytes history = Sequence(8);
  for (auto [offset, message] :
       {std::pair{0u, std::string("copy at input byte 64 has offset 0")},
        {91u,
         "copy offset 91 at input byte 64 reaches before the start of the output (90 bytes "
         "written)"}}) {
    StreamBuilder s(0);
    s.Literal(history);
    for (int i = 0; i < 20; ++i) {
      if (i == 10) {
        s.Literal({'x', 'y'}).Copy1(offset, 6);
      } else {
        s.Literal({static_cast<uint8_t>(i), 7}).Copy1(8, 6);
      }
    }
    s.Literal(Sequence(30));
    ExpectCorrupt(WithLength(8 + 20 * 8 + 30, s), 8 + 20 * 8 + 30, message);
  }
}

TEST(Snappy, RejectsAValidStreamCutAtEveryByte) {
  // A stream with every element type: literals with 0..2 length bytes, and all three copies.
  std::mt19937_64 rng(13);
  StreamBuilder s(3 + 300 + 7 + 40 + 64 + 5 + 1000);
  s.Literal(Sequence(3))
      .Literal(RandomBytes(&rng, 300), 2)
      .Copy1(3, 7)
      .Copy2(200, 40)
      .Copy2(1, 64)
      .Copy4(350, 5)
      .Literal(RandomBytes(&rng, 1000), 2);
  const Bytes& full = s.bytes();
  Bytes out;
  ASSERT_TRUE(Decompress(full, &out).ok());
  const size_t declared = out.size();
  for (size_t cut = 0; cut < full.size(); ++cut) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    Bytes prefix(full.begin(), full.begin() + static_cast<long>(cut));
    Bytes buffer(declared);
    Status st = DecompressSnappy(prefix, buffer.data(), buffer.size());
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.message().rfind("SNAPPY data is corrupt: ", 0), 0u) << st.message();
  }
  // And a compressed page cut at every byte.
  const Bytes page = Compress(SampleData(&rng, 3000).back().second);
  for (size_t cut = 0; cut < page.size(); ++cut) {
    Bytes prefix(page.begin(), page.begin() + static_cast<long>(cut));
    Bytes buffer(3000);
    ASSERT_FALSE(DecompressSnappy(prefix, buffer.data(), buffer.size()).ok()) << "cut " << cut;
  }
}

TEST(Snappy, AgreesWithLibsnappyOnMutatedStreams) {
  // Valid streams with random bytes changed, dropped or inserted: both decoders must accept
  // the same streams and produce the same bytes from them.
  std::mt19937_64 rng(17);
  size_t accepted = 0;
  for (int round = 0; round < 3000; ++round) {
    const auto samples = SampleData(&rng, 1 + rng() % 600);
    Bytes stream = Compress(samples[rng() % samples.size()].second);
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits && !stream.empty(); ++e) {
      size_t at = rng() % stream.size();
      switch (rng() % 4) {
        case 0:
          stream[at] = static_cast<uint8_t>(rng());
          break;
        case 1:
          stream[at] ^= static_cast<uint8_t>(1u << (rng() % 8));
          break;
        case 2:
          stream.erase(stream.begin() + static_cast<long>(at));
          break;
        case 3:
          stream.insert(stream.begin() + static_cast<long>(at), static_cast<uint8_t>(rng()));
          break;
      }
    }
    Bytes ours, theirs;
    const bool ours_ok = Decompress(stream, &ours).ok();
    const bool theirs_ok = LibsnappyDecompress(stream, &theirs);
    ASSERT_EQ(ours_ok, theirs_ok) << "round " << round;
    if (ours_ok) {
      ++accepted;
      ASSERT_TRUE(ours == theirs) << "round " << round;
    }
  }
  EXPECT_GT(accepted, 100u);  // the mutations also produced valid streams to compare
}

}  // namespace
}  // namespace frocket::parquet
