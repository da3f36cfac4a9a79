#pragma once
// peer_client: the BitTorrent client a peer id names, for humans ("qBittorrent 4.6.2").
//
// Peer ids follow conventions, not a standard: Azureus style "-XXvvvv-" (two letters for the
// client, four version characters: digits, or letters for 10+), Shadow style "Xvvv--" (one letter,
// version characters, dashes), and a few of their own (Mainline "M4-3-6--", aria2 "A2-1-36-0-").
//
//   client_name(peer_id_bytes) == "Transmission 4.0.5"     // "-TR4050-…"
//   client_name("-ZZ1234-…") == "ZZ 1.2.3.4"               // unknown code: the code and version
//   client_name(random bytes) == ""                        // no convention recognised
//
// Pure function over the 20 raw bytes (fewer are accepted; nothing is read past the end).

#include <string>
#include <string_view>

namespace shoal {

std::string client_name(std::string_view peer_id);

}  // namespace shoal
