// Radosgw: Ceph's S3 gateway from Debian's packages, as a real S3 server that checks SigV4
// signatures (s3rver does not). A one-node Ceph cluster in a directory of the test's own —
// one monitor, one storage daemon keeping data in RAM (memstore), cephx off, all on loopback
// ports chosen free — with radosgw in front and one S3 user. Starting takes 15-20 s (radosgw
// creates its pools on first start), so a test suite starts one and shares it.
//
// The recipe, and what was checked against it, is in ../shared/notes/real-components.md (1c).
// The daemons are BackgroundProcesses: stopped in order (gateway, storage, monitor) by PID
// when the Radosgw is destroyed, SIGKILLed if they do not stop, and killed by the kernel if
// the test process dies first.
//
// Objects are uploaded with libcurl's own SigV4 signer (CURLOPT_AWS_SIGV4), not frocket's:
// what frocket reads back was stored by an independent implementation.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "support/background_process.h"
#include "support/subprocess.h"

namespace frocket::testing {

class Radosgw {
 public:
  // The S3 user created at start.
  static constexpr const char* kAccessKey = "FROCKETTESTKEY";
  static constexpr const char* kSecretKey = "frocket-test-secret-key";

  // Starts the cluster and the gateway under `dir` (created) and creates the user; an error
  // with the failing step's output if any step fails.
  static Result<std::unique_ptr<Radosgw>> Start(const std::string& dir);
  ~Radosgw();
  Radosgw(const Radosgw&) = delete;
  Radosgw& operator=(const Radosgw&) = delete;

  int port() const { return port_; }
  // http://127.0.0.1:PORT (path-style), or http://localhost:PORT, under which virtual-host
  // requests to BUCKET.localhost reach the gateway (it is configured with that DNS name).
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string localhost_endpoint() const { return "http://localhost:" + std::to_string(port_); }

  // frocket's S3 configuration for this gateway: endpoint, region, the user's keys (secret
  // replaced by `secret` if given), path-style addressing.
  Environment ClientEnv(const std::string& secret = kSecretKey) const;

  // Signed requests as the user (libcurl's signer): create a bucket, store an object, store
  // every regular file of a directory under bucket_and_prefix.
  Status CreateBucket(const std::string& bucket) const;
  Status Put(const std::string& bucket_and_key, std::string_view bytes) const;
  Status UploadDirectory(const std::string& dir, const std::string& bucket_and_prefix) const;

 private:
  Radosgw() = default;
  // A `ceph` command against this cluster; its stdout, or an error with its output.
  Result<std::string> Ceph(const std::vector<std::string>& args) const;

  std::string dir_;
  std::string conf_;
  int port_ = 0;
  std::unique_ptr<BackgroundProcess> mon_;
  std::unique_ptr<BackgroundProcess> osd_;
  std::unique_ptr<BackgroundProcess> rgw_;
};

}  // namespace frocket::testing
