// S3ServerTest: a test with a temporary directory of its own and an s3rver in it (bucket
// "bkt"), both gone when the test ends; Settings() configures an S3Client for that server.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

#include "storage/s3_client.h"
#include "support/s3_server.h"
#include "support/temp_dir.h"

namespace frocket::testing {

class S3ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(temp_.ok()) << std::strerror(errno);
    dir_ = temp_.path();
    auto server = S3Server::Start(dir_ + "/s3", {"bkt"});
    ASSERT_TRUE(server.ok()) << server.status().message();
    server_ = std::move(*server);
  }

  void TearDown() override { server_.reset(); }

  TempDir temp_{"frocket-s3"};

  // Path-style requests to this test's server, signed with these credentials (s3rver's own
  // are S3RVER / S3RVER).
  S3Settings Settings(const std::string& access_key_id = "S3RVER",
                      const std::string& secret = "S3RVER") const {
    S3Settings settings;
    settings.endpoint = server_->endpoint();
    settings.access_key_id = access_key_id;
    settings.secret_access_key = secret;
    settings.path_style = true;
    return settings;
  }

  std::string dir_;
  std::unique_ptr<S3Server> server_;
};

}  // namespace frocket::testing
