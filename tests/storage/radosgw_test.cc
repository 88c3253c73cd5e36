// frocket against an S3 server that checks signatures: Ceph's radosgw (tests/support/radosgw.h),
// one for the whole suite since it takes 15-20 s to start. Objects are stored with libcurl's
// SigV4 signer; frocket reads them with its own.
//
// - With the right secret, S3Client lists (two pages), HEADs and reads exact ranges, with
//   path-style and virtual-host addressing, keys with '=', spaces and UTF-8 included; a
//   dataset answers exactly as the same files on local disk, embedded and through workers.
// - With a wrong secret, an unknown key or no signature the gateway refuses, and the error
//   says what S3 answered and names the access key id — never the secret.
#include "support/radosgw.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

#include "storage/s3_client.h"
#include "support/s3_dataset_fixture.h"

namespace frocket::testing {
namespace {

using nlohmann::json;

std::string Text(const Buffer& buffer) {
  return std::string(reinterpret_cast<const char*>(buffer.data()), buffer.size());
}

// Bytes that differ at every offset, so a read of the wrong range cannot pass.
std::string Pattern(size_t n, int seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + i / 251 + seed) & 0xff);
  return s;
}

class RadosgwTest : public S3DatasetTest {
 public:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/frocket-rgw-XXXXXX";
    const char* made = ::mkdtemp(tmpl);
    if (made == nullptr) {
      *start_error_ = Status::IOError(std::string("mkdtemp: ") + std::strerror(errno));
      return;
    }
    dir_ = made;
    auto gateway = Radosgw::Start(dir_);
    if (!gateway.ok()) {
      *start_error_ = gateway.status();
      return;
    }
    gateway_ = std::move(*gateway);
    *start_error_ = gateway_->CreateBucket("bkt");
  }

  static void TearDownTestSuite() {
    gateway_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

 protected:
  void StartServer() override {
    ASSERT_TRUE(start_error_->ok()) << "radosgw: " << start_error_->message();
    server_env_ = gateway_->ClientEnv();
  }

  Status Upload(const std::string& dir, const std::string& bucket_and_prefix) const override {
    return gateway_->UploadDirectory(dir, bucket_and_prefix);
  }

  static S3Settings Settings(const std::string& secret = Radosgw::kSecretKey,
                             const std::string& access_key = Radosgw::kAccessKey) {
    S3Settings settings;
    settings.endpoint = gateway_->endpoint();
    settings.access_key_id = access_key;
    settings.secret_access_key = secret;
    settings.path_style = true;
    settings.max_attempts = 2;
    return settings;
  }

  static inline std::string dir_;
  static inline std::unique_ptr<Radosgw> gateway_;
  static inline std::unique_ptr<Status> start_error_ = std::make_unique<Status>();
};

TEST_F(RadosgwTest, SignedListHeadAndRangeReadsSucceed) {
  // 1,003 objects: ListObjectsV2 answers at most 1,000 per page.
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> uploaders;
  for (int t = 0; t < 8; ++t) {
    uploaders.emplace_back([&] {
      for (int i = next++; i < 1003 && !failed; i = next++) {
        if (!gateway_->Put("bkt/many/o" + std::to_string(i), std::to_string(i)).ok()) failed = true;
      }
    });
  }
  for (auto& t : uploaders) t.join();
  ASSERT_FALSE(failed) << "uploads to radosgw failed";

  const std::string odd_key = "odd/date=2026-11-24/part 1 é+.bin";
  const std::string bytes = Pattern(300000, 7);
  Status put = gateway_->Put("bkt/" + odd_key, bytes);
  ASSERT_TRUE(put.ok()) << put.message();

  for (bool path_style : {true, false}) {
    SCOPED_TRACE(path_style ? "path-style" : "virtual-host style (bkt.localhost)");
    S3Settings settings = Settings();
    settings.path_style = path_style;
    if (!path_style) settings.endpoint = gateway_->localhost_endpoint();
    S3Client client(settings);

    auto many = client.List("bkt", "many/");
    ASSERT_TRUE(many.ok()) << many.status().message();
    EXPECT_EQ(many->size(), 1003u);
    size_t sizes = 0;
    for (const S3Object& o : *many) sizes += o.size;
    size_t expected_sizes = 0;
    for (int i = 0; i < 1003; ++i) expected_sizes += std::to_string(i).size();
    EXPECT_EQ(sizes, expected_sizes);

    auto listed = client.List("bkt", "odd/date=2026-11-24/");
    ASSERT_TRUE(listed.ok()) << listed.status().message();
    ASSERT_EQ(listed->size(), 1u);
    EXPECT_EQ((*listed)[0].key, odd_key);
    EXPECT_EQ((*listed)[0].size, bytes.size());

    auto head = client.Head("bkt", odd_key);
    ASSERT_TRUE(head.ok()) << head.status().message();
    EXPECT_EQ(head->size, bytes.size());
    EXPECT_EQ(head->etag, (*listed)[0].etag);

    for (auto [offset, length] : std::vector<std::pair<uint64_t, uint64_t>>{
             {0, 1}, {0, 4}, {123457, 65536}, {bytes.size() - 8, 8}, {0, bytes.size()}}) {
      Buffer out;
      Status read = client.GetRange("bkt", odd_key, offset, length, head->etag, &out);
      ASSERT_TRUE(read.ok()) << read.message();
      EXPECT_EQ(Text(out), bytes.substr(offset, length)) << "bytes " << offset << "+" << length;
    }
  }
}

TEST_F(RadosgwTest, ReplacedObjectIsRefusedByIfMatch) {
  ASSERT_TRUE(gateway_->Put("bkt/replaced/object.bin", Pattern(1000, 1)).ok());
  S3Client client(Settings());
  auto head = client.Head("bkt", "replaced/object.bin");
  ASSERT_TRUE(head.ok()) << head.status().message();
  ASSERT_TRUE(gateway_->Put("bkt/replaced/object.bin", Pattern(1000, 2)).ok());
  Buffer out;
  Status read = client.GetRange("bkt", "replaced/object.bin", 0, 100, head->etag, &out);
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.message().find("changed since the dataset was registered"), std::string::npos)
      << read.message();
}

TEST_F(RadosgwTest, WrongSecretUnknownKeyAndNoSignatureAreRefusedClearly) {
  ASSERT_TRUE(gateway_->Put("bkt/refused/object.bin", "data").ok());
  const std::string wrong_secret = "not-the-secret-key";

  S3Client wrong(Settings(wrong_secret));
  auto list = wrong.List("bkt", "refused/");
  ASSERT_FALSE(list.ok());
  const std::string message = list.status().message();
  EXPECT_NE(message.find("ListObjectsV2 s3://bkt/refused/"), std::string::npos) << message;
  EXPECT_NE(message.find("HTTP 403 SignatureDoesNotMatch"), std::string::npos) << message;
  EXPECT_NE(message.find(std::string("access key id ") + Radosgw::kAccessKey), std::string::npos)
      << message;
  EXPECT_EQ(message.find(wrong_secret), std::string::npos) << message;

  // A HEAD answer has no body, so no S3 error code: the status still says what happened.
  auto head = wrong.Head("bkt", "refused/object.bin");
  ASSERT_FALSE(head.ok());
  EXPECT_NE(head.status().message().find("HEAD s3://bkt/refused/object.bin: HTTP 403"),
            std::string::npos)
      << head.status().message();
  EXPECT_NE(head.status().message().find(Radosgw::kAccessKey), std::string::npos)
      << head.status().message();

  S3Client unknown(Settings(Radosgw::kSecretKey, "NOSUCHACCESSKEY"));
  auto unknown_list = unknown.List("bkt", "refused/");
  ASSERT_FALSE(unknown_list.ok());
  EXPECT_NE(unknown_list.status().message().find("HTTP 403 InvalidAccessKeyId"), std::string::npos)
      << unknown_list.status().message();
  EXPECT_NE(unknown_list.status().message().find("NOSUCHACCESSKEY"), std::string::npos);

  S3Settings anonymous_settings = Settings();
  anonymous_settings.no_signature = true;
  S3Client anonymous(anonymous_settings);
  auto anonymous_list = anonymous.List("bkt", "refused/");
  ASSERT_FALSE(anonymous_list.ok());
  EXPECT_NE(anonymous_list.status().message().find("HTTP 403 AccessDenied"), std::string::npos)
      << anonymous_list.status().message();
  EXPECT_NE(anonymous_list.status().message().find("FROCKET_AWS_NO_SIGNATURE"), std::string::npos)
      << anonymous_list.status().message();
}

TEST_F(RadosgwTest, DatasetAnswersAsLocalFilesEmbeddedAndThroughWorkers) {
  ASSERT_NO_FATAL_FAILURE(PrepareDataset(60000, 4, 11, "ds", "s3ds", "local"));
  ASSERT_FALSE(HasFailure());
  ASSERT_NO_FATAL_FAILURE(StartWorkers(2, S3Env()));
  ExpectRegistered(
      Cluster({"register", "s3ds", "s3://bkt/ds/", "user_id", "ts", "--nopretty"}, S3Env()));
  ASSERT_FALSE(HasFailure());

  std::vector<std::string> queries;
  for (size_t i : {0, 1, 4, 6, 7}) queries.push_back(ActivityQueries().at(i));
  ForEachExpectedAnswer(queries, "local", [&](const std::string& query, const json& expected) {
    EXPECT_EQ(Answer(EmbeddedS3(RunArgs("s3ds", query))), expected);
    const FrocketRun cluster = Cluster(RunArgs("s3ds", query), S3Env());
    EXPECT_EQ(Answer(cluster), expected);
    EXPECT_EQ(InvokerStat(cluster, "failedTasks"), 0) << cluster.Describe();
  });
}

TEST_F(RadosgwTest, WrongSecretFailsRegistrationAndQueriesThroughTheCli) {
  ASSERT_NO_FATAL_FAILURE(PrepareDataset(20000, 2, 3, "cli", "s3cli", "localcli"));
  ASSERT_FALSE(HasFailure());
  const std::string wrong_secret = "not-the-secret-key";
  const Environment wrong = {{"FROCKET_S3_AWS_SECRET_ACCESS_KEY", wrong_secret},
                             {"FROCKET_WORKER_DISK_CACHE_SIZE_MB", "0"}};

  const FrocketRun reg =
      EmbeddedS3({"register", "other", "s3://bkt/cli/", "user_id", "ts", "--nopretty"}, wrong);
  EXPECT_NE(reg.result.exit_code, 0) << reg.Describe();
  EXPECT_TRUE(Mentions(reg.result.err, "SignatureDoesNotMatch")) << reg.Describe();
  EXPECT_TRUE(Mentions(reg.result.err, Radosgw::kAccessKey)) << reg.Describe();
  EXPECT_FALSE(Mentions(reg.result.err + reg.result.out, wrong_secret)) << reg.Describe();

  // Registered with the right secret, queried with a wrong one: no answer, and the error
  // names the part and the access key id.
  const FrocketRun run = EmbeddedS3(RunArgs("s3cli", ""), wrong);
  EXPECT_NE(run.result.exit_code, 0) << run.Describe();
  EXPECT_TRUE(Mentions(run.result.err, "s3://bkt/cli/part-0000")) << run.Describe();
  EXPECT_TRUE(Mentions(run.result.err, "HTTP 403")) << run.Describe();
  EXPECT_TRUE(Mentions(run.result.err, Radosgw::kAccessKey)) << run.Describe();
  EXPECT_FALSE(Mentions(run.result.err + run.result.out, wrong_secret)) << run.Describe();
}

}  // namespace
}  // namespace frocket::testing
