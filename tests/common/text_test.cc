// Text helpers: float formatting against Python's repr() (the values below were printed by
// CPython 3.11), UTF-8 validation, JSON escaping and base64 against RFC 4648's examples.
#include "common/text.h"

#include <gtest/gtest.h>

namespace frocket::text {
namespace {

std::string Format(double v) {
  std::string s;
  AppendDouble(&s, v);
  return s;
}

TEST(AppendDouble, MatchesPythonRepr) {
  EXPECT_EQ(Format(4.0), "4.0");
  EXPECT_EQ(Format(100000.0), "100000.0");
  EXPECT_EQ(Format(0.0001), "0.0001");
  EXPECT_EQ(Format(0.00001), "1e-05");
  EXPECT_EQ(Format(1e16), "1e+16");
  EXPECT_EQ(Format(1.5e16), "1.5e+16");
  EXPECT_EQ(Format(1e15), "1000000000000000.0");
  EXPECT_EQ(Format(-0.0), "-0.0");
  EXPECT_EQ(Format(0.1), "0.1");
  EXPECT_EQ(Format(123456789012345678.0), "1.2345678901234568e+17");
  EXPECT_EQ(Format(static_cast<double>(1.1f)), "1.100000023841858");
  EXPECT_EQ(Format(-3e-7), "-3e-07");
  EXPECT_EQ(Format(1e100), "1e+100");
  EXPECT_EQ(Format(5e-324), "5e-324");
  EXPECT_EQ(Format(1.7976931348623157e308), "1.7976931348623157e+308");
}

TEST(Utf8, RejectsMalformedSequences) {
  EXPECT_TRUE(IsValidUtf8("h\xc3\xa9llo \xe6\x97\xa5\xf0\x9f\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xc3"));              // truncated
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate U+D800
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // beyond U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xff"));
}

TEST(JsonString, EscapesControlsQuotesAndBackslashes) {
  std::string out;
  AppendJsonString(&out, std::string("a\"b\\c\n\t\x01", 8));
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\t\\u0001\"");
}

TEST(Base64, Rfc4648Examples) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(Base64Encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
}

}  // namespace
}  // namespace frocket::text
