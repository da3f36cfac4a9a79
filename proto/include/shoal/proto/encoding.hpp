#pragma once
// Text encodings of binary data used across the wire formats: hex (info-hashes, peer ids in
// logs), RFC 4648 base32 (magnet `btih` of 32 characters) and URL percent-encoding (the raw 20-byte
// `info_hash` and `peer_id` in announce query strings, magnet parameters).
//
//   hex_encode("\x01\xff") == "01ff";  hex_decode("01FF") == "\x01\xff"
//   base32_decode("MFRGG===") == "abc" (padding optional on input; case-insensitive)
//   percent_decode("a%20b+c") == "a b c" with plus_as_space; percent_encode keeps RFC 3986
//   unreserved characters (A-Z a-z 0-9 - . _ ~) and escapes every other byte as %XX.
//
// Decoders return std::nullopt on any invalid input (odd hex length, non-alphabet characters,
// truncated or non-hex %-escapes, base64 outside its alphabet); they never throw.

#include <optional>
#include <string>
#include <string_view>

namespace shoal {

/// Lower-case hex of every byte.
std::string hex_encode(std::string_view bytes);
/// Accepts upper and lower case; nullopt on odd length or a non-hex character.
std::optional<std::string> hex_decode(std::string_view text);

/// RFC 4648 base32, upper case, with '=' padding when `pad` is true.
std::string base32_encode(std::string_view bytes, bool pad = true);
/// Case-insensitive; trailing '=' padding optional; nullopt on a character outside the alphabet,
/// an impossible length, or non-zero trailing bits.
std::optional<std::string> base32_decode(std::string_view text);

/// Escapes every byte outside RFC 3986's unreserved set as %XX (upper-case hex).
std::string percent_encode(std::string_view bytes);
/// Decodes %XX escapes; with `plus_as_space`, '+' becomes ' ' (form encoding, as in query strings
/// from browsers). nullopt on a malformed escape ("%4", "%zz").
std::optional<std::string> percent_decode(std::string_view text, bool plus_as_space = false);

/// ASCII case-insensitive equality (HTTP header names, tokens, media types); other bytes must
/// match exactly.
bool ascii_iequals(std::string_view a, std::string_view b) noexcept;

/// RFC 4648 base64 with padding (a .torrent inside JSON).
std::string base64_encode(std::string_view bytes);
/// RFC 4648 base64, padding optional, no whitespace; nullopt for anything else (a character
/// outside the alphabet, a lone trailing character).
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace shoal
