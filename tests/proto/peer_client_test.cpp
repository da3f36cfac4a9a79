// client_name: the client behind a peer id, for the monitor's peer list.
#include <gtest/gtest.h>

#include <string>

#include "shoal/proto/peer_client.hpp"

using shoal::client_name;

TEST(PeerClient, AzureusStyleKnownClients) {
  EXPECT_EQ(client_name("-qB4620-abcdefghijkl"), "qBittorrent 4.6.2");
  EXPECT_EQ(client_name("-TR4050-abcdefghijkl"), "Transmission 4.0.5");
  EXPECT_EQ(client_name("-LT2080-abcdefghijkl"), "libtorrent 2.0.8");   // rasterbar
  EXPECT_EQ(client_name("-lt0D80-abcdefghijkl"), "rTorrent 0.13.8");    // letters: 10 and up
  EXPECT_EQ(client_name("-UT355W-abcdefghijkl"), "µTorrent 3.5.5.32");
  EXPECT_EQ(client_name("-DE13F0-abcdefghijkl"), "Deluge 1.3.15");
  EXPECT_EQ(client_name("-TR3000-abcdefghijkl"), "Transmission 3.0.0");  // one trailing 0 dropped
}

TEST(PeerClient, UnknownCodesKeepTheCodeAndVersion) {
  EXPECT_EQ(client_name("-ZZ1234-abcdefghijkl"), "ZZ 1.2.3.4");
}

TEST(PeerClient, OtherConventions) {
  EXPECT_EQ(client_name("M4-3-6--abcdefghijkl"), "BitTorrent 4.3.6");
  EXPECT_EQ(client_name("A2-1-36-0-abcdefghij"), "aria2 1.36.0");
}

TEST(PeerClient, NothingRecognisedIsEmptyAndShortInputIsSafe) {
  EXPECT_EQ(client_name(std::string(20, '\xff')), "");
  EXPECT_EQ(client_name(std::string("\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 20)), "");
  EXPECT_EQ(client_name("-qB4"), "");          // too short for the Azureus form
  EXPECT_EQ(client_name("-q!4620-abcdefghijkl"), "");
  EXPECT_EQ(client_name("-qB46\x01" "0-abcdefghijkl"), "");  // a version byte that is not alnum
  EXPECT_EQ(client_name(""), "");
  EXPECT_EQ(client_name("A2-"), "aria2");
}
