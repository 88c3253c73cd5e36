// Every file in ../shared/testdata/parquet/malformed must be rejected by `frocket parquet cat`
// with a non-zero exit and an error that names the file and says what is wrong — never a
// crash, a hang, or output presented as a successful read.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "support/subprocess.h"

namespace frocket::testing {
namespace {

namespace fs = std::filesystem;

// What each error must mention, from the corpus' own description of the file's problem
// (README "Malformed files"). Quoted column names are the column the problem is in.
const std::map<std::string, std::vector<std::string>>& ExpectedMentions() {
  static const std::map<std::string, std::vector<std::string>> kMentions = {
      // Column chunks inconsistent with the schema: the footer lacks required metadata.
      {"ARROW-GH-41317.parquet", {"row_groups[1].columns[2]", "required field"}},
      {"ARROW-GH-41321.parquet", {"'list_boolean'", "nested"}},
      {"ARROW-GH-45185.parquet", {"'x'", "nested"}},
      // REQUIRED FLBA(4) column with fewer than 4*num_values value bytes.
      {"ARROW-GH-47662.parquet", {"'flba_field'", "400 bytes", "364"}},
      // Dictionary page header of "name" is garbage; its chunk range does not fit the file.
      {"ARROW-RS-GH-6229-DICTHEADER.parquet", {"'name'"}},
      {"ARROW-RS-GH-6229-LEVELS.parquet", {"'outer'", "nested"}},
      {"PARQUET-1481.parquet", {"'Handle'", "physical type -7"}},
      {"datapage_v1-corrupt-checksum.parquet", {"'a'", "checksum mismatch"}},
      // total_compressed_size 15 bytes too small: the last page runs past the chunk.
      {"nation.dict-malformed.parquet", {"'name'", "remain in the column chunk"}},
      {"rle-dict-uncompressed-corrupt-checksum.parquet", {"'long_field'", "checksum mismatch"}},
      {"synthetic_bad_leading_magic.parquet", {"does not start with the PAR1 magic"}},
      {"synthetic_bad_trailing_magic.parquet", {"PARE", "encrypted"}},
      {"synthetic_corrupt_snappy_page.parquet", {"'id'", "SNAPPY"}},
      {"synthetic_dictionary_index_out_of_range.parquet",
       {"'event_type'", "dictionary index", "out of range", "2 entries"}},
      {"synthetic_empty_file.parquet", {"0 bytes is too small"}},
      {"synthetic_footer_garbage.parquet", {"footer (FileMetaData)"}},
      {"synthetic_footer_length_too_large.parquet", {"footer length 1525", "1425 bytes"}},
      {"synthetic_footer_length_zero.parquet", {"footer length is 0"}},
      {"synthetic_page_header_stop_byte.parquet", {"'id'", "page header", "required field"}},
      {"synthetic_truncated_half.parquet", {"does not end with the PAR1 magic"}},
      {"synthetic_truncated_last_byte.parquet", {"does not end with the PAR1 magic"}},
  };
  return kMentions;
}

std::vector<std::string> MalformedFiles() {
  std::vector<std::string> files;
  fs::path dir = fs::path(TestDataDir()) / "parquet" / "malformed";
  if (!fs::exists(dir)) return files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".parquet") files.push_back(e.path().filename().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

class MalformedFileTest : public ::testing::TestWithParam<std::string> {};

TEST_P(MalformedFileTest, IsRejectedWithAClearError) {
  const fs::path path = fs::path(TestDataDir()) / "parquet" / "malformed" / GetParam();
  {
    std::ifstream in(fs::path(path).replace_extension(".expected.json"));
    auto expected = nlohmann::json::parse(in);
    ASSERT_TRUE(expected["malformed"].get<bool>());
  }
  for (const char* command : {"cat", "schema"}) {
    ProcessResult r = RunProcess({FrocketBinary(), "parquet", command, path.string()}, 30);
    ASSERT_TRUE(r.exited()) << "killed by signal " << r.term_signal << ": " << r.err;
    if (std::string(command) == "schema" && r.exit_code == 0) {
      // Problems inside pages are only found by reading them; the footer may be fine.
      continue;
    }
    EXPECT_EQ(r.exit_code, 1) << command << " stderr: " << r.err;
    if (std::string(command) == "cat") {
      EXPECT_EQ(r.out, "") << "no rows of a rejected file";
    }
    EXPECT_NE(r.err.find("frocket: error: "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(GetParam()), std::string::npos) << "error must name the file: " << r.err;
    if (std::string(command) == "cat") {
      auto it = ExpectedMentions().find(GetParam());
      ASSERT_NE(it, ExpectedMentions().end()) << "no expectation written for " << GetParam();
      for (const auto& mention : it->second) {
        EXPECT_NE(r.err.find(mention), std::string::npos)
            << "error should mention \"" << mention << "\": " << r.err;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Parquet, MalformedFileTest, ::testing::ValuesIn(MalformedFiles()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace frocket::testing
