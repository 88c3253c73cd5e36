#include "common/log.h"

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <mutex>

#include "common/config.h"

namespace frocket::log {

namespace {

struct Sink {
  Level level = Level::kInfo;
  FILE* out = stderr;
  bool terminal = false;
  std::mutex mutex;

  Sink() {
    std::string name = Config::Get("FROCKET_LOG_LEVEL");
    if (name == "debug") level = Level::kDebug;
    if (name == "warning" || name == "warn") level = Level::kWarning;
    if (name == "error" || name == "critical") level = Level::kError;
    std::string file = Config::Get("FROCKET_LOG_FILE");
    if (!file.empty()) {
      if (FILE* f = std::fopen(file.c_str(), "a")) out = f;
    }
    terminal = out == stderr && ::isatty(STDERR_FILENO);
  }
};

Sink& TheSink() {
  static Sink sink;
  return sink;
}

const char* Name(Level level) {
  switch (level) {
    case Level::kDebug:
      return "DEBUG";
    case Level::kInfo:
      return "INFO";
    case Level::kWarning:
      return "WARNING";
    case Level::kError:
      return "ERROR";
  }
  return "?";
}

}  // namespace

bool Enabled(Level level) {
  return level >= TheSink().level;
}

void Write(Level level, const std::string& component, const std::string& message) {
  Sink& sink = TheSink();
  std::time_t now = std::time(nullptr);
  std::tm utc;
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &utc);
  std::lock_guard<std::mutex> lock(sink.mutex);
  // On a terminal, a progress bar may be drawn on the current line (without a newline): the
  // line is cleared first, so that a log line never shares it (the bar is drawn again).
  if (sink.terminal) std::fputs("\r\033[K", sink.out);
  std::fprintf(sink.out, "[Log %s %s %s] %s\n", stamp, Name(level), component.c_str(),
               message.c_str());
  std::fflush(sink.out);
}

}  // namespace frocket::log
