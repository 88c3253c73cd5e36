// The little XML that S3 answers with — ListObjectsV2 results and error documents — read
// without a general XML parser: S3's documents are flat, machine-written and small, so
// finding elements by tag name and decoding entities is enough. Untrusted input: every
// search is bounded by the document, and malformed documents give empty results, not
// crashes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace frocket::s3xml {

// The contents of every <tag>...</tag> in `xml`, in document order (elements of the same name
// are not expected to nest). A self-closing <tag/> gives "".
std::vector<std::string_view> Elements(std::string_view xml, std::string_view tag);
// The first element's decoded text, or "" when there is none.
std::string Text(std::string_view xml, std::string_view tag);
// Decodes the five XML entities and numeric character references (&#NN; &#xNN;).
std::string Decode(std::string_view text);

}  // namespace frocket::s3xml
