// S3Client against a real S3 server (s3rver, started by each test): listing, HEAD, exact
// byte ranges, and the errors a missing, short or changed object must give.
#include "storage/s3_client.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <map>
#include <random>

#include "storage/s3_server_test.h"

namespace frocket {
namespace {

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

// The ETag S3 (and s3rver) gives an object uploaded in one PUT: its quoted hex MD5.
std::string Md5ETag(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_md5(), nullptr);
  static const char kHex[] = "0123456789abcdef";
  std::string etag = "\"";
  for (unsigned int i = 0; i < length; ++i) {
    etag += kHex[digest[i] >> 4];
    etag += kHex[digest[i] & 15];
  }
  return etag + "\"";
}

std::string Text(const Buffer& buffer) {
  return std::string(reinterpret_cast<const char*>(buffer.data()), buffer.size());
}

class S3ClientTest : public testing::S3ServerTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(S3ServerTest::SetUp());
    client_ = std::make_unique<S3Client>(Settings());
  }

  std::unique_ptr<S3Client> client_;
};

// One "directory" level, every object, whatever else the bucket holds beside and below it.
TEST_F(S3ClientTest, ListsOneLevelOfAPrefixWithSizesAndETags) {
  std::map<std::string, std::string> uploaded;
  for (int i = 0; i < 25; ++i) {
    const std::string name = "obj-" + std::to_string(i) + ".bin";
    uploaded[name] = RandomBytes(static_cast<size_t>(i) * 37, static_cast<uint32_t>(i));
    ASSERT_TRUE(server_->Put("bkt/many/" + name, uploaded[name]).ok());
  }
  ASSERT_TRUE(server_->Put("bkt/many/sub/below.bin", "deeper").ok());
  ASSERT_TRUE(server_->Put("bkt/many-more/beside.bin", "beside").ok());
  ASSERT_TRUE(server_->Put("bkt/other.bin", "other").ok());

  auto listed = client_->List("bkt", "many/");
  ASSERT_TRUE(listed.ok()) << listed.status().message();
  ASSERT_EQ(listed->size(), uploaded.size());
  for (const S3Object& o : *listed) {
    ASSERT_EQ(o.key.rfind("many/", 0), 0u) << o.key;
    const std::string name = o.key.substr(5);
    ASSERT_TRUE(uploaded.count(name)) << o.key;
    EXPECT_EQ(o.size, uploaded[name].size()) << o.key;
    EXPECT_EQ(o.etag, Md5ETag(uploaded[name])) << o.key;
  }
  auto none = client_->List("bkt", "nothing-here/");
  ASSERT_TRUE(none.ok()) << none.status().message();
  EXPECT_TRUE(none->empty());
}

TEST_F(S3ClientTest, HeadGivesSizeAndETag) {
  const std::string bytes = RandomBytes(100000, 1);
  ASSERT_TRUE(server_->Put("bkt/dir/object.bin", bytes).ok());
  auto head = client_->Head("bkt", "dir/object.bin");
  ASSERT_TRUE(head.ok()) << head.status().message();
  EXPECT_EQ(head->key, "dir/object.bin");
  EXPECT_EQ(head->size, bytes.size());
  EXPECT_EQ(head->etag, Md5ETag(bytes));
}

TEST_F(S3ClientTest, GetRangeReturnsExactlyTheBytesAsked) {
  const std::string bytes = RandomBytes(300001, 2);
  ASSERT_TRUE(server_->Put("bkt/dir/object.bin", bytes).ok());
  const std::string etag = Md5ETag(bytes);
  struct Range {
    uint64_t offset, length;
  };
  const uint64_t size = bytes.size();
  for (Range r : {Range{0, 1000}, Range{1, 1}, Range{12345, 67890}, Range{size - 8, 8},
                  Range{size - 1, 1}, Range{0, size}, Range{size / 2, size - size / 2}}) {
    for (const std::string& if_match : {std::string(), etag}) {
      SCOPED_TRACE("bytes " + std::to_string(r.offset) + "+" + std::to_string(r.length) +
                   (if_match.empty() ? "" : " If-Match"));
      Buffer out;
      Status s = client_->GetRange("bkt", "dir/object.bin", r.offset, r.length, if_match, &out);
      ASSERT_TRUE(s.ok()) << s.message();
      EXPECT_EQ(Text(out), bytes.substr(r.offset, r.length));
    }
  }
  Buffer out;
  EXPECT_TRUE(client_->GetRange("bkt", "dir/object.bin", 5, 0, etag, &out).ok());
  EXPECT_EQ(out.size(), 0u);
}

TEST_F(S3ClientTest, RangePastTheEndIsAnError) {
  const std::string bytes = RandomBytes(5000, 3);
  ASSERT_TRUE(server_->Put("bkt/short.bin", bytes).ok());
  struct Range {
    uint64_t offset, length;
  };
  for (Range r : {Range{5000, 1}, Range{4990, 20}, Range{100000, 10}, Range{0, 5001}}) {
    SCOPED_TRACE("bytes " + std::to_string(r.offset) + "+" + std::to_string(r.length));
    Buffer out;
    Status s = client_->GetRange("bkt", "short.bin", r.offset, r.length, Md5ETag(bytes), &out);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find("s3://bkt/short.bin"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("GET"), std::string::npos) << s.message();
  }
}

TEST_F(S3ClientTest, MissingObjectIsNotFoundNamingTheObjectAndOperation) {
  auto head = client_->Head("bkt", "dir/missing.parquet");
  ASSERT_FALSE(head.ok());
  EXPECT_EQ(head.status().code(), StatusCode::kNotFound) << head.status().message();
  EXPECT_NE(head.status().message().find("HEAD s3://bkt/dir/missing.parquet"), std::string::npos)
      << head.status().message();
  EXPECT_NE(head.status().message().find("404"), std::string::npos) << head.status().message();

  Buffer out;
  Status get = client_->GetRange("bkt", "dir/missing.parquet", 0, 10, "", &out);
  ASSERT_FALSE(get.ok());
  EXPECT_EQ(get.code(), StatusCode::kNotFound) << get.message();
  EXPECT_NE(get.message().find("GET s3://bkt/dir/missing.parquet"), std::string::npos)
      << get.message();
  EXPECT_NE(get.message().find("NoSuchKey"), std::string::npos) << get.message();

  auto bucket = client_->List("no-such-bucket", "x/");
  ASSERT_FALSE(bucket.ok());
  EXPECT_NE(bucket.status().message().find("s3://no-such-bucket/x/"), std::string::npos)
      << bucket.status().message();
  EXPECT_NE(bucket.status().message().find("NoSuchBucket"), std::string::npos)
      << bucket.status().message();
}

// A read pinned to an ETag fails once the object is replaced, also by a server that ignores
// If-Match (s3rver does): the bytes of two versions must never be mixed.
TEST_F(S3ClientTest, ReadOfAReplacedObjectSaysItChanged) {
  const std::string first = RandomBytes(20000, 4);
  ASSERT_TRUE(server_->Put("bkt/changing.bin", first).ok());
  auto head = client_->Head("bkt", "changing.bin");
  ASSERT_TRUE(head.ok()) << head.status().message();
  Buffer out;
  ASSERT_TRUE(client_->GetRange("bkt", "changing.bin", 100, 200, head->etag, &out).ok());

  ASSERT_TRUE(server_->Put("bkt/changing.bin", RandomBytes(20000, 5)).ok());
  Status s = client_->GetRange("bkt", "changing.bin", 100, 200, head->etag, &out);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("s3://bkt/changing.bin"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("changed"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find(head->etag), std::string::npos) << s.message();
  // Without an ETag to keep, the new version reads fine.
  EXPECT_TRUE(client_->GetRange("bkt", "changing.bin", 100, 200, "", &out).ok());
}

// s3rver checks the access key id (not the signature): a refusal names the key, never the
// secret.
TEST_F(S3ClientTest, RefusalNamesTheAccessKeyIdButNotTheSecret) {
  ASSERT_TRUE(server_->Put("bkt/dir/object.bin", "bytes").ok());
  S3Client stranger(Settings("UNKNOWNKEYID", "TOPSECRETVALUE"));
  auto listed = stranger.List("bkt", "dir/");
  ASSERT_FALSE(listed.ok());
  const std::string& message = listed.status().message();
  EXPECT_NE(message.find("403"), std::string::npos) << message;
  EXPECT_NE(message.find("InvalidAccessKeyId"), std::string::npos) << message;
  EXPECT_NE(message.find("access key id UNKNOWNKEYID"), std::string::npos) << message;
  EXPECT_NE(message.find("s3://bkt/dir/"), std::string::npos) << message;
  EXPECT_EQ(message.find("TOPSECRETVALUE"), std::string::npos) << message;
}

// FROCKET_AWS_NO_SIGNATURE: unsigned requests, for stores open to anyone (s3rver is).
TEST_F(S3ClientTest, UnsignedClientReadsAnOpenStore) {
  const std::string bytes = RandomBytes(1000, 6);
  ASSERT_TRUE(server_->Put("bkt/open/object.bin", bytes).ok());
  S3Settings settings = Settings("", "");
  settings.no_signature = true;
  S3Client anonymous(settings);
  auto listed = anonymous.List("bkt", "open/");
  ASSERT_TRUE(listed.ok()) << listed.status().message();
  ASSERT_EQ(listed->size(), 1u);
  Buffer out;
  Status s = anonymous.GetRange("bkt", "open/object.bin", 10, 20, (*listed)[0].etag, &out);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(Text(out), bytes.substr(10, 20));
}

}  // namespace
}  // namespace frocket
