#include "support/background_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <thread>

namespace frocket::testing {

Result<std::unique_ptr<BackgroundProcess>> BackgroundProcess::Start(
    const std::vector<std::string>& argv, const Environment& env, const std::string& log_path) {
  ExecArguments exec(argv, env);
  const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return Status::IOError(log_path + ": " + std::strerror(errno));
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    // Die with the test: a crashed or killed test must not leave servers and workers behind.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) _exit(126);
    if (null_fd >= 0) ::dup2(null_fd, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    exec.Exec();
  }
  const int fork_errno = errno;
  ::close(log_fd);
  if (null_fd >= 0) ::close(null_fd);
  if (pid < 0) return Status::IOError(std::string("fork failed: ") + std::strerror(fork_errno));
  return std::unique_ptr<BackgroundProcess>(new BackgroundProcess(pid, log_path));
}

BackgroundProcess::~BackgroundProcess() {
  Kill();
}

std::string BackgroundProcess::Log() const {
  return ReadWholeFile(log_path_);
}

bool BackgroundProcess::Signal(int signal) {
  if (!Running()) return false;
  return ::kill(pid_, signal) == 0;
}

bool BackgroundProcess::Running() {
  if (wait_status_) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) wait_status_ = status;
  return !wait_status_;
}

std::optional<int> BackgroundProcess::WaitForExit(double timeout_seconds) {
  WaitUntil([&] { return !Running(); }, timeout_seconds);
  return wait_status_;
}

int BackgroundProcess::Kill() {
  if (!Running()) return *wait_status_;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  wait_status_ = status;
  return status;
}

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

double MonotonicSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void SleepForSeconds(double seconds) {
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

Result<int> AwaitListeningPort(BackgroundProcess& process, const std::string& marker,
                               double timeout_seconds) {
  int port = 0;
  WaitUntil(
      [&] {
        if (!process.Running()) return true;
        const std::string log = process.Log();
        const size_t at = log.find(marker + "127.0.0.1:");
        if (at == std::string::npos) return false;
        port = std::atoi(log.c_str() + at + marker.size() + 10);
        return port > 0;
      },
      timeout_seconds);
  if (port <= 0 || !process.Running()) {
    return Status::IOError(process.log_path() + ": the server did not start; its log:\n" +
                           process.Log());
  }
  return port;
}

}  // namespace frocket::testing
