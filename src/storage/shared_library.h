// SharedLibrary: a library opened when a process first needs it (dlopen) rather than when it
// starts. libcurl and OpenSSL's libcrypto — with the two dozen libraries curl needs — take
// about 2 ms to load and initialise, half the start of a `frocket run` that answers a query
// over local files and never speaks HTTP; they are opened by the first S3 or Lambda client.
#pragma once

#include <mutex>
#include <string>

#include "common/status.h"

namespace frocket {

// The libraries frocket opens when first needed (what `frocket package-lambda` packages beside
// the ones the binary loads at start).
inline constexpr const char* kLibcurl = "libcurl.so.4";
inline constexpr const char* kLibcrypto = "libcrypto.so.3";
inline constexpr const char* kOpenedWhenNeeded[] = {kLibcurl, kLibcrypto};

class SharedLibrary {
 public:
  // `soname`: the name the dynamic loader finds (the binary's run path first: a Lambda package
  // carries the library in lib/).
  explicit SharedLibrary(const char* soname) : soname_(soname) {}
  SharedLibrary(const SharedLibrary&) = delete;
  SharedLibrary& operator=(const SharedLibrary&) = delete;

  // Opens the library and looks up each of `bind`'s functions, once per process, from
  // whatever thread; then `bind` runs with it (to look up and keep the functions). The error
  // names the library and what failed, every time it is asked again.
  template <typename Bind>
  Status Open(Bind bind) {
    std::call_once(once_, [&] {
      status_ = OpenOnce();
      if (status_.ok()) status_ = bind(*this);
    });
    return status_;
  }

  // The function `name` of the open library, as type F; an error names it if it is missing.
  template <typename F>
  Status Get(const char* name, F* out) {
    void* symbol = Symbol(name);
    if (symbol == nullptr) return Missing(name);
    *out = reinterpret_cast<F>(symbol);
    return Status::OK();
  }

 private:
  Status OpenOnce();
  void* Symbol(const char* name);
  Status Missing(const char* name) const;

  const char* soname_;
  void* handle_ = nullptr;
  std::once_flag once_;
  Status status_;
};

}  // namespace frocket
