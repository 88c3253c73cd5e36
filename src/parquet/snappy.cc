#include "parquet/snappy.h"

#include <bit>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>

namespace frocket::parquet {

namespace {

// The short-offset copy builds its 8-byte pattern from bytes in memory order.
static_assert(std::endian::native == std::endian::little, "the copy patterns assume little-endian");

// The low two bits of an element's tag byte say what the element is.
constexpr uint8_t kLiteral = 0;
constexpr uint8_t kCopy1ByteOffset = 1;  // length 4..11 in bits 2..4, offset bits 8..10 in 5..7
constexpr uint8_t kCopy2ByteOffset = 2;  // length - 1 in bits 2..7
constexpr uint8_t kCopy4ByteOffset = 3;  // length - 1 in bits 2..7

// A literal's tag holds length - 1 in its upper six bits up to 59; the values 60..63 say that
// length - 1 follows in 1..4 little-endian bytes.
constexpr uint32_t kFirstLongLiteral = 60;
// The varint length header: 7 bits a byte, at most 2^32 - 1, so at most 5 bytes.
constexpr size_t kMaxLengthBytes = 5;

// Copies encode at most 64 bytes (six bits of length - 1).
constexpr size_t kMaxCopyLength = 64;
// The fast loop moves literals of up to 16 bytes with one 16-byte load and store.
constexpr size_t kShortLiteral = 16;
// So it reads up to 17 bytes from an element's tag without checking: the tag and a short
// literal, or the tag and the (at most 4) offset or length bytes loaded as one 4-byte word...
constexpr size_t kFastInputSlop = 1 + kShortLiteral;
// ...and writes up to 80 bytes from the current output position without checking: a copy
// (at most 64 bytes) is written in 8- or 16-byte stores, the last of which may run up to 15
// bytes past the copy's end. Later elements overwrite those bytes.
constexpr size_t kFastOutputSlop = kMaxCopyLength + 16;

// For a copy offset below 8: the largest multiple of the offset that is at most 8, the
// distance by which the 8-byte pattern repeats.
constexpr size_t kPatternStep[8] = {0, 8, 8, 6, 8, 5, 6, 7};

uint32_t LoadLittleEndian32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

uint64_t LoadLittleEndian64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

void Store64(uint8_t* p, uint64_t v) {
  std::memcpy(p, &v, sizeof(v));
}

// Errors are built out of line so that the decoding loops stay small.
[[gnu::cold, gnu::noinline]] Status Corrupt(const std::string& what) {
  return Status::Invalid("SNAPPY data is corrupt: " + what);
}

// Reads the varint that starts the stream; *header_size is how many bytes it took.
Result<uint32_t> ReadLength(std::span<const uint8_t> input, size_t* header_size) {
  uint64_t length = 0;
  for (size_t i = 0; i < kMaxLengthBytes; ++i) {
    if (i == input.size()) {
      return Corrupt(i == 0 ? "the input is empty (no length header)"
                            : "the input ends inside the length header");
    }
    length |= uint64_t{input[i] & 0x7fu} << (7 * i);
    if (input[i] < 0x80) {
      if (length > std::numeric_limits<uint32_t>::max()) {
        return Corrupt("the length header declares " + std::to_string(length) +
                       " bytes, more than the format's maximum of 4294967295");
      }
      *header_size = i + 1;
      return static_cast<uint32_t>(length);
    }
  }
  return Corrupt("the length header is longer than 5 bytes");
}

// Where decoding stands: the whole input and output, the next element and the next output
// byte.
struct Cursor {
  const uint8_t* in_begin;
  const uint8_t* in_end;
  const uint8_t* ip;
  uint8_t* out_begin;
  uint8_t* out_end;
  uint8_t* op;
};

// Writes `length` bytes at op copied from `offset` bytes before it. When the offset is
// smaller than the length the source overlaps what is being written, which repeats the last
// `offset` bytes (run-length encoding).
// REQUIRES: 1 <= offset <= written (the bytes already written before op),
//           length <= kMaxCopyLength, kFastOutputSlop bytes writable at op.
[[gnu::always_inline]] inline void CopyFast(uint8_t* op, size_t offset, size_t length,
                                            size_t written) {
  const uint8_t* src = op - offset;
  if (offset >= 16) {
    // Each 16-byte block reads only bytes written before the block.
    std::memcpy(op, src, 16);
    for (size_t i = 16; i < length; i += 16) std::memcpy(op + i, src + i, 16);
  } else if (offset >= 8 && length <= 8) {
    // A source this close was written by the last few elements, whose stores may still be
    // in flight. A load the CPU cannot forward from a single earlier store waits until those
    // stores reach the cache, so copy exactly `length` bytes, in pieces of 4, 2 and 1: in
    // periodic data (an int64 column: a literal low byte, then 7 bytes copied from 8 back)
    // each copy then reads pieces of the same shape as the previous copy stored.
    if (length == 8) {
      std::memcpy(op, src, 8);
    } else {
      size_t i = 0;
      if (length & 4) {
        std::memcpy(op, src, 4);
        i = 4;
      }
      if (length & 2) {
        std::memcpy(op + i, src + i, 2);
        i += 2;
      }
      if (length & 1) op[i] = src[i];
    }
  } else if (offset >= 8) {
    std::memcpy(op, src, 8);
    for (size_t i = 8; i < length; i += 8) std::memcpy(op + i, src + i, 8);
  } else if (written >= 8) {
    // The last `offset` bytes, repeated into 8 bytes, stored every kPatternStep bytes.
    uint64_t pattern = LoadLittleEndian64(op - 8) >> (8 * (8 - offset));
    for (size_t have = offset; have < 8; have *= 2) pattern |= pattern << (8 * have);
    const size_t step = kPatternStep[offset];
    for (size_t i = 0; i < length; i += step) Store64(op + i, pattern);
  } else {
    for (size_t i = 0; i < length; ++i) op[i] = src[i];
  }
}

// Decodes a run of element pairs that each make one 8-byte value: a literal of its k low
// bytes (1 <= k <= 4), then a 1-byte-offset copy of its other 8 - k bytes from an earlier value
// (the one before it, or one `offset` >= 8 bytes back). That is how snappy compresses int64
// values in order — timestamps of rows in time order: mostly a 2-byte literal and a 6-byte
// copy a value. A pair is then one load of its bytes and one store of the value (the value
// before it kept in a register), where the element-by-element loop takes two elements and
// branches on each one's kind and the copy's length. Stops at the first element that is not
// such a pair, or where fewer than 8 bytes of input or output are left.
// REQUIRES: the 8 bytes before op written.
[[gnu::noinline]] void DecodeValuePairs(const uint8_t*& ip, uint8_t*& op, const uint8_t* in_end,
                                        uint8_t* out_begin, uint8_t* out_end, size_t k) {
  uint64_t low = 0;
  size_t copy_at = 0;  // the copy's tag, after the literal's tag and bytes
  uint64_t check_mask = 0;
  uint64_t check = 0;
  // The literal's tag (length k), and the copy's tag but for its offset bits 8..10: kind 1,
  // length 8 - k.
  const auto expect = [&](size_t literal) {
    k = literal;
    low = (uint64_t{1} << (8 * k)) - 1;
    copy_at = 8 * (k + 1);
    check_mask = 0xff | (uint64_t{0x1f} << copy_at);
    check = ((k - 1) << 2) | (uint64_t{kCopy1ByteOffset | ((4 - k) << 2)} << copy_at);
  };
  expect(k);
  uint64_t value = LoadLittleEndian64(op - 8);
  while (static_cast<size_t>(in_end - ip) >= 8 && static_cast<size_t>(out_end - op) >= 8) {
    const uint64_t word = LoadLittleEndian64(ip);
    if ((word & check_mask) != check) {
      // A pair with another k (a literal's tag of length 1..4 is 0x00, 0x04, 0x08 or 0x0c)?
      if ((word & 0xf3) != 0) break;
      expect(((word & 0xff) >> 2) + 1);
      if ((word & check_mask) != check) break;
    }
    const size_t offset = (((word >> (copy_at + 5)) & 7) << 8) | ((word >> (copy_at + 8)) & 0xff);
    if (offset != 8) {
      if (offset < 8 || offset > static_cast<size_t>(op - out_begin)) break;
      value = LoadLittleEndian64(op - offset);
    }
    value = (value & ~low) | ((word >> 8) & low);
    Store64(op, value);
    ip += k + 3;
    op += 8;
  }
}

// Decodes elements while the input and the output have room for the fast loop's unchecked
// loads and stores, and stops at the first element it leaves to DecodeElement: a literal
// longer than kShortLiteral, a copy whose offset is invalid, or any element once the room
// runs out. Inside that room only copy offsets need checking: the room holds the longest
// copy and every short literal.
[[gnu::always_inline]] inline void DecodeFast(Cursor* c) {
  const uint8_t* ip = c->ip;
  uint8_t* op = c->op;
  const uint8_t* const in_end = c->in_end;
  uint8_t* const out_begin = c->out_begin;
  uint8_t* const out_end = c->out_end;
  while (static_cast<size_t>(in_end - ip) >= kFastInputSlop &&
         static_cast<size_t>(out_end - op) >= kFastOutputSlop) {
    const size_t tag = ip[0];
    const size_t type = tag & 3;
    if (type == kLiteral) {
      const size_t length = (tag >> 2) + 1;
      if (length > kShortLiteral) break;
      std::memcpy(op, ip + 1, kShortLiteral);
      ip += 1 + length;
      op += length;
      continue;
    }
    const uint32_t after_tag = LoadLittleEndian32(ip + 1);
    size_t length;
    size_t offset;
    size_t element_size;
    if (type == kCopy1ByteOffset) {
      length = 4 + ((tag >> 2) & 7);
      offset = ((tag >> 5) << 8) | (after_tag & 0xff);
      element_size = 2;
    } else if (type == kCopy2ByteOffset) {
      length = (tag >> 2) + 1;
      offset = after_tag & 0xffff;
      element_size = 3;
    } else {
      length = (tag >> 2) + 1;
      offset = after_tag;
      element_size = 5;
    }
    const size_t written = static_cast<size_t>(op - out_begin);
    // Offset 0 wraps around to the largest value, so this also rejects it.
    if (offset - 1 >= written) break;
    CopyFast(op, offset, length, written);
    ip += element_size;
    op += length;
    // The high bytes of an int64 value copied from the value before: values in order, whose
    // next ones are likely alike.
    if (offset == 8 && length >= 4 && length <= 7 && type == kCopy1ByteOffset) {
      DecodeValuePairs(ip, op, in_end, out_begin, out_end, 8 - length);
    }
  }
  c->ip = ip;
  c->op = op;
}

// Decodes the element at c->ip with every read and write checked.
// REQUIRES: c->ip < c->in_end.
Status DecodeElement(Cursor* c) {
  const size_t at = static_cast<size_t>(c->ip - c->in_begin);
  const size_t tag = c->ip[0];
  const size_t type = tag & 3;
  size_t extra_bytes = 0;  // length or offset bytes after the tag
  switch (type) {
    case kLiteral:
      if ((tag >> 2) >= kFirstLongLiteral) extra_bytes = (tag >> 2) - kFirstLongLiteral + 1;
      break;
    case kCopy1ByteOffset:
      extra_bytes = 1;
      break;
    case kCopy2ByteOffset:
      extra_bytes = 2;
      break;
    case kCopy4ByteOffset:
      extra_bytes = 4;
      break;
  }
  const size_t in_left = static_cast<size_t>(c->in_end - c->ip);
  if (1 + extra_bytes > in_left) {
    char tag_hex[8];
    std::snprintf(tag_hex, sizeof(tag_hex), "0x%02zx", tag);
    return Corrupt("the input ends inside the element at input byte " + std::to_string(at) +
                   " (tag " + tag_hex + " needs " + std::to_string(1 + extra_bytes) + " bytes, " +
                   std::to_string(in_left) + " remain)");
  }
  uint32_t extra = 0;
  for (size_t i = 0; i < extra_bytes; ++i) extra |= uint32_t{c->ip[1 + i]} << (8 * i);
  c->ip += 1 + extra_bytes;

  const size_t written = static_cast<size_t>(c->op - c->out_begin);
  const size_t out_left = static_cast<size_t>(c->out_end - c->op);
  const auto past_declared = [&](const char* element, size_t length) {
    return Corrupt(std::string(element) + " of " + std::to_string(length) +
                   " bytes at input byte " + std::to_string(at) +
                   " runs past the declared length of " + std::to_string(written + out_left) +
                   " bytes (" + std::to_string(written) + " written)");
  };
  if (type == kLiteral) {
    const size_t length = (extra_bytes == 0 ? (tag >> 2) : size_t{extra}) + 1;
    const size_t literal_left = static_cast<size_t>(c->in_end - c->ip);
    if (length > literal_left) {
      return Corrupt("literal of " + std::to_string(length) + " bytes at input byte " +
                     std::to_string(at) + " runs past the end of the input (" +
                     std::to_string(literal_left) + " bytes remain)");
    }
    if (length > out_left) return past_declared("literal", length);
    std::memcpy(c->op, c->ip, length);
    c->ip += length;
    c->op += length;
    return Status::OK();
  }

  size_t length;
  size_t offset;
  if (type == kCopy1ByteOffset) {
    length = 4 + ((tag >> 2) & 7);
    offset = ((tag >> 5) << 8) | extra;
  } else {
    length = (tag >> 2) + 1;
    offset = extra;
  }
  if (offset == 0) return Corrupt("copy at input byte " + std::to_string(at) + " has offset 0");
  if (offset > written) {
    return Corrupt("copy offset " + std::to_string(offset) + " at input byte " +
                   std::to_string(at) + " reaches before the start of the output (" +
                   std::to_string(written) + " bytes written)");
  }
  if (length > out_left) return past_declared("copy", length);
  // Byte by byte: the source may overlap what is being written.
  const uint8_t* src = c->op - offset;
  for (size_t i = 0; i < length; ++i) c->op[i] = src[i];
  c->op += length;
  return Status::OK();
}

}  // namespace

Result<uint32_t> SnappyUncompressedLength(std::span<const uint8_t> input) {
  size_t header_size = 0;
  return ReadLength(input, &header_size);
}

Status DecompressSnappy(std::span<const uint8_t> input, uint8_t* output, size_t output_size) {
  size_t header_size = 0;
  FROCKET_ASSIGN_OR_RETURN(const uint32_t declared, ReadLength(input, &header_size));
  if (declared != output_size) {
    return Corrupt("its length header declares " + std::to_string(declared) +
                   " bytes, but the page header declares " + std::to_string(output_size));
  }
  Cursor c{input.data(), input.data() + input.size(), input.data() + header_size,
           output,       output + output_size,        output};
  while (true) {
    DecodeFast(&c);
    if (c.ip == c.in_end) break;
    FROCKET_RETURN_IF_ERROR(DecodeElement(&c));
  }
  if (c.op != c.out_end) {
    return Corrupt("the elements produce " + std::to_string(c.op - c.out_begin) +
                   " bytes, but the length header declares " + std::to_string(output_size));
  }
  return Status::OK();
}

}  // namespace frocket::parquet
