#include "support/radosgw.h"

#include <signal.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <vector>

#include "support/http_session.h"
#include "support/redis_server.h"
#include "support/s3_server.h"

namespace frocket::testing {

namespace {

namespace fs = std::filesystem;

// Each step's limit. The first gateway start creates pools (8 s on a quiet machine); an ASan
// build's tests beside it load the CPU.
constexpr double kStepSeconds = 90;
// How long a daemon may take to stop on SIGTERM before it is killed.
constexpr double kStopSeconds = 10;

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// The programs, by name, from PATH; an error naming the first missing one.
Result<std::vector<std::string>> FindPrograms(const std::vector<std::string>& names) {
  std::vector<std::string> paths;
  for (const std::string& name : names) {
    std::string path = FindProgram(name);
    if (path.empty()) {
      return Status::NotFound(name +
                              " is not installed: scripts/install-deps test installs radosgw, "
                              "ceph-mon and ceph-osd");
    }
    paths.push_back(std::move(path));
  }
  return paths;
}

Status Run(const std::vector<std::string>& argv, const std::string& what) {
  const ProcessResult r = RunProcess(argv, static_cast<int>(kStepSeconds));
  if (r.exit_code == 0) return Status::OK();
  return Status::IOError(what + " failed (exit " + std::to_string(r.exit_code) + ", signal " +
                         std::to_string(r.term_signal) + "):\n" + r.out + r.err);
}

std::string Config(const std::string& dir, const std::string& fsid, const std::string& mon_host,
                   int port) {
  // As the recipe: no cephx, "crc" messenger mode (radosgw hangs in "secure" without auth),
  // one replica, small placement groups, the storage daemon's data in 256 MiB of RAM.
  std::string conf = R"([global]
fsid = @FSID@
mon host = @MON_HOST@
auth cluster required = none
auth service required = none
auth client required = none
ms bind ipv6 = false
ms mon client mode = crc
ms client mode = crc
public network = 127.0.0.0/8
run dir = @DIR@/run
admin socket = @DIR@/run/$name.asok
log file = @DIR@/log/$name.log
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon warn on pool no redundancy = false
mon data avail warn = 1
osd pool default pg num = 8
osd pool default pgp num = 8
mon max pg per osd = 1000
osd crush chooseleaf type = 0
[mon]
mon data = @DIR@/mon/$cluster-$id
[osd]
osd data = @DIR@/osd/$cluster-$id
osd objectstore = memstore
memstore device bytes = 268435456
[client.rgw.t]
rgw frontends = beast endpoint=127.0.0.1:@PORT@
rgw dns name = localhost
rgw data = @DIR@/rgw
)";
  for (const auto& [name, value] :
       std::vector<std::pair<std::string, std::string>>{{"@FSID@", fsid},
                                                        {"@MON_HOST@", mon_host},
                                                        {"@DIR@", dir},
                                                        {"@PORT@", std::to_string(port)}}) {
    for (size_t at; (at = conf.find(name)) != std::string::npos;)
      conf.replace(at, name.size(), value);
  }
  return conf;
}

// bucket/key as a URL path: every byte but unreserved characters and '/' percent-encoded.
std::string EncodePath(const std::string& path) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// Stops a daemon: SIGTERM, then SIGKILL if it has not exited in time.
void Stop(std::unique_ptr<BackgroundProcess>& daemon) {
  if (daemon == nullptr) return;
  daemon->Signal(SIGTERM);
  if (!daemon->WaitForExit(kStopSeconds)) daemon->Kill();
  daemon.reset();
}

}  // namespace

Result<std::unique_ptr<Radosgw>> Radosgw::Start(const std::string& dir) {
  FROCKET_ASSIGN_OR_RETURN(
      std::vector<std::string> programs,
      FindPrograms({"monmaptool", "ceph-mon", "ceph-osd", "radosgw", "radosgw-admin", "ceph"}));
  const std::string& monmaptool = programs[0];
  const std::string& ceph_mon = programs[1];
  const std::string& ceph_osd = programs[2];
  const std::string& radosgw = programs[3];
  const std::string& radosgw_admin = programs[4];

  auto gw = std::unique_ptr<Radosgw>(new Radosgw());
  gw->dir_ = dir;
  for (const char* sub : {"run", "log", "mon", "osd/ceph-0", "rgw"}) {
    fs::create_directories(dir + "/" + sub);
  }
  const std::string fsid = Trim(ReadWholeFile("/proc/sys/kernel/random/uuid"));
  const int mon_v2 = FreeLoopbackPort();
  const int mon_v1 = FreeLoopbackPort();
  gw->port_ = FreeLoopbackPort();
  if (fsid.empty() || mon_v2 == 0 || mon_v1 == 0 || gw->port_ == 0 || mon_v1 == mon_v2 ||
      gw->port_ == mon_v1 || gw->port_ == mon_v2) {
    return Status::IOError("radosgw: no free loopback ports or no uuid for the cluster");
  }
  const std::string mon_host =
      "[v2:127.0.0.1:" + std::to_string(mon_v2) + ",v1:127.0.0.1:" + std::to_string(mon_v1) + "]";
  gw->conf_ = dir + "/ceph.conf";
  std::ofstream(gw->conf_) << Config(dir, fsid, mon_host, gw->port_);

  // The monitor.
  FROCKET_RETURN_IF_ERROR(
      Run({monmaptool, "--create", "--addv", "a", mon_host, "--fsid", fsid, dir + "/monmap"},
          "monmaptool"));
  FROCKET_RETURN_IF_ERROR(
      Run({ceph_mon, "-c", gw->conf_, "--mkfs", "-i", "a", "--monmap", dir + "/monmap"},
          "ceph-mon --mkfs"));
  FROCKET_ASSIGN_OR_RETURN(
      gw->mon_, BackgroundProcess::Start({ceph_mon, "-f", "-c", gw->conf_, "-i", "a"}, {},
                                         dir + "/log/mon.out"));
  if (!WaitUntil([&] { return gw->Ceph({"health"}).ok() || !gw->mon_->Running(); }, kStepSeconds) ||
      !gw->mon_->Running()) {
    return Status::IOError("ceph-mon did not start; its output:\n" + gw->mon_->Log());
  }

  // The storage daemon, placed in the CRUSH map under a host bucket.
  FROCKET_ASSIGN_OR_RETURN(std::string id_text, gw->Ceph({"osd", "create"}));
  const std::string id = Trim(id_text);
  FROCKET_RETURN_IF_ERROR(Run({ceph_osd, "-c", gw->conf_, "-i", id, "--mkfs"}, "ceph-osd --mkfs"));
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"osd", "crush", "add-bucket", "localhost", "host"},
        std::vector<std::string>{"osd", "crush", "move", "localhost", "root=default"},
        std::vector<std::string>{"osd", "crush", "add", "osd." + id, "1.0", "host=localhost"}}) {
    FROCKET_RETURN_IF_ERROR(gw->Ceph(args).status());
  }
  FROCKET_ASSIGN_OR_RETURN(gw->osd_,
                           BackgroundProcess::Start({ceph_osd, "-f", "-c", gw->conf_, "-i", id}, {},
                                                    dir + "/log/osd.out"));
  if (!WaitUntil(
          [&] {
            auto stat = gw->Ceph({"osd", "stat"});
            return (stat.ok() && stat->find("1 up") != std::string::npos) || !gw->osd_->Running();
          },
          kStepSeconds) ||
      !gw->osd_->Running()) {
    return Status::IOError("ceph-osd did not come up; its output:\n" + gw->osd_->Log() +
                           ReadWholeFile(dir + "/log/osd." + id + ".log"));
  }

  // The gateway, then its user.
  FROCKET_ASSIGN_OR_RETURN(
      gw->rgw_, BackgroundProcess::Start({radosgw, "-f", "-c", gw->conf_, "-n", "client.rgw.t"}, {},
                                         dir + "/log/rgw.out"));
  HttpSession session;
  if (!WaitUntil(
          [&] {
            return session.Request("GET", gw->endpoint() + "/", {}, nullptr).ok() ||
                   !gw->rgw_->Running();
          },
          kStepSeconds) ||
      !gw->rgw_->Running()) {
    return Status::IOError("radosgw did not answer HTTP; its output:\n" + gw->rgw_->Log() +
                           ReadWholeFile(dir + "/log/client.rgw.t.log"));
  }
  // radosgw-admin gets an admin socket of its own: the gateway holds client.rgw.t's.
  FROCKET_RETURN_IF_ERROR(Run(
      {radosgw_admin, "-c", gw->conf_, "-n", "client.rgw.t", "--admin-socket",
       dir + "/run/radosgw-admin.asok", "user", "create", "--uid=frocket", "--display-name=frocket",
       std::string("--access-key=") + kAccessKey, std::string("--secret-key=") + kSecretKey},
      "radosgw-admin user create"));
  return gw;
}

Radosgw::~Radosgw() {
  // Gateway, storage, monitor: a storage daemon whose monitor is gone waits for it to stop.
  Stop(rgw_);
  Stop(osd_);
  Stop(mon_);
}

Result<std::string> Radosgw::Ceph(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {FindProgram("ceph"), "-c", conf_, "--connect-timeout", "5"};
  argv.insert(argv.end(), args.begin(), args.end());
  const ProcessResult r = RunProcess(argv, 30);
  if (r.exit_code != 0) {
    std::string command = "ceph";
    for (const std::string& a : args) command += " " + a;
    return Status::IOError(command + " failed (exit " + std::to_string(r.exit_code) + "):\n" +
                           r.out + r.err);
  }
  return r.out;
}

Environment Radosgw::ClientEnv(const std::string& secret) const {
  return S3ClientEnv(endpoint(), kAccessKey, secret);
}

Status Radosgw::CreateBucket(const std::string& bucket) const {
  HttpSession session(AwsSigning{kAccessKey, kSecretKey});
  std::string answer;
  Status s = ExpectStatus("PUT bucket " + bucket,
                          session.Request("PUT", endpoint() + "/" + bucket, {}, &answer), 200);
  return s.ok() ? s : Status::IOError(s.message() + ": " + answer);
}

Status Radosgw::Put(const std::string& bucket_and_key, std::string_view bytes) const {
  HttpSession session(AwsSigning{kAccessKey, kSecretKey});
  std::string answer;
  Status s = ExpectStatus(
      "PUT " + bucket_and_key,
      session.Request("PUT", endpoint() + "/" + EncodePath(bucket_and_key), bytes, &answer), 200);
  return s.ok() ? s : Status::IOError(s.message() + ": " + answer);
}

Status Radosgw::UploadDirectory(const std::string& dir,
                                const std::string& bucket_and_prefix) const {
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    const std::string name = entry.path().filename().string();
    FROCKET_RETURN_IF_ERROR(Put(bucket_and_prefix + name, ReadWholeFile(entry.path().string())));
  }
  return Status::OK();
}

}  // namespace frocket::testing
