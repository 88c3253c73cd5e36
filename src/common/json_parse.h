// ParseJson: JSON text into a document without exceptions; malformed text (or a number too
// large for a double) is Invalid with nlohmann's description of where it breaks ("parse
// error at line 1, column 9: syntax error while parsing object key - ...").
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/status.h"

namespace frocket {

namespace internal {

// nlohmann's DOM builder, keeping the first error's description instead of throwing it.
template <typename Json>
class ErrorKeepingDomParser : public nlohmann::detail::json_sax_dom_parser<Json> {
 public:
  explicit ErrorKeepingDomParser(Json& out)
      : nlohmann::detail::json_sax_dom_parser<Json>(out, /*allow_exceptions=*/false) {}
  // Called by the parser in place of the base's (sax_parse is a template over this type).
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) {
    if (error.empty()) error = e.what();
    return false;
  }
  std::string error;
};

}  // namespace internal

template <typename Json = nlohmann::json>
Result<Json> ParseJson(std::string_view text) {
  Json out;
  internal::ErrorKeepingDomParser<Json> parser(out);
  const bool ok = Json::sax_parse(text, &parser, nlohmann::detail::input_format_t::json,
                                  /*strict=*/true);
  if (ok && parser.error.empty()) return out;
  std::string what = parser.error.empty() ? "malformed JSON" : parser.error;
  // "[json.exception.parse_error.101] parse error at ..." without its bracketed id.
  if (auto p = what.find("] "); what.starts_with("[json.exception") && p != std::string::npos) {
    what = what.substr(p + 2);
  }
  return Status::Invalid(what);
}

}  // namespace frocket
