#include "cluster/injected_fault.h"

#include <charconv>
#include <optional>
#include <string_view>

namespace frocket::cluster {

namespace {

// A non-negative decimal integer, all of the text; nullopt otherwise.
std::optional<int> ParseCount(std::string_view text) {
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < 0) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

Result<std::vector<InjectedFault>> ParseInjectedFaults(const std::string& spec) {
  std::vector<InjectedFault> faults;
  size_t start = 0;
  while (start < spec.size()) {
    size_t end = spec.find(';', start);
    if (end == std::string::npos) end = spec.size();
    const std::string entry = spec.substr(start, end - start);
    start = end + 1;
    if (entry.empty()) continue;
    const size_t at = entry.find('@');
    const size_t colon = entry.find(':', at == std::string::npos ? 0 : at);
    auto bad = [&] {
      return Status::Invalid("FROCKET_WORKER_FAULT_INJECTION: '" + entry +
                             "': expected PART_SUBSTRING@ATTEMPT:fail, "
                             "PART_SUBSTRING@ATTEMPT:kill or PART_SUBSTRING@ATTEMPT:sleep=MS");
    };
    if (at == std::string::npos || colon == std::string::npos || at == 0) return bad();
    InjectedFault f;
    f.part_substring = entry.substr(0, at);
    auto attempt = ParseCount(std::string_view(entry).substr(at + 1, colon - at - 1));
    if (!attempt) return bad();
    f.attempt = *attempt;
    const std::string action = entry.substr(colon + 1);
    if (action == "fail") {
      f.fail = true;
    } else if (action == "kill") {
      f.kill = true;
    } else if (action.rfind("sleep=", 0) == 0) {
      auto ms = ParseCount(std::string_view(action).substr(6));
      if (!ms) return bad();
      f.sleep_ms = *ms;
    } else {
      return bad();
    }
    faults.push_back(f);
  }
  return faults;
}

const InjectedFault* FindFault(const std::vector<InjectedFault>& faults,
                               const std::string& part_path, int attempt) {
  for (const InjectedFault& f : faults) {
    if (f.attempt == attempt && part_path.find(f.part_substring) != std::string::npos) return &f;
  }
  return nullptr;
}

}  // namespace frocket::cluster
