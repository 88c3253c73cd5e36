#include "storage/curl_global.h"

#include <curl/curl.h>

#include <mutex>

namespace frocket {

void InitCurlOnce() {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace frocket
