#include "support/frocket_cli.h"

namespace frocket::testing {

std::string Abbrev(const std::string& s, size_t max) {
  return s.size() <= max ? s : s.substr(0, max) + "...[" + std::to_string(s.size()) + " bytes]";
}

std::string FrocketRun::Describe() const {
  std::string cmd = "frocket";
  for (const auto& a : args) cmd += " '" + a + "'";
  return cmd + "\n  exit " + std::to_string(result.exit_code) +
         (result.term_signal ? " signal " + std::to_string(result.term_signal) : "") +
         "\n  stdout: " + Abbrev(result.out) + "\n  stderr: " + Abbrev(result.err);
}

FrocketRun RunFrocket(const std::vector<std::string>& args, const Environment& env,
                      int timeout_seconds) {
  FrocketRun run;
  run.args = args;
  std::vector<std::string> argv = {FrocketBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  run.result = RunProcess(argv, timeout_seconds, env);
  nlohmann::json j = nlohmann::json::parse(run.result.out, nullptr, /*allow_exceptions=*/false);
  if (!j.is_discarded()) run.out = std::move(j);
  return run;
}

bool Mentions(const std::string& text, const std::string& mention) {
  size_t start = 0;
  while (true) {
    size_t bar = mention.find('|', start);
    std::string alt = mention.substr(start, bar == std::string::npos ? bar : bar - start);
    if (text.find(alt) != std::string::npos) return true;
    if (bar == std::string::npos) return false;
    start = bar + 1;
  }
}

}  // namespace frocket::testing
