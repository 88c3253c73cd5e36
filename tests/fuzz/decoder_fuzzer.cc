// libFuzzer target: the value and level decoders and the snappy decoder on raw bytes, without
// a file around them. The first byte picks the decoder and its parameters; the rest is the
// encoded data.
#include <snappy.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/buffer.h"
#include "parquet/decoder/byte_stream_split.h"
#include "parquet/decoder/delta_binary_packed.h"
#include "parquet/decoder/delta_byte_array.h"
#include "parquet/decoder/plain.h"
#include "parquet/decoder/rle_bit_packed.h"
#include "parquet/snappy.h"

using namespace frocket;
using namespace frocket::parquet;

namespace {

// Larger declared lengths are skipped (not allocated); the longest stream libFuzzer passes
// here (-max_len 65536) produces at most about 1.4 MB.
constexpr uint32_t kMaxSnappyOutput = 1u << 22;

// The one kind of stream on which the two decoders differ, on purpose: a literal whose four
// length bytes are ff ff ff ff. By the format its length is (2^32 - 1) + 1 = 2^32 bytes, more
// than any stream may produce (at most 2^32 - 1), so frocket rejects it; libsnappy 1.1.9 adds
// the 1 in 32 bits, reads an empty literal and accepts it. frocket reports that literal as:
constexpr const char* kWrappingLiteral =
    "SNAPPY data is corrupt: literal of 4294967296 bytes at input byte %zu";

// frocket's snappy decoder beside Debian's libsnappy on one stream: both must read the same
// length header, accept the same streams and produce the same bytes from them (with the
// exception above: where libsnappy accepts and frocket rejects such a literal, frocket must
// accept the stream without the literal's 5 bytes and produce what libsnappy did). Any
// disagreement aborts, which libFuzzer reports with the input.
void CheckSnappyAgainstLibsnappy(std::span<const uint8_t> stream) {
  const char* raw = reinterpret_cast<const char*>(stream.data());
  auto length = SnappyUncompressedLength(stream);
  size_t lib_length = 0;
  const bool lib_length_ok = snappy::GetUncompressedLength(raw, stream.size(), &lib_length);
  if (length.ok() != lib_length_ok || (lib_length_ok && *length != lib_length)) std::abort();
  if (!length.ok() || *length > kMaxSnappyOutput) return;

  // Exact-size heap buffers, so that AddressSanitizer sees any write past the end.
  std::vector<uint8_t> ours(*length);
  std::vector<uint8_t> theirs(*length);
  Status st = DecompressSnappy(stream, ours.data(), ours.size());
  const bool lib_ok =
      snappy::RawUncompress(raw, stream.size(), reinterpret_cast<char*>(theirs.data()));
  std::vector<uint8_t> without_wrapping(stream.begin(), stream.end());
  size_t at = 0;
  while (lib_ok && !st.ok() && std::sscanf(st.message().c_str(), kWrappingLiteral, &at) == 1) {
    const auto literal = without_wrapping.begin() + static_cast<std::ptrdiff_t>(at);
    without_wrapping.erase(literal, literal + 5);
    st = DecompressSnappy(without_wrapping, ours.data(), ours.size());
  }
  if (st.ok() != lib_ok) std::abort();
  if (st.ok() && ours != theirs) std::abort();
  if (!st.ok() && st.message().rfind("SNAPPY data is corrupt: ", 0) != 0) std::abort();
  // A page that declares another size is always rejected.
  std::vector<uint8_t> longer(*length + size_t{1});
  if (DecompressSnappy(stream, longer.data(), longer.size()).ok()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t selector = data[0];
  const size_t n = data[1] * 37u;  // how many values to ask for
  std::span<const uint8_t> in(data + 2, size - 2);
  const int which = selector % 7;
  switch (which) {
    case 0: {
      const int width = (selector >> 3) % 33;
      std::vector<uint32_t> out(n);
      RleBitPackedDecoder d(in.data(), in.size(), width);
      const bool decoded = d.Decode(out.data(), n).ok();
      if (width <= 16) {
        // Marking must succeed exactly where decoding does, and mark the values decoded.
        std::vector<uint8_t> marks(size_t{1} << width, 0);
        RleBitPackedDecoder m(in.data(), in.size(), width);
        if (m.Mark(marks.data(), n).ok() != decoded) __builtin_trap();
        if (decoded) {
          std::vector<uint8_t> expected(marks.size(), 0);
          for (uint32_t v : out) expected[v] = 1;
          if (marks != expected) __builtin_trap();
        }
      }
      break;
    }
    case 1: {
      std::vector<int64_t> out(n);
      DeltaBinaryPackedDecoder d;
      if (d.Init(in.data(), in.size()).ok() && n <= d.total_values()) {
        if (d.Decode(out.data(), n).ok()) (void)d.SkipToEnd();
      }
      break;
    }
    case 2: {
      std::vector<int32_t> out(n);
      DeltaBinaryPackedDecoder d;
      if (d.Init(in.data(), in.size()).ok() && n <= d.total_values()) {
        (void)d.Decode(out.data(), n);
      }
      break;
    }
    case 3:
    case 4:
    case 5: {
      Buffer offsets((n + 1) * 4);
      offsets.as<uint32_t>()[0] = 0;
      Buffer bytes;
      ByteArrayBuilder builder(offsets.as<uint32_t>(), &bytes, 1 << 20);
      size_t consumed = 0;
      if (which == 3) (void)DecodePlainByteArray(in, n, &builder, &consumed);
      if (which == 4) (void)DecodeDeltaLengthByteArray(in, n, &builder);
      if (which == 5) (void)DecodeDeltaByteArray(in, n, &builder);
      std::vector<uint8_t> fixed(n * 8);
      (void)DecodeByteStreamSplit(in, 8, n, fixed.data());
      (void)DecodePlainBoolean(in, n, fixed.data(), &consumed);
      break;
    }
    case 6: {
      if ((selector & 8) == 0) {
        CheckSnappyAgainstLibsnappy(in);
        break;
      }
      // The data compressed by libsnappy, with one byte changed (when data[1] is not 0): the
      // way to streams with long, varied element sequences that are valid or nearly so.
      std::string stream;
      snappy::Compress(reinterpret_cast<const char*>(in.data()), in.size(), &stream);
      if (data[1] != 0) stream[(data[1] * 131u) % stream.size()] ^= static_cast<char>(selector);
      CheckSnappyAgainstLibsnappy({reinterpret_cast<const uint8_t*>(stream.data()), stream.size()});
      break;
    }
  }
  return 0;
}
