#include "storage/curl_library.h"

#include "storage/shared_library.h"

namespace frocket {

namespace {

CurlLibrary library;

Status Bind(SharedLibrary& so) {
  CurlLibrary& c = library;
  FROCKET_RETURN_IF_ERROR(so.Get("curl_easy_init", &c.easy_init));
  FROCKET_RETURN_IF_ERROR(so.Get("curl_easy_setopt", &c.easy_setopt));
  FROCKET_RETURN_IF_ERROR(so.Get("curl_easy_perform", &c.easy_perform));
  FROCKET_RETURN_IF_ERROR(so.Get("curl_easy_getinfo", &c.easy_getinfo));
  FROCKET_RETURN_IF_ERROR(so.Get("curl_easy_reset", &c.easy_reset));
  FROCKET_RETURN_IF_ERROR(so.Get("curl_easy_cleanup", &c.easy_cleanup));
  FROCKET_RETURN_IF_ERROR(so.Get("curl_easy_strerror", &c.easy_strerror));
  FROCKET_RETURN_IF_ERROR(so.Get("curl_slist_append", &c.slist_append));
  FROCKET_RETURN_IF_ERROR(so.Get("curl_slist_free_all", &c.slist_free_all));
  FROCKET_RETURN_IF_ERROR(so.Get("curl_multi_init", &c.multi_init));
  FROCKET_RETURN_IF_ERROR(so.Get("curl_multi_setopt", &c.multi_setopt));
  FROCKET_RETURN_IF_ERROR(so.Get("curl_multi_add_handle", &c.multi_add_handle));
  FROCKET_RETURN_IF_ERROR(so.Get("curl_multi_remove_handle", &c.multi_remove_handle));
  FROCKET_RETURN_IF_ERROR(so.Get("curl_multi_perform", &c.multi_perform));
  FROCKET_RETURN_IF_ERROR(so.Get("curl_multi_poll", &c.multi_poll));
  FROCKET_RETURN_IF_ERROR(so.Get("curl_multi_info_read", &c.multi_info_read));
  FROCKET_RETURN_IF_ERROR(so.Get("curl_multi_cleanup", &c.multi_cleanup));
  decltype(&curl_global_init) global_init = nullptr;
  FROCKET_RETURN_IF_ERROR(so.Get("curl_global_init", &global_init));
  const CURLcode init = global_init(CURL_GLOBAL_DEFAULT);
  if (init != CURLE_OK) {
    return Status::IOError("libcurl's global initialisation failed: " +
                           std::string(c.easy_strerror(init)));
  }
  return Status::OK();
}

}  // namespace

Result<const CurlLibrary*> LoadCurl() {
  static SharedLibrary so(kLibcurl);
  FROCKET_RETURN_IF_ERROR(so.Open(Bind));
  return &library;
}

const CurlLibrary& Curl() {
  return library;
}

}  // namespace frocket
