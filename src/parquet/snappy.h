// Raw snappy decompression, the format of Parquet's SNAPPY pages (google/snappy's
// format_description.txt): the uncompressed length as a little-endian varint, then literal
// and copy elements.
//
// frocket decodes snappy itself: Debian's libsnappy is built with gcc and decompresses at
// about half the speed of this decoder (bench/README.md, "Parquet decoding"). libsnappy still
// compresses (the writer) and is the reference the tests and the fuzzer compare against.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/status.h"

namespace frocket::parquet {

// The uncompressed length a raw snappy stream declares in its header (at most 2^32 - 1).
Result<uint32_t> SnappyUncompressedLength(std::span<const uint8_t> input);

// Decompresses the raw snappy stream `input` into exactly `output_size` bytes at `output`.
// The stream's header must declare output_size, and its elements must produce exactly that
// many bytes and end exactly at the end of the input. Every read of the input and every write
// to the output is bounds-checked: corrupt input returns Invalid ("SNAPPY data is corrupt:
// ...") and never touches memory outside `input` and [output, output + output_size). On error
// the output holds unspecified bytes.
//
// It accepts the same streams as Debian's libsnappy 1.1.9 and produces the same bytes from
// them (tests/fuzz/decoder_fuzzer.cc checks both ways), with one exception: a literal whose
// four length bytes are ff ff ff ff is 2^32 bytes long by the format, more than a stream may
// produce, and is rejected here, while libsnappy adds up its length in 32 bits, reads an empty
// literal and accepts the stream.
Status DecompressSnappy(std::span<const uint8_t> input, uint8_t* output, size_t output_size);

}  // namespace frocket::parquet
