// `frocket package-lambda OUT.zip`: a deployment package for AWS Lambda's provided.al2023
// runtime — this binary, stripped, as `bootstrap` (it runs as the custom runtime when Lambda
// starts it: cluster/lambda_runtime.h), and in lib/ every shared library it loads that Amazon
// Linux 2023 does not provide — at start, or when first needed (libcurl, libcrypto:
// storage/shared_library.h), with theirs: all but glibc's own and libgcc_s (which AL2023
// ships; this binary links libstdc++ statically, see the top CMakeLists.txt). The binary's run
// path ($ORIGIN/lib) finds them, as does Lambda's default LD_LIBRARY_PATH (/var/task/lib).
//
// AL2023 has glibc 2.34: the test (tests/cli/package_lambda_test.sh) checks that no file in
// the package requires a newer symbol version.

#include <dlfcn.h>
#include <link.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/zip_writer.h"
#include "common/json_text.h"
#include "storage/shared_library.h"

extern char** environ;

namespace frocket::cli {

namespace {

namespace fs = std::filesystem;

// What provided.al2023 has in its library path: glibc's libraries and libgcc_s.
const std::set<std::string>& ProvidedByTheRuntime() {
  static const std::set<std::string> provided = {"linux-vdso.so.1",
                                                 "ld-linux-x86-64.so.2",
                                                 "ld-linux-aarch64.so.1",
                                                 "libc.so.6",
                                                 "libm.so.6",
                                                 "libpthread.so.0",
                                                 "libdl.so.2",
                                                 "librt.so.1",
                                                 "libresolv.so.2",
                                                 "libutil.so.1",
                                                 "libanl.so.1",
                                                 "libgcc_s.so.1"};
  return provided;
}

// Runs argv (found in PATH), its standard output captured; an error unless it exits 0.
Result<std::string> Run(const std::vector<std::string>& argv) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return Status::IOError("cannot create a pipe");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  std::string out;
  if (spawned == 0) {
    char buf[65536];
    ssize_t n = 0;
    while ((n = read(pipe_fds[0], buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
  }
  close(pipe_fds[0]);
  if (spawned != 0) {
    return Status::IOError("cannot run " + argv[0] + " (" + std::strerror(spawned) + ")" +
                           (argv[0] == "strip" ? ": install binutils" : ""));
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Status::IOError(argv[0] + " " + argv.back() + " failed (exit status " +
                           std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")");
  }
  return out;
}

struct Library {
  std::string soname;  // the name the binary asks for: the file's name in lib/
  std::string path;
};

// The shared libraries `binary` loads, as the dynamic loader resolves them here (ldd).
Result<std::vector<Library>> SharedLibraries(const std::string& binary) {
  FROCKET_ASSIGN_OR_RETURN(std::string listing, Run({"ldd", binary}));
  std::vector<Library> libraries;
  std::istringstream lines(listing);
  std::string line;
  while (std::getline(lines, line)) {
    // "\tlibz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x...)", or a line without "=>".
    std::istringstream words(line);
    Library lib;
    std::string arrow;
    words >> lib.soname >> arrow >> lib.path;
    if (arrow != "=>") continue;
    if (lib.path == "not") return Status::NotFound(binary + " needs " + lib.soname + ", not found");
    libraries.push_back(lib);
  }
  return libraries;
}

// The shared libraries `binary` loads at start and those it opens when first needed, with
// what each of those loads, once each.
Result<std::vector<Library>> AllSharedLibraries(const std::string& binary) {
  FROCKET_ASSIGN_OR_RETURN(std::vector<Library> all, SharedLibraries(binary));
  for (const char* soname : kOpenedWhenNeeded) {
    // Found as the binary would find it: opened here, its file asked of the dynamic loader.
    void* handle = ::dlopen(soname, RTLD_LAZY | RTLD_LOCAL);
    link_map* map = nullptr;
    if (handle == nullptr || ::dlinfo(handle, RTLD_DI_LINKMAP, &map) != 0 || map == nullptr) {
      const char* why = ::dlerror();
      return Status::NotFound(binary + " opens " + soname + " when it needs it: not found (" +
                              (why != nullptr ? why : "unknown error") + ")");
    }
    all.push_back({soname, map->l_name});
    FROCKET_ASSIGN_OR_RETURN(std::vector<Library> more, SharedLibraries(map->l_name));
    all.insert(all.end(), more.begin(), more.end());
  }
  std::set<std::string> seen;
  std::vector<Library> once;
  for (Library& lib : all) {
    if (seen.insert(lib.soname).second) once.push_back(std::move(lib));
  }
  return once;
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot read " + path);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (!in.good() && !in.eof()) return Status::IOError("cannot read " + path);
  return bytes.str();
}

// `path` stripped of what it does not need to run, read back.
Result<std::string> Stripped(const std::string& path, const std::string& work_dir) {
  const std::string out = work_dir + "/" + fs::path(path).filename().string();
  FROCKET_RETURN_IF_ERROR(Run({"strip", "--strip-unneeded", "-o", out, path}).status());
  return ReadFile(out);
}

Result<nlohmann::ordered_json> Package(const std::string& out_path, const std::string& work_dir) {
  std::error_code error;
  const std::string self = fs::read_symlink("/proc/self/exe", error).string();
  if (error) return Status::IOError("cannot find this binary: " + error.message());
  FROCKET_ASSIGN_OR_RETURN(auto libraries, AllSharedLibraries(self));
  FROCKET_ASSIGN_OR_RETURN(ZipWriter zip, ZipWriter::Create(out_path));
  nlohmann::ordered_json files = nlohmann::ordered_json::array();
  nlohmann::ordered_json provided = nlohmann::ordered_json::array();
  FROCKET_ASSIGN_OR_RETURN(std::string bootstrap, Stripped(self, work_dir));
  FROCKET_RETURN_IF_ERROR(zip.Add("bootstrap", bootstrap, 0755));
  files.push_back({{"name", "bootstrap"}, {"bytes", bootstrap.size()}, {"from", self}});
  for (const Library& lib : libraries) {
    if (ProvidedByTheRuntime().count(lib.soname) != 0) {
      provided.push_back(lib.soname);
      continue;
    }
    FROCKET_ASSIGN_OR_RETURN(std::string bytes, Stripped(lib.path, work_dir));
    FROCKET_RETURN_IF_ERROR(zip.Add("lib/" + lib.soname, bytes, 0644));
    files.push_back({{"name", "lib/" + lib.soname}, {"bytes", bytes.size()}, {"from", lib.path}});
  }
  FROCKET_ASSIGN_OR_RETURN(uint64_t size, zip.Finish());
  nlohmann::ordered_json summary;
  summary["zip"] = out_path;
  summary["bytes"] = size;
  summary["runtime"] = "provided.al2023";
  summary["files"] = std::move(files);
  summary["providedByTheRuntime"] = std::move(provided);
  return summary;
}

#ifdef FROCKET_SANITIZED
constexpr bool kSanitizerBuild = true;
#else
constexpr bool kSanitizerBuild = false;
#endif

int PackageLambda(const std::string& out_path, const Globals& globals) {
  if (kSanitizerBuild) {
    std::fprintf(stderr,
                 "frocket: error: this frocket is a sanitizer build, unfit for Lambda: package a "
                 "release build (build/release/src/frocket)\n");
    return 1;
  }
  char work_template[] = "/tmp/frocket-package-XXXXXX";
  const char* work_dir = mkdtemp(work_template);
  if (work_dir == nullptr) {
    std::fprintf(stderr, "frocket: error: cannot create a temporary directory under /tmp\n");
    return 1;
  }
  auto summary = Package(out_path, work_dir);
  std::error_code ignored;
  fs::remove_all(work_dir, ignored);
  if (!summary.ok()) {
    std::fprintf(stderr, "frocket: error: package-lambda %s: %s\n", out_path.c_str(),
                 summary.status().message().c_str());
    return 1;
  }
  std::printf("%s\n", globals.nopretty ? JsonText(*summary).c_str() : summary->dump(2).c_str());
  return 0;
}

}  // namespace

void AddPackageLambdaCommand(CLI::App& app, Globals& globals) {
  auto out = std::make_shared<std::string>();
  auto* package = app.add_subcommand(
      "package-lambda",
      "Write a deployment package for AWS Lambda (provided.al2023): this binary as bootstrap, "
      "with the shared libraries Amazon Linux 2023 lacks");
  package->add_option("OUT_ZIP", *out, "The zip file to write")->required();
  package->callback([out, &globals] { globals.exit_code = PackageLambda(*out, globals); });
}

}  // namespace frocket::cli
