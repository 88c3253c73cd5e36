// The web UI's files — src/server/web, and Chart.js from Debian's libjs-chart.js — built into
// the binary (src/server/embed_web_assets.cmake): `frocket serve` answers them at / and /ui/
// with no directory beside the binary.
#pragma once

#include <cstddef>
#include <string_view>

namespace frocket::server {

struct WebAsset {
  std::string_view name;  // "app.js", as in /ui/app.js
  std::string_view content_type;
  std::string_view bytes;
};

// The file of that name; nullptr for none.
const WebAsset* FindWebAsset(std::string_view name);

// The bytes of all the files together.
size_t WebAssetBytes();

}  // namespace frocket::server
