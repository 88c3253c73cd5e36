// Log: one-line messages on standard error (or FROCKET_LOG_FILE) at FROCKET_LOG_LEVEL
// (debug, info, warning, error; default info), like Funnel Rocket's "[Log INFO ...]" lines.
#pragma once

#include <string>

namespace frocket::log {

enum class Level { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

bool Enabled(Level level);
void Write(Level level, const std::string& component, const std::string& message);

inline void Debug(const std::string& component, const std::string& message) {
  if (Enabled(Level::kDebug)) Write(Level::kDebug, component, message);
}
inline void Info(const std::string& component, const std::string& message) {
  if (Enabled(Level::kInfo)) Write(Level::kInfo, component, message);
}
inline void Warning(const std::string& component, const std::string& message) {
  if (Enabled(Level::kWarning)) Write(Level::kWarning, component, message);
}
inline void Error(const std::string& component, const std::string& message) {
  if (Enabled(Level::kError)) Write(Level::kError, component, message);
}

}  // namespace frocket::log
