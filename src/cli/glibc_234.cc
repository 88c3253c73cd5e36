// What keeps the frocket binary runnable on glibc 2.34 (Amazon Linux 2023, the Lambda
// package's runtime: cli/package_lambda_command.cc) though it is built on Debian 12's 2.36.
//
// libstdc++ is linked statically, and gcc 12's libstdc++.a always brings std::random_device
// (its copy-on-write string instantiations refer to it), which calls arc4random — a glibc
// 2.36 function. Defined here, in the executable, the link binds libstdc++'s call to this
// definition instead of glibc's versioned symbol, so the binary does not require GLIBC_2.36.
// frocket's own code seeds its generators with RandomSeed() (common/random.h).
#include <sys/random.h>

#include <cerrno>
#include <chrono>
#include <cstdint>

extern "C" uint32_t arc4random() noexcept {
  uint32_t value = 0;
  size_t got = 0;
  while (got < sizeof(value)) {
    const ssize_t n = getrandom(reinterpret_cast<char*>(&value) + got, sizeof(value) - got, 0);
    if (n > 0) {
      got += static_cast<size_t>(n);
    } else if (n < 0 && errno != EINTR && errno != EAGAIN) {
      // No getrandom (a seccomp sandbox, an old kernel): the clock, mixed with an address.
      return static_cast<uint32_t>(std::chrono::steady_clock::now().time_since_epoch().count() ^
                                   static_cast<int64_t>(reinterpret_cast<uintptr_t>(&value)));
    }
  }
  return value;
}
