#pragma once
// Small pieces of the HTTP wire format, kept apart from the transport so they
// can be read (and tested) on their own: URL decoding, gzip, entity tags and
// byte ranges.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "server_params.hpp"

namespace studysearch::app {

/// %XX sequences decoded (invalid ones kept as they are); '+' becomes a space
/// only when `plus_is_space` (query strings, not paths).
std::string percent_decode(std::string_view text, bool plus_is_space);

/// "a=1&b=x+y&a=2" -> {a:1, a:2, b:"x y"}; a key without '=' has an empty value.
QueryParams parse_query(std::string_view query);

/// Whether an Accept-Encoding header value allows gzip (a "gzip;q=0" refuses it).
bool accepts_gzip(std::string_view accept_encoding);

/// `data` as a gzip member (fast level: JSON shrinks well even then, and CPU is
/// what the server is short of). nullopt when zlib fails.
std::optional<std::string> gzip(std::string_view data);

/// A strong entity tag for `body`: a quoted 64-bit FNV-1a hash in hex.
std::string entity_tag(std::string_view body);

/// Whether an If-None-Match value names `tag` (or is "*").
bool etag_matches(std::string_view if_none_match, std::string_view tag);

struct ByteRange {
  std::size_t first = 0, last = 0;  ///< inclusive
};

/// The one range of a `Range: bytes=...` value over a body of `size` bytes.
/// nullopt = ignore the header (absent, not bytes, several ranges, malformed):
/// serve the whole body. A single range that starts past the end gives
/// {size, size} (answer 416).
std::optional<ByteRange> single_range(std::string_view header, std::size_t size);

}  // namespace studysearch::app
