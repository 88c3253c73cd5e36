// libcurl's functions, from the library opened on first use (SharedLibrary) and globally
// initialised then — once per process, whichever client (S3, Lambda, the Lambda Runtime API)
// needs it first, from whatever thread.
#pragma once

#include <curl/curl.h>

#include "common/status.h"

namespace frocket {

struct CurlLibrary {
  decltype(&curl_easy_init) easy_init;
  decltype(&curl_easy_setopt) easy_setopt;
  decltype(&curl_easy_perform) easy_perform;
  decltype(&curl_easy_getinfo) easy_getinfo;
  decltype(&curl_easy_reset) easy_reset;
  decltype(&curl_easy_cleanup) easy_cleanup;
  decltype(&curl_easy_strerror) easy_strerror;
  decltype(&curl_slist_append) slist_append;
  decltype(&curl_slist_free_all) slist_free_all;
  decltype(&curl_multi_init) multi_init;
  decltype(&curl_multi_setopt) multi_setopt;
  decltype(&curl_multi_add_handle) multi_add_handle;
  decltype(&curl_multi_remove_handle) multi_remove_handle;
  decltype(&curl_multi_perform) multi_perform;
  decltype(&curl_multi_poll) multi_poll;
  decltype(&curl_multi_info_read) multi_info_read;
  decltype(&curl_multi_cleanup) multi_cleanup;
};

// The library, loaded and initialised; an error if it cannot be (naming what failed).
Result<const CurlLibrary*> LoadCurl();
// The library loaded before. REQUIRES: LoadCurl() succeeded — as it has wherever a curl handle
// exists.
const CurlLibrary& Curl();

}  // namespace frocket
