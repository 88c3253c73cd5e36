// Text helpers shared by every layer that writes JSON or prints bytes: UTF-8 validation,
// JSON string escaping, base64, and shortest round-trip number formatting.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace frocket::text {

// Whether `s` is well-formed UTF-8 (no overlong forms, surrogates or code points beyond
// U+10FFFF).
bool IsValidUtf8(std::string_view s);

// `s` with control bytes and bytes >= 0x80 written as \xNN: bytes of unknown encoding made
// printable (and valid UTF-8) for a message.
std::string Escaped(std::string_view s);

// Appends `s` as a quoted JSON string. REQUIRES: IsValidUtf8(s).
void AppendJsonString(std::string* out, std::string_view s);

// Standard base64 with padding.
std::string Base64Encode(std::string_view bytes);

// Appends the shortest decimal digits that read back as exactly `v`, written as Python's
// repr() writes floats (Funnel Rocket's keys): "2.0", "-0.0", "0.0001", "1e-05", "1e+16".
// REQUIRES: v is finite.
void AppendDouble(std::string* out, double v);

// v with exactly `decimals` digits after the point ("1.25" for 1.2468 and 2), for messages.
std::string Fixed(double v, int decimals);

// The value of an HTTP header line ("Name: value\r\n") if its name is `lowercase_name`
// (compared without case), trimmed of surrounding whitespace; nullopt otherwise.
std::optional<std::string> HeaderValue(std::string_view line, std::string_view lowercase_name);

}  // namespace frocket::text
