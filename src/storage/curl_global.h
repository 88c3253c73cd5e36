// libcurl's global initialisation, done once per process before the first handle, whichever
// client (S3, Lambda, the Lambda Runtime API) creates it first and from whatever thread.
#pragma once

namespace frocket {

void InitCurlOnce();

}  // namespace frocket
