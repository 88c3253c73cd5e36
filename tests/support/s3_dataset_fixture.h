// S3DatasetTest: a ClusterTest (its own Redis, `frocket worker` processes, the CLI in both
// modes) with an S3 server — by default an s3rver of the test's own — with a bucket "bkt", whose
// endpoint and credentials the frocket processes get: datasets uploaded there are read by the
// embedded mode and by the workers, and their answers compared with the embedded mode's over the
// same local files.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "support/cluster_fixture.h"
#include "support/s3_server.h"

namespace frocket::testing {

class S3DatasetTest : public ClusterTest {
 protected:
  void SetUp() override;
  void TearDown() override;

  // The S3 server the test uses, started by SetUp: by default an s3rver of its own (s3_).
  // Sets server_env_ to its client configuration.
  virtual void StartServer();
  // Stores every regular file of `dir` under bucket_and_prefix on that server.
  virtual Status Upload(const std::string& dir, const std::string& bucket_and_prefix) const;

  // The environment of the embedded mode (ClusterTest's: same FROCKET_HOME, so the same
  // registrations) with this test's S3 server, and `extra` on top.
  Environment EmbeddedEnv(const Environment& extra = {}) const;
  FrocketRun EmbeddedS3(const std::vector<std::string>& args, const Environment& extra = {},
                        int timeout_seconds = 60) const;
  // This test's S3 server's client configuration with `extra` on top (for ClusterEnv).
  Environment S3Env(const Environment& extra = {}) const;

  // `frocket generate` (rows, parts, seed) uploaded under s3://bkt/PREFIX/ and registered
  // in the embedded mode twice: as `s3_name` from S3 and as `local_name` from the local
  // files. The local directory.
  std::string PrepareDataset(int64_t rows, int parts, int seed, const std::string& prefix,
                             const std::string& s3_name, const std::string& local_name,
                             const Environment& register_env = {});

  // For each query, the embedded mode's answer over the local dataset `local_name` — the
  // expected answer — handed to `check`, under a trace naming the query. Fails the test if no
  // query matched any group: the comparisons must not all be of empty answers.
  void ForEachExpectedAnswer(
      const std::vector<std::string>& queries, const std::string& local_name,
      const std::function<void(const std::string& query, const nlohmann::json& expected)>& check);

  std::unique_ptr<S3Server> s3_;
  Environment server_env_;
};

// A successful registration's run: exit 0 and success true (the test fails otherwise).
void ExpectRegistered(const FrocketRun& run);

}  // namespace frocket::testing
