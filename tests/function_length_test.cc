// No function in src/ runs past kMaxLines lines (the data tables listed below aside): a
// function that long holds several concepts, and is split into functions that each hold one.
// Functions are found as clang-format lays them out: a signature starting at column 0, its
// body closed by a '}' at column 0.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

namespace {

constexpr size_t kMaxLines = 80;

// Tables of data rather than logic.
const std::set<std::string> kDataTables = {
    "const std::vector<ConfigVariable>& Config::Variables() {",
};

bool StartsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

std::string TrimRight(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

bool MayStartFunction(const std::string& line) {
  if (line.empty() || line[0] == ' ' || line.find('(') == std::string::npos) return false;
  for (const char* p : {"namespace", "struct", "class", "enum", "union", "extern", "}", "#", "//",
                        "template", "using", "static_assert"}) {
    if (StartsWith(line, p)) return false;
  }
  return line.substr(0, line.find('(')).find('=') == std::string::npos;
}

// "file:line: N lines: signature" for each function longer than kMaxLines.
std::vector<std::string> LongFunctions(const std::filesystem::path& file) {
  std::vector<std::string> lines;
  std::ifstream in(file);
  for (std::string l; std::getline(in, l);) lines.push_back(TrimRight(l));
  std::vector<std::string> found;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!MayStartFunction(lines[i])) continue;
    size_t j = i;
    while (j < lines.size() && !lines[j].ends_with('{') && !lines[j].ends_with(';')) ++j;
    if (j == lines.size() || lines[j].ends_with(';')) {
      i = j;
      continue;
    }
    size_t k = j + 1;
    while (k < lines.size() && !StartsWith(lines[k], "}")) ++k;
    const size_t length = k - i + 1;
    if (length > kMaxLines && kDataTables.count(lines[i]) == 0) {
      found.push_back(file.string() + ":" + std::to_string(i + 1) + ": " +
                      std::to_string(length) + " lines: " + lines[i]);
    }
    i = k;
  }
  return found;
}

TEST(Structure, NoFunctionRunsPastTheLimit) {
  const std::filesystem::path src = FROCKET_SOURCE_DIR "/src";
  ASSERT_TRUE(std::filesystem::is_directory(src)) << src;
  std::vector<std::string> long_functions;
  size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(src)) {
    const auto ext = entry.path().extension();
    if (ext != ".cc" && ext != ".h") continue;
    ++files;
    for (auto& f : LongFunctions(entry.path())) long_functions.push_back(std::move(f));
  }
  EXPECT_GT(files, 100u);
  std::string all;
  for (const auto& f : long_functions) all += "\n  " + f;
  EXPECT_TRUE(long_functions.empty()) << "functions longer than " << kMaxLines << " lines:" << all;
}

// The check itself finds a long function, and passes a short one and a data table.
TEST(Structure, TheCheckFindsALongFunction) {
  const auto dir = std::filesystem::temp_directory_path() / "frocket-structure-test";
  std::filesystem::create_directories(dir);
  const auto file = dir / "long.cc";
  {
    std::ofstream out(file);
    out << "int Short(int x) {\n  return x;\n}\n\nint Long(int x,\n         int y) {\n";
    for (size_t i = 0; i < kMaxLines; ++i) out << "  x += y;\n";
    out << "  return x;\n}\n";
  }
  auto found = LongFunctions(file);
  std::filesystem::remove_all(dir);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0].find("int Long(int x,"), std::string::npos) << found[0];
}

}  // namespace
