#include "support/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

extern char** environ;

namespace frocket::testing {

ExecArguments::ExecArguments(const std::vector<std::string>& argv, const Environment& env)
    : argv_strings_(argv) {
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string entry = *e;
    bool replaced = false;
    for (const auto& [name, value] : env) {
      if (entry.compare(0, name.size() + 1, name + "=") == 0) replaced = true;
    }
    if (!replaced) env_strings_.push_back(std::move(entry));
  }
  for (const auto& [name, value] : env) env_strings_.push_back(name + "=" + value);
  for (auto& a : argv_strings_) argv_.push_back(a.data());
  argv_.push_back(nullptr);
  for (auto& e : env_strings_) envp_.push_back(e.data());
  envp_.push_back(nullptr);
}

void ExecArguments::Exec() {
  execve(argv_[0], argv_.data(), envp_.data());
  static const char kMessage[] = "exec failed: ";
  (void)!write(2, kMessage, sizeof(kMessage) - 1);
  (void)!write(2, argv_[0], std::strlen(argv_[0]));
  (void)!write(2, "\n", 1);
  _exit(127);
}

ProcessResult RunProcess(const std::vector<std::string>& argv, int timeout_seconds,
                         const Environment& env) {
  ProcessResult result;
  ExecArguments exec(argv, env);
  int out_pipe[2];
  int err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
    result.err = "pipe failed";
    return result;
  }
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    exec.Exec();
  }
  if (pid < 0) {
    const int fork_errno = errno;
    for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) close(fd);
    result.err = std::string("fork failed: ") + std::strerror(fork_errno);
    return result;
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_fds = 2;
  bool killed = false;
  char buf[65536];
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0 && !killed) {
      kill(pid, SIGKILL);
      killed = true;
    }
    int rc = poll(fds, 2, killed ? 1000 : static_cast<int>(std::min<long>(left, 1000)));
    if (rc < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof(buf));
      if (n > 0) {
        sinks[i]->append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.term_signal = WTERMSIG(status);
  }
  if (killed) result.err += "\n[killed after " + std::to_string(timeout_seconds) + " s]";
  return result;
}

std::string FrocketBinary() {
  return FROCKET_BINARY_PATH;
}
std::string TestDataDir() {
  return FROCKET_TESTDATA_DIR;
}

}  // namespace frocket::testing
