// The Thrift compact-protocol decoder and the footer structures, on bytes assembled by hand
// from the protocol specification (thrift/doc/specs/thrift-compact-protocol.md).
#include "parquet/thrift_compact.h"

#include <gtest/gtest.h>

#include "parquet/metadata.h"

namespace frocket::parquet::thrift {
namespace {

using Bytes = std::vector<uint8_t>;

TEST(CompactReader, ReadsFieldsWithDeltaAndLongIds) {
  Bytes in = {
      0x15, 0x54,              // field 1, i32: zigzag(42) = 84
      0x16, 0x03,              // field 2, i64: zigzag(-2) = 3
      0x05, 0xc8, 0x01, 0x02,  // field 100 (long form, zigzag 200 = 0xc8 0x01), i32: 1
      0x11,                    // field 101, bool true
      0x18, 0x02, 'h',  'i',   // field 102, binary "hi"
      0x00,                    // stop
  };
  CompactReader r(in.data(), in.size());
  r.BeginStruct();
  int16_t id;
  FieldType t;
  ASSERT_TRUE(r.NextField(&id, &t));
  EXPECT_EQ(id, 1);
  EXPECT_EQ(r.ReadI32(), 42);
  ASSERT_TRUE(r.NextField(&id, &t));
  EXPECT_EQ(id, 2);
  EXPECT_EQ(r.ReadI64(), -2);
  ASSERT_TRUE(r.NextField(&id, &t));
  EXPECT_EQ(id, 100);
  EXPECT_EQ(r.ReadI32(), 1);
  ASSERT_TRUE(r.NextField(&id, &t));
  EXPECT_EQ(id, 101);
  EXPECT_TRUE(r.ReadBool(t));
  ASSERT_TRUE(r.NextField(&id, &t));
  EXPECT_EQ(id, 102);
  EXPECT_EQ(r.ReadBinary(), "hi");
  EXPECT_FALSE(r.NextField(&id, &t));
  r.EndStruct();
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.position(), in.size());
}

TEST(CompactReader, SkipsNestedUnknownValues) {
  Bytes in = {
      0x1c,              // field 1: struct
      0x19, 0x25,        //   field 1: list of 2 i32
      0x02, 0x04,        //     1, 2
      0x1b, 0x01, 0x85,  //   field 2: map of 1 entry, binary -> i32
      0x01, 'k',  0x06,  //     "k" -> 3
      0x00,              // end of struct
      0x15, 0x0e,        // field 2: i32 7
      0x00,
  };
  CompactReader r(in.data(), in.size());
  r.BeginStruct();
  int16_t id;
  FieldType t;
  ASSERT_TRUE(r.NextField(&id, &t));
  r.Skip(t);
  ASSERT_TRUE(r.NextField(&id, &t));
  EXPECT_EQ(id, 2);
  EXPECT_EQ(r.ReadI32(), 7);
  EXPECT_FALSE(r.NextField(&id, &t));
  EXPECT_TRUE(r.ok()) << r.status().message();
}

TEST(CompactReader, ErrorsAreStickyAndBounded) {
  Bytes in = {0x18, 0x7f, 'a'};  // binary claims 127 bytes, 1 present
  CompactReader r(in.data(), in.size());
  r.BeginStruct();
  int16_t id;
  FieldType t;
  ASSERT_TRUE(r.NextField(&id, &t));
  EXPECT_EQ(r.ReadBinary(), "");
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(r.NextField(&id, &t));
  EXPECT_EQ(r.ReadI64(), 0);
  EXPECT_NE(r.status().message().find("binary of 127 bytes"), std::string::npos)
      << r.status().message();
}

TEST(CompactReader, RejectsListLongerThanItsBytes) {
  Bytes in = {0xf5, 0xff, 0xff, 0xff, 0xff, 0x07};  // list of 2^31-1 i32, no elements
  CompactReader r(in.data(), in.size());
  r.ReadListHeader();
  EXPECT_FALSE(r.ok());
}

TEST(CompactReader, DeepNestingIsAnErrorNotAStackOverflow) {
  Bytes in;
  for (int i = 0; i < 10000; ++i) in.push_back(0x1c);  // field 1: struct, nested
  CompactReader r(in.data(), in.size());
  r.Skip(FieldType::kStruct);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("nested"), std::string::npos) << r.status().message();
}

TEST(PageHeader, DecodesDataPageHeader) {
  Bytes in = {
      0x15, 0x00,  // type: DATA_PAGE
      0x15, 0x20,  // uncompressed_page_size 16
      0x15, 0x1e,  // compressed_page_size 15
      0x15, 0x01,  // crc -1
      0x1c,        // data_page_header
      0x15, 0x08,  //   num_values 4
      0x15, 0x00,  //   encoding PLAIN
      0x15, 0x06,  //   definition_level_encoding RLE
      0x15, 0x06,  //   repetition_level_encoding RLE
      0x00, 0x00,
  };
  size_t header_size;
  auto h = DecodePageHeader(in.data(), in.size(), &header_size);
  ASSERT_TRUE(h.ok()) << h.status().message();
  EXPECT_EQ(header_size, in.size());
  EXPECT_EQ(h->uncompressed_page_size, 16);
  EXPECT_EQ(h->compressed_page_size, 15);
  EXPECT_EQ(h->crc, -1);
  ASSERT_TRUE(h->data_page_header);
  EXPECT_EQ(h->data_page_header->num_values, 4);
  EXPECT_EQ(h->data_page_header->definition_level_encoding, 3);
}

TEST(PageHeader, MissingRequiredFieldIsNamed) {
  Bytes in = {0x15, 0x00, 0x15, 0x20, 0x00};  // no compressed_page_size
  size_t header_size;
  auto h = DecodePageHeader(in.data(), in.size(), &header_size);
  ASSERT_FALSE(h.ok());
  EXPECT_NE(h.status().message().find("'compressed_page_size'"), std::string::npos)
      << h.status().message();
}

TEST(PageHeader, FieldOfUnexpectedTypeIsSkippedLikeGeneratedCode) {
  Bytes in = {
      0x15, 0x04,                               // type: DICTIONARY_PAGE
      0x15, 0x00, 0x15, 0x00, 0x18, 0x01, 'x',  // field 4 (crc) sent as binary: skipped
      0x00,
  };
  size_t header_size;
  auto h = DecodePageHeader(in.data(), in.size(), &header_size);
  ASSERT_TRUE(h.ok()) << h.status().message();
  EXPECT_FALSE(h->crc);
}

}  // namespace
}  // namespace frocket::parquet::thrift
