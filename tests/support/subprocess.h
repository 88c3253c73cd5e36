// RunProcess: runs a program to completion and captures what it printed, for tests that
// drive the real `frocket` binary.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace frocket::testing {

struct ProcessResult {
  int exit_code = -1;   // the exit status when the process exited normally
  int term_signal = 0;  // the signal that killed it, or 0
  std::string out;
  std::string err;
  bool exited() const { return term_signal == 0 && exit_code >= 0; }
};

// Environment variables (name, value) set for a child on top of the parent's environment.
using Environment = std::vector<std::pair<std::string, std::string>>;

// What execve() needs to run argv[0] (a path) with the arguments, in this process's
// environment with `env` added (replacing variables of the same name). Built before fork():
// after it, a child of a threaded parent may only call async-signal-safe functions.
class ExecArguments {
 public:
  ExecArguments(const std::vector<std::string>& argv, const Environment& env);
  // In the forked child: execve(), or on failure a message on stderr and _exit(127).
  [[noreturn]] void Exec();

 private:
  std::vector<std::string> argv_strings_;
  std::vector<std::string> env_strings_;
  std::vector<char*> argv_;
  std::vector<char*> envp_;
};

// Runs argv[0] (a path) with the arguments; kills it after timeout_seconds. The child
// inherits this process's environment, with `env` added (replacing variables of the same
// name). Safe to call from several threads at once.
ProcessResult RunProcess(const std::vector<std::string>& argv, int timeout_seconds = 120,
                         const Environment& env = {});

// The frocket binary under test (set by the build).
std::string FrocketBinary();
// The shared test data directory (../shared/testdata of the repository).
std::string TestDataDir();

}  // namespace frocket::testing
