#include "storage/shared_library.h"

#include <dlfcn.h>

namespace frocket {

Status SharedLibrary::OpenOnce() {
  handle_ = ::dlopen(soname_, RTLD_NOW | RTLD_LOCAL);
  if (handle_ == nullptr) {
    const char* why = ::dlerror();
    return Status::IOError(std::string("cannot load ") + soname_ + ": " +
                           (why != nullptr ? why : "unknown error"));
  }
  return Status::OK();
}

void* SharedLibrary::Symbol(const char* name) {
  return ::dlsym(handle_, name);
}

Status SharedLibrary::Missing(const char* name) const {
  return Status::IOError(std::string(soname_) + " has no function " + name);
}

}  // namespace frocket
