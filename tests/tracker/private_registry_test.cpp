// PrivateRegistry: passkey and torrent lookups, hybrid torrents mapping to one swarm, and the
// passkey found in tracker URLs.
#include "shoal/tracker/private_registry.hpp"

#include <gtest/gtest.h>

#include <thread>

using namespace shoal;
using namespace shoal::tracker;

namespace {

const std::string kAlice(32, 'a');
const std::string kBob(32, 'b');

RegistryData sample() {
  RegistryData d;
  d.users.push_back({1, kAlice, true});
  d.users.push_back({2, kBob, false});
  RegistryData::Torrent v1only{10, sha1("v1-only"), std::nullopt, false, false};
  RegistryData::Torrent hybrid{11, sha1("hybrid"), sha256("hybrid"), true, false};
  RegistryData::Torrent v2only{12, std::nullopt, sha256("v2-only"), false, true};
  d.torrents = {v1only, hybrid, v2only};
  return d;
}

}  // namespace

TEST(PrivateRegistry, EmptyUntilReplaced) {
  PrivateRegistry r;
  auto snap = r.snapshot();
  EXPECT_EQ(snap->user(kAlice), nullptr);
  EXPECT_EQ(snap->torrent(sha1("v1-only")), nullptr);
  EXPECT_EQ(snap->user_count(), 0u);
}

TEST(PrivateRegistry, FindsUsersByPasskey) {
  PrivateRegistry r;
  r.replace(sample());
  auto snap = r.snapshot();
  ASSERT_NE(snap->user(kAlice), nullptr);
  EXPECT_EQ(snap->user(kAlice)->id, 1);
  EXPECT_TRUE(snap->user(kAlice)->enabled);
  ASSERT_NE(snap->user(kBob), nullptr);
  EXPECT_FALSE(snap->user(kBob)->enabled);
  EXPECT_EQ(snap->user(std::string(32, 'c')), nullptr);
  EXPECT_EQ(snap->user(""), nullptr);
  EXPECT_EQ(snap->user(kAlice.substr(1)), nullptr);
  EXPECT_EQ(snap->user_count(), 2u);
}

TEST(PrivateRegistry, HybridTorrentHashesShareOneSwarm) {
  PrivateRegistry r;
  r.replace(sample());
  auto snap = r.snapshot();
  EXPECT_EQ(snap->torrent_count(), 3u);

  const RegisteredTorrent* by_v1 = snap->torrent(sha1("hybrid"));
  const RegisteredTorrent* by_v2 = snap->torrent(truncated_v2(sha256("hybrid")));
  ASSERT_NE(by_v1, nullptr);
  ASSERT_NE(by_v2, nullptr);
  EXPECT_EQ(by_v1->id, 11);
  EXPECT_EQ(by_v2->id, 11);
  EXPECT_EQ(by_v1->swarm_key, sha1("hybrid"));
  EXPECT_EQ(by_v2->swarm_key, sha1("hybrid"));
  EXPECT_TRUE(by_v2->freeleech);

  const RegisteredTorrent* v2 = snap->torrent(truncated_v2(sha256("v2-only")));
  ASSERT_NE(v2, nullptr);
  EXPECT_EQ(v2->swarm_key, truncated_v2(sha256("v2-only")));
  EXPECT_TRUE(v2->neutral);

  EXPECT_EQ(snap->torrent(sha1("unknown")), nullptr);

  std::vector<Sha1Digest> keys;
  snap->for_each_swarm_key([&](const Sha1Digest& k) { keys.push_back(k); });
  EXPECT_EQ(keys.size(), 3u);  // the hybrid once
}

TEST(PrivateRegistry, TruncatedV2IsTheFirstTwentyBytes) {
  const auto full = sha256("x");
  const auto t = truncated_v2(full);
  EXPECT_EQ(t.hex(), full.hex().substr(0, 40));
}

TEST(PrivateRegistry, ConflictingIdKeepsTheFirstTorrent) {
  RegistryData d;
  d.torrents.push_back({1, sha1("a"), std::nullopt, false, false});
  d.torrents.push_back({2, sha1("a"), std::nullopt, true, true});
  d.torrents.push_back({3, std::nullopt, std::nullopt, false, false});  // no hash: skipped
  PrivateRegistry r;
  r.replace(d);
  auto snap = r.snapshot();
  ASSERT_NE(snap->torrent(sha1("a")), nullptr);
  EXPECT_EQ(snap->torrent(sha1("a"))->id, 1);
  EXPECT_EQ(snap->torrent_count(), 1u);
}

TEST(PrivateRegistry, ReplaceDoesNotDisturbAHeldSnapshot) {
  PrivateRegistry r;
  r.replace(sample());
  auto old_snap = r.snapshot();
  r.replace(RegistryData{});
  EXPECT_NE(old_snap->user(kAlice), nullptr);  // still valid and unchanged
  EXPECT_EQ(r.snapshot()->user(kAlice), nullptr);
}

TEST(PrivateRegistry, ConcurrentReadersAndReplacements) {
  PrivateRegistry r;
  r.replace(sample());
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::thread reader([&] {
    while (!stop) {
      auto snap = r.snapshot();
      const auto* u = snap->user(kAlice);
      if (u && u->id != 1) ++bad;
    }
  });
  for (int i = 0; i < 2000; ++i) r.replace(i % 2 ? sample() : RegistryData{});
  stop = true;
  reader.join();
  EXPECT_EQ(bad, 0);
}

TEST(PasskeyFromUrl, PathAndQueryForms) {
  EXPECT_EQ(passkey_from_url("/announce/" + kAlice), kAlice);
  EXPECT_EQ(passkey_from_url("/announce/" + kAlice + "?info_hash=x"), kAlice);
  EXPECT_EQ(passkey_from_url("/scrape/" + kAlice), kAlice);
  EXPECT_EQ(passkey_from_url("/announce?passkey=" + kAlice), kAlice);
  EXPECT_EQ(passkey_from_url("/announce?a=1&passkey=" + kAlice + "&b=2"), kAlice);
  EXPECT_EQ(passkey_from_url("?passkey=" + kAlice), kAlice);
  EXPECT_EQ(passkey_from_url("/announce"), "");
  EXPECT_EQ(passkey_from_url("/announce/"), "");
  EXPECT_EQ(passkey_from_url(""), "");
  EXPECT_EQ(passkey_from_url("/announce/a/b"), "");
  EXPECT_EQ(passkey_from_url("/other/" + kAlice), "");
}
