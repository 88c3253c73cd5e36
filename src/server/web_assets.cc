#include "server/web_assets.h"

namespace frocket::server {

// Defined in the generated source (embed_web_assets.cmake).
extern const WebAsset kWebAssets[];
extern const size_t kWebAssetCount;

const WebAsset* FindWebAsset(std::string_view name) {
  for (size_t i = 0; i < kWebAssetCount; ++i) {
    if (kWebAssets[i].name == name) return &kWebAssets[i];
  }
  return nullptr;
}

size_t WebAssetBytes() {
  size_t total = 0;
  for (size_t i = 0; i < kWebAssetCount; ++i) total += kWebAssets[i].bytes.size();
  return total;
}

}  // namespace frocket::server
