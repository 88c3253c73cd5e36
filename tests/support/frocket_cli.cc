#include "support/frocket_cli.h"

#include <gtest/gtest.h>

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

void ExpectFailed(const FrocketRun& r, const std::vector<std::string>& mentions) {
  SCOPED_TRACE(r.Describe());
  EXPECT_TRUE(r.result.exited());
  EXPECT_EQ(r.result.exit_code, 1);
  ASSERT_TRUE(r.out && r.out->is_object());
  EXPECT_FALSE(r.out->value("success", true));
  EXPECT_TRUE(r.out->value("query", nlohmann::json()).is_null());
  const std::string message = r.out->value("errorMessage", "");
  ::testing::Test::RecordProperty("errorMessage", message);
  for (const std::string& m : mentions) {
    EXPECT_TRUE(Mentions(message, m)) << "the error should mention " << m;
  }
}

}  // namespace frocket::testing
