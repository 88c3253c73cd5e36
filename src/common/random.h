// A seed for pseudo-random generators, from the kernel (getrandom). Not std::random_device:
// libstdc++'s uses arc4random, a glibc 2.36 symbol, and the Lambda package must run on
// glibc 2.34 (see cli/package_lambda_command.cc).
#pragma once

#include <sys/random.h>

#include <chrono>
#include <cstdint>

namespace frocket {

inline uint64_t RandomSeed() {
  uint64_t seed = 0;
  if (getrandom(&seed, sizeof(seed), 0) == static_cast<ssize_t>(sizeof(seed))) return seed;
  // No entropy source (a seccomp sandbox): the clock, mixed with an address of this process.
  return static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
         reinterpret_cast<uintptr_t>(&seed);
}

}  // namespace frocket
