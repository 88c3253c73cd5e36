// libFuzzer target: the value and level decoders on raw bytes, without a file around them.
// The first byte picks the decoder and its parameters; the rest is the encoded data.
#include <cstdint>
#include <vector>

#include "common/buffer.h"
#include "parquet/decoder/byte_stream_split.h"
#include "parquet/decoder/delta_binary_packed.h"
#include "parquet/decoder/delta_byte_array.h"
#include "parquet/decoder/plain.h"
#include "parquet/decoder/rle_bit_packed.h"

using namespace frocket;
using namespace frocket::parquet;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t selector = data[0];
  const size_t n = data[1] * 37u;  // how many values to ask for
  std::span<const uint8_t> in(data + 2, size - 2);
  switch (selector % 6) {
    case 0: {
      std::vector<uint32_t> out(n);
      RleBitPackedDecoder d(in.data(), in.size(), (selector >> 3) % 33);
      d.Decode(out.data(), n);
      break;
    }
    case 1: {
      std::vector<int64_t> out(n);
      DeltaBinaryPackedDecoder d;
      if (d.Init(in.data(), in.size()) && n <= d.total_values()) {
        if (d.Decode(out.data(), n)) d.SkipToEnd();
      }
      break;
    }
    case 2: {
      std::vector<int32_t> out(n);
      DeltaBinaryPackedDecoder d;
      if (d.Init(in.data(), in.size()) && n <= d.total_values()) d.Decode(out.data(), n);
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
      if (selector % 6 == 3) (void)DecodePlainByteArray(in, n, &builder, &consumed);
      if (selector % 6 == 4) (void)DecodeDeltaLengthByteArray(in, n, &builder);
      if (selector % 6 == 5) (void)DecodeDeltaByteArray(in, n, &builder);
      std::vector<uint8_t> fixed(n * 8);
      (void)DecodeByteStreamSplit(in, 8, n, fixed.data());
      (void)DecodePlainBoolean(in, n, fixed.data(), &consumed);
      break;
    }
  }
  return 0;
}
