// Libraries opened when first needed: the functions looked up are the library's own, and a
// library or function that is not there is an error naming it — every time it is asked, not a
// crash.
#include "storage/shared_library.h"

#include <gtest/gtest.h>

#include <cstring>

namespace frocket {
namespace {

TEST(SharedLibrary, LooksUpTheLibrarysFunctions) {
  SharedLibrary libz("libz.so.1");
  const char* (*version)() = nullptr;
  const Status opened =
      libz.Open([&](SharedLibrary& so) { return so.Get("zlibVersion", &version); });
  ASSERT_TRUE(opened.ok()) << opened.message();
  ASSERT_NE(version, nullptr);
  EXPECT_EQ(std::strncmp(version(), "1.", 2), 0) << version();
}

TEST(SharedLibrary, AMissingLibraryOrFunctionIsAnErrorNamingIt) {
  SharedLibrary absent("libfrocket-absent.so.7");
  for (int i = 0; i < 2; ++i) {
    const Status s = absent.Open([](SharedLibrary&) { return Status::OK(); });
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find("cannot load libfrocket-absent.so.7"), std::string::npos)
        << s.message();
  }
  SharedLibrary libz("libz.so.1");
  void (*nothing)() = nullptr;
  const Status s =
      libz.Open([&](SharedLibrary& so) { return so.Get("no_such_function", &nothing); });
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("libz.so.1 has no function no_such_function"), std::string::npos)
      << s.message();
  EXPECT_EQ(nothing, nullptr);
}

}  // namespace
}  // namespace frocket
