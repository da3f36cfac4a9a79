// TrackerService: the protocol logic, driven with real encoded requests (the codecs' encoders play
// the client) and decoded responses.
#include "shoal/tracker/tracker_service.hpp"

#include <gtest/gtest.h>

#include "shoal/proto/bencode.hpp"
#include "shoal/proto/http_tracker.hpp"
#include "shoal/proto/udp_tracker.hpp"

using namespace shoal;
using namespace shoal::tracker;

namespace {

constexpr std::uint32_t kNow = 1'700'000'000;

struct Fixture {
  explicit Fixture(TrackerMode mode = TrackerMode::public_mode)
      : access(mode), ids(120, 60), service(settings, store, access, stats, ids) {}
  TrackerSettings settings;
  SwarmStore store{SwarmStore::Options{}};
  AccessList access;
  TrackerStats stats;
  ConnectionIds ids;
  TrackerService service;
  TrackerService::Scratch scratch;
};

shoal::AnnounceRequest http_request(const Sha1Digest& ih, std::uint16_t port, std::int64_t left) {
  shoal::AnnounceRequest r;
  r.info_hash = ih;
  r.peer_id = *PeerId::from_bytes("-LT2080-abcdefghijkl");
  r.port = port;
  r.left = left;
  return r;
}

shoal::AnnounceResponse http_announce(Fixture& f, const shoal::AnnounceRequest& r, const char* ip) {
  std::string body;
  f.service.http_announce(encode_announce_query(r), *IpAddress::parse(ip), kNow, f.scratch, body);
  auto decoded = decode_announce_response(body);
  EXPECT_TRUE(decoded) << body;
  // Our responses must also be canonical bencode.
  EXPECT_TRUE(bencode::decode(body)) << body;
  return decoded ? *decoded : shoal::AnnounceResponse{};
}

}  // namespace

TEST(TrackerServiceHttp, AnnounceRegistersAndReturnsOtherPeers) {
  Fixture f;
  const auto ih = sha1("t1");
  auto r1 = http_announce(f, http_request(ih, 6881, 0), "10.0.0.1");
  EXPECT_FALSE(r1.failure_reason);
  EXPECT_EQ(r1.complete, 1);
  EXPECT_EQ(r1.incomplete, 0);
  EXPECT_TRUE(r1.peers.empty());
  auto r2 = http_announce(f, http_request(ih, 6882, 1000), "10.0.0.2");
  EXPECT_EQ(r2.complete, 1);
  EXPECT_EQ(r2.incomplete, 1);
  ASSERT_EQ(r2.peers.size(), 1u);
  EXPECT_EQ(r2.peers[0].endpoint, *PeerEndpoint::parse("10.0.0.1:6881"));
  EXPECT_EQ(r2.min_interval, 300);
  // interval within ±10% of 1800
  EXPECT_GE(r2.interval, 1620);
  EXPECT_LE(r2.interval, 1980);
  EXPECT_EQ(f.stats.total(Protocol::http, Event::announce), 2u);
}

TEST(TrackerServiceHttp, AnnouncedIpParametersAreIgnored) {
  Fixture f;
  const auto ih = sha1("t1");
  auto req = http_request(ih, 6881, 5);
  req.ip = AddressWithPort::parse("203.0.113.9");
  req.ipv4 = AddressWithPort::parse("203.0.113.10");
  http_announce(f, req, "10.0.0.1");
  auto r = http_announce(f, http_request(ih, 7000, 5), "10.0.0.2");
  ASSERT_EQ(r.peers.size(), 1u);
  EXPECT_EQ(r.peers[0].endpoint.address, *IpAddress::parse("10.0.0.1"));
}

TEST(TrackerServiceHttp, V4MappedClientIsRecordedAsIpv4) {
  Fixture f;
  const auto ih = sha1("t1");
  http_announce(f, http_request(ih, 6881, 5), "::ffff:10.0.0.1");
  auto r = http_announce(f, http_request(ih, 7000, 5), "10.0.0.2");
  ASSERT_EQ(r.peers.size(), 1u);
  EXPECT_TRUE(r.peers[0].endpoint.is_v4());
}

TEST(TrackerServiceHttp, NumwantIsClampedAndDictFormWorks) {
  Fixture f;
  f.settings.numwant_max = 3;
  const auto ih = sha1("t1");
  for (std::uint16_t i = 1; i <= 10; ++i) http_announce(f, http_request(ih, i, 0), "10.0.0.1");
  auto req = http_request(ih, 999, 100);
  req.numwant = 1000;
  EXPECT_EQ(http_announce(f, req, "10.0.0.9").peers.size(), 3u);
  req.numwant = 0;
  EXPECT_EQ(http_announce(f, req, "10.0.0.9").peers.size(), 0u);
  req.numwant = std::nullopt;  // default 50, clamped by max 3
  req.compact = false;
  auto r = http_announce(f, req, "10.0.0.9");
  EXPECT_EQ(r.peers.size(), 3u);
  for (auto& p : r.peers) EXPECT_FALSE(p.peer_id);
}

TEST(TrackerServiceHttp, MalformedAndRefusedGetFailureReasons) {
  Fixture f(TrackerMode::listed);
  std::string body;
  f.service.http_announce("info_hash=short&port=1", *IpAddress::parse("10.0.0.1"), kNow, f.scratch, body);
  auto r = decode_announce_response(body);
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->failure_reason);
  EXPECT_NE(r->failure_reason->find("info_hash"), std::string::npos) << *r->failure_reason;
  EXPECT_EQ(f.stats.total(Protocol::http, Event::invalid), 1u);

  const auto ih = sha1("unlisted");
  auto refused = http_announce(f, http_request(ih, 1, 0), "10.0.0.1");
  EXPECT_EQ(refused.failure_reason, std::string(AccessList::kUnlistedReason));
  EXPECT_EQ(f.store.scrape(ih), (SwarmCounts{}));  // nothing recorded
  f.access.replace({ih}, {});
  EXPECT_FALSE(http_announce(f, http_request(ih, 1, 0), "10.0.0.1").failure_reason);
}

TEST(TrackerServiceHttp, ScrapeReportsCountsAndRespectsFullScrapeSetting) {
  Fixture f;
  const auto a = sha1("a"), b = sha1("b");
  http_announce(f, http_request(a, 1, 0), "10.0.0.1");
  auto done = http_request(a, 2, 0);
  done.event = AnnounceEvent::completed;
  http_announce(f, done, "10.0.0.2");
  http_announce(f, http_request(b, 1, 10), "10.0.0.1");

  std::string body;
  f.service.http_scrape(encode_scrape_query({{a, b, sha1("none")}, std::nullopt}), kNow, f.scratch, body);
  auto r = decode_scrape_response(body);
  ASSERT_TRUE(r) << body;
  ASSERT_EQ(r->files.size(), 3u);
  EXPECT_EQ(r->files[a].complete, 2);
  EXPECT_EQ(r->files[a].downloaded, 1);
  EXPECT_EQ(r->files[b].incomplete, 1);
  EXPECT_EQ(r->files[sha1("none")].complete, 0);

  f.service.http_scrape("", kNow, f.scratch, body);
  EXPECT_TRUE(decode_scrape_response(body)->failure_reason);
  f.settings.full_scrape = true;
  f.service.http_scrape("", kNow, f.scratch, body);
  EXPECT_EQ(decode_scrape_response(body)->files.size(), 2u);
}

// ---- UDP -------------------------------------------------------------------------------------

namespace {

udp_tracker::Response udp_roundtrip(Fixture& f, const udp_tracker::Request& req, const PeerEndpoint& from,
                                    std::uint32_t now = kNow) {
  std::string packet, reply;
  udp_tracker::encode(req, packet);
  f.service.udp_datagram(packet, from, now, f.scratch, reply);
  auto r = udp_tracker::decode_response(reply, from.is_v4() ? AddressFamily::v4 : AddressFamily::v6);
  EXPECT_TRUE(r) << "reply of " << reply.size() << " bytes";
  return r ? *r : udp_tracker::Response{};
}

std::uint64_t udp_connect(Fixture& f, const PeerEndpoint& from) {
  auto r = udp_roundtrip(f, udp_tracker::ConnectRequest{77}, from);
  auto* c = std::get_if<udp_tracker::ConnectResponse>(&r);
  EXPECT_NE(c, nullptr);
  if (!c) return 0;
  EXPECT_EQ(c->transaction_id, 77u);
  return c->connection_id;
}

udp_tracker::AnnounceRequest udp_announce_req(std::uint64_t cid, const Sha1Digest& ih, std::uint16_t port,
                                              std::int64_t left) {
  udp_tracker::AnnounceRequest a;
  a.connection_id = cid;
  a.transaction_id = 5;
  a.info_hash = ih;
  a.peer_id = *PeerId::from_bytes("-TR3000-abcdefghijkl");
  a.left = left;
  a.port = port;
  return a;
}

}  // namespace

TEST(TrackerServiceUdp, ConnectAnnounceScrape) {
  Fixture f;
  const auto ih = sha1("u1");
  const auto c1 = *PeerEndpoint::parse("10.0.0.1:5000");
  const auto c2 = *PeerEndpoint::parse("10.0.0.2:5000");
  auto r1 = udp_roundtrip(f, udp_announce_req(udp_connect(f, c1), ih, 6881, 0), c1);
  auto* a1 = std::get_if<udp_tracker::AnnounceResponse>(&r1);
  ASSERT_NE(a1, nullptr);
  EXPECT_EQ(a1->seeders, 1u);
  EXPECT_TRUE(a1->peers.empty());
  auto r2 = udp_roundtrip(f, udp_announce_req(udp_connect(f, c2), ih, 6882, 10), c2);
  auto* a2 = std::get_if<udp_tracker::AnnounceResponse>(&r2);
  ASSERT_NE(a2, nullptr);
  EXPECT_EQ(a2->transaction_id, 5u);
  EXPECT_EQ(a2->leechers, 1u);
  ASSERT_EQ(a2->peers.size(), 1u);
  EXPECT_EQ(a2->peers[0], *PeerEndpoint::parse("10.0.0.1:6881"));

  udp_tracker::ScrapeRequest s;
  s.connection_id = udp_connect(f, c2);
  s.transaction_id = 9;
  std::vector<Sha1Digest> hashes{ih, sha1("unknown")};
  s.info_hashes = udp_tracker::InfoHashList(hashes);
  auto rs = udp_roundtrip(f, s, c2);
  auto* sr = std::get_if<udp_tracker::ScrapeResponse>(&rs);
  ASSERT_NE(sr, nullptr);
  ASSERT_EQ(sr->stats.size(), 2u);
  EXPECT_EQ(sr->stats[0].seeders, 1u);
  EXPECT_EQ(sr->stats[0].leechers, 1u);
  EXPECT_EQ(sr->stats[1], (udp_tracker::ScrapeStats{}));
}

TEST(TrackerServiceUdp, ConnectionIdIsBoundToAddressAndTime) {
  Fixture f;
  const auto ih = sha1("u1");
  const auto c1 = *PeerEndpoint::parse("10.0.0.1:5000");
  const auto cid = udp_connect(f, c1);
  // Another address using c1's id, or c1 after expiry: error response, nothing recorded.
  auto r = udp_roundtrip(f, udp_announce_req(cid, ih, 1, 0), *PeerEndpoint::parse("10.0.0.66:5000"));
  ASSERT_TRUE(std::holds_alternative<udp_tracker::ErrorResponse>(r));
  r = udp_roundtrip(f, udp_announce_req(cid, ih, 1, 0), c1, kNow + 3600);
  ASSERT_TRUE(std::holds_alternative<udp_tracker::ErrorResponse>(r));
  EXPECT_EQ(f.store.scrape(ih), (SwarmCounts{}));
  EXPECT_EQ(f.stats.total(Protocol::udp, Event::failure), 2u);
}

TEST(TrackerServiceUdp, IpFieldIgnoredPortZeroMeansSourcePortIpv6GetsIpv6Peers) {
  Fixture f;
  const auto ih = sha1("u6");
  const auto a = *PeerEndpoint::parse("[2001:db8::1]:4000");
  const auto b = *PeerEndpoint::parse("[2001:db8::2]:4001");
  auto req = udp_announce_req(udp_connect(f, a), ih, 0, 0);
  req.ip = 0x01020304;
  udp_roundtrip(f, req, a);
  auto r = udp_roundtrip(f, udp_announce_req(udp_connect(f, b), ih, 7000, 10), b);
  auto* ar = std::get_if<udp_tracker::AnnounceResponse>(&r);
  ASSERT_NE(ar, nullptr);
  ASSERT_EQ(ar->peers.size(), 1u);
  EXPECT_EQ(ar->peers[0], a);  // source address and source port
}

TEST(TrackerServiceUdp, GarbageIsDroppedSilentlyAndRefusalsAreErrors) {
  Fixture f(TrackerMode::listed);
  const auto c1 = *PeerEndpoint::parse("10.0.0.1:5000");
  std::string reply;
  for (std::string junk : {std::string(), std::string(3, 'x'), std::string(200, '\xff'),
                           std::string(16, '\0')}) {
    f.service.udp_datagram(junk, c1, kNow, f.scratch, reply);
    EXPECT_TRUE(reply.empty()) << junk.size();
  }
  EXPECT_GE(f.stats.total(Protocol::udp, Event::invalid), 3u);
  auto r = udp_roundtrip(f, udp_announce_req(udp_connect(f, c1), sha1("x"), 1, 0), c1);
  auto* e = std::get_if<udp_tracker::ErrorResponse>(&r);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->message, AccessList::kUnlistedReason);
  // A truncated announce with a valid connection id gets an error naming the problem.
  std::string packet;
  udp_tracker::encode(udp_announce_req(udp_connect(f, c1), sha1("x"), 1, 0), packet);
  packet.resize(60);
  f.service.udp_datagram(packet, c1, kNow, f.scratch, reply);
  auto decoded = udp_tracker::decode_response(reply, AddressFamily::v4);
  ASSERT_TRUE(decoded);
  EXPECT_TRUE(std::holds_alternative<udp_tracker::ErrorResponse>(*decoded));
}

// ---- private mode ----------------------------------------------------------------------------

namespace {

const std::string kAlicePasskey(32, 'a');
const std::string kBobPasskey(32, 'b');  // disabled

struct PrivateFixture {
  static TrackerSettings private_settings() {
    TrackerSettings s;
    s.mode = TrackerMode::private_mode;
    return s;
  }
  PrivateFixture()
      : access(TrackerMode::private_mode), ids(120, 60),
        service(settings, store, access, stats, ids, &registry, &accounting) {
    RegistryData d;
    d.users = {{1, kAlicePasskey, true}, {2, kBobPasskey, false}};
    d.torrents = {{10, sha1("hybrid"), sha256("hybrid"), false, false},
                  {11, sha1("free"), std::nullopt, true, false}};
    registry.replace(d);
  }
  TrackerSettings settings = private_settings();
  SwarmStore store{SwarmStore::Options{}};
  AccessList access;
  TrackerStats stats;
  ConnectionIds ids;
  PrivateRegistry registry;
  Accounting accounting{Accounting::Options{}};
  TrackerService service;
  TrackerService::Scratch scratch;

  shoal::AnnounceResponse announce(const shoal::AnnounceRequest& r, std::string_view passkey,
                                   const char* ip = "10.0.0.1", std::uint32_t now = kNow) {
    std::string body;
    service.http_announce(encode_announce_query(r), *IpAddress::parse(ip), now, scratch, body, passkey);
    auto decoded = decode_announce_response(body);
    EXPECT_TRUE(decoded) << body;
    return decoded ? *decoded : shoal::AnnounceResponse{};
  }
};

std::string failure_of(const shoal::AnnounceResponse& r) { return r.failure_reason.value_or(""); }

}  // namespace

TEST(TrackerServicePrivate, RequiresAKnownEnabledPasskeyAndARegisteredTorrent) {
  PrivateFixture f;
  const auto req = http_request(sha1("hybrid"), 6881, 100);
  EXPECT_EQ(failure_of(f.announce(req, "")), kPasskeyRequiredReason);
  EXPECT_EQ(failure_of(f.announce(req, std::string(32, 'f'))), kUnknownPasskeyReason);
  EXPECT_EQ(failure_of(f.announce(req, kBobPasskey)), kUserDisabledReason);
  EXPECT_EQ(failure_of(f.announce(http_request(sha1("other"), 6881, 100), kAlicePasskey)),
            kUnregisteredTorrentReason);
  EXPECT_EQ(f.stats.total(Protocol::http, Event::failure), 4u);
  EXPECT_EQ(f.store.totals().leechers, 0u);

  auto ok = f.announce(req, kAlicePasskey);
  EXPECT_FALSE(ok.failure_reason);
  EXPECT_EQ(ok.incomplete, 1);
  // `?passkey=` works too.
  auto q = req;
  q.passkey = kAlicePasskey;
  q.port = 6882;
  EXPECT_FALSE(f.announce(q, "").failure_reason);
}

TEST(TrackerServicePrivate, HybridHashesAnnounceIntoOneSwarm) {
  PrivateFixture f;
  f.announce(http_request(sha1("hybrid"), 6881, 0), kAlicePasskey, "10.0.0.1");
  auto r = f.announce(http_request(truncated_v2(sha256("hybrid")), 6882, 100), kAlicePasskey, "10.0.0.2");
  EXPECT_FALSE(r.failure_reason);
  EXPECT_EQ(r.complete, 1);
  EXPECT_EQ(r.incomplete, 1);
  ASSERT_EQ(r.peers.size(), 1u);
  EXPECT_EQ(r.peers[0].endpoint, *PeerEndpoint::parse("10.0.0.1:6881"));
  EXPECT_EQ(f.store.totals().torrents, 1u);

  // Scraping either hash reports the one swarm; a passkey is required.
  std::string body;
  ScrapeRequest s;
  s.info_hashes = {sha1("hybrid"), truncated_v2(sha256("hybrid")), sha1("other")};
  f.service.http_scrape(encode_scrape_query(s), kNow, f.scratch, body, kAlicePasskey);
  auto scraped = decode_scrape_response(body);
  ASSERT_TRUE(scraped) << body;
  EXPECT_EQ(scraped->files.at(sha1("hybrid")).complete, 1);
  EXPECT_EQ(scraped->files.at(truncated_v2(sha256("hybrid"))).incomplete, 1);
  EXPECT_EQ(scraped->files.at(sha1("other")).complete, 0);
  f.service.http_scrape(encode_scrape_query(s), kNow, f.scratch, body, "");
  EXPECT_EQ(decode_scrape_response(body)->failure_reason, std::string(kPasskeyRequiredReason));
}

TEST(TrackerServicePrivate, AnnouncesAreAccountedWithTheTorrentsFlags) {
  PrivateFixture f;
  auto req = http_request(sha1("hybrid"), 6881, 100);
  req.event = AnnounceEvent::started;
  f.announce(req, kAlicePasskey, "10.0.0.1", kNow);
  req.event = AnnounceEvent::none;
  req.uploaded = 3000;
  req.downloaded = 4000;
  f.announce(req, kAlicePasskey, "10.0.0.1", kNow + 60);
  auto free_req = http_request(sha1("free"), 6881, 100);
  f.announce(free_req, kAlicePasskey, "10.0.0.1", kNow);
  free_req.uploaded = 10;
  free_req.downloaded = 20;
  free_req.event = AnnounceEvent::completed;
  f.announce(free_req, kAlicePasskey, "10.0.0.1", kNow + 60);

  auto batch = f.accounting.take_batch();
  ASSERT_EQ(batch.deltas.size(), 2u);
  for (const auto& d : batch.deltas) {
    EXPECT_EQ(d.user_id, 1);
    if (d.torrent_id == 10) {
      EXPECT_EQ(d.uploaded, 3000u);
      EXPECT_EQ(d.downloaded, 4000u);
      EXPECT_FALSE(d.completed);
    } else {
      EXPECT_EQ(d.torrent_id, 11);
      EXPECT_EQ(d.uploaded, 10u);
      EXPECT_EQ(d.downloaded, 0u);  // freeleech
      EXPECT_TRUE(d.completed);
    }
  }
  // Refused announces are not accounted.
  f.announce(req, kBobPasskey);
  EXPECT_TRUE(f.accounting.take_batch().empty());
}

TEST(TrackerServicePrivate, UdpCarriesThePasskeyAsUrlData) {
  PrivateFixture f;
  const auto from = *PeerEndpoint::parse("10.0.0.1:5000");
  const auto roundtrip = [&](const udp_tracker::Request& req, std::uint32_t now = kNow) {
    std::string packet, reply;
    udp_tracker::encode(req, packet);
    f.service.udp_datagram(packet, from, now, f.scratch, reply);
    auto r = udp_tracker::decode_response(reply, AddressFamily::v4);
    EXPECT_TRUE(r) << "reply of " << reply.size() << " bytes";
    return r ? *r : udp_tracker::Response{};
  };
  auto connected = roundtrip(udp_tracker::ConnectRequest{1});
  const auto cid = std::get<udp_tracker::ConnectResponse>(connected).connection_id;
  const auto error_of = [&](const udp_tracker::AnnounceRequest& a) {
    auto r = roundtrip(a);
    auto* e = std::get_if<udp_tracker::ErrorResponse>(&r);
    return e ? e->message : std::string("(not an error)");
  };
  auto a = udp_announce_req(cid, sha1("hybrid"), 6881, 0);
  EXPECT_EQ(error_of(a), kPasskeyRequiredReason);  // no URLData
  const std::string unknown = "/announce/" + std::string(32, 'f');
  a.url_data = unknown;
  EXPECT_EQ(error_of(a), kUnknownPasskeyReason);
  const std::string bob = "/announce/" + kBobPasskey;
  a.url_data = bob;
  EXPECT_EQ(error_of(a), kUserDisabledReason);
  const std::string alice = "/announce/" + kAlicePasskey;
  a.url_data = alice;
  a.info_hash = sha1("other");
  EXPECT_EQ(error_of(a), kUnregisteredTorrentReason);

  // Registered, by its truncated v2 hash: served into the hybrid's swarm and accounted.
  a.info_hash = truncated_v2(sha256("hybrid"));
  auto ok = roundtrip(a);
  auto* r = std::get_if<udp_tracker::AnnounceResponse>(&ok);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->seeders, 1u);
  EXPECT_EQ(f.store.scrape(sha1("hybrid")).seeders, 1u);
  a.uploaded = 777;
  ASSERT_NE(std::get_if<udp_tracker::AnnounceResponse>(&ok), nullptr);
  auto second = roundtrip(a, kNow + 30);
  ASSERT_NE(std::get_if<udp_tracker::AnnounceResponse>(&second), nullptr);
  auto batch = f.accounting.take_batch();
  ASSERT_EQ(batch.deltas.size(), 1u);
  EXPECT_EQ(batch.deltas[0].torrent_id, 10);
  EXPECT_EQ(batch.deltas[0].uploaded, 777u);

  // UDP scrape (no URLData in BEP 41 scrapes): registered torrents only.
  const Sha1Digest hashes[] = {truncated_v2(sha256("hybrid")), sha1("other")};
  auto scraped = roundtrip(udp_tracker::ScrapeRequest{cid, 9, udp_tracker::InfoHashList(hashes)});
  auto* sr = std::get_if<udp_tracker::ScrapeResponse>(&scraped);
  ASSERT_NE(sr, nullptr);
  ASSERT_EQ(sr->stats.size(), 2u);
  EXPECT_EQ(sr->stats[0].seeders, 1u);
  EXPECT_EQ(sr->stats[1].seeders, 0u);
}

TEST(TrackerServicePrivate, ClientAllowListByPeerIdPrefix) {
  PrivateFixture f;
  f.settings.client_allow = {"-qB", "-TR"};
  auto req = http_request(sha1("hybrid"), 6881, 100);  // peer_id "-LT2080-..."
  EXPECT_EQ(failure_of(f.announce(req, kAlicePasskey)), kClientNotAllowedReason);
  req.peer_id = *PeerId::from_bytes("-qB4500-abcdefghijkl");
  EXPECT_FALSE(f.announce(req, kAlicePasskey).failure_reason);
}

TEST(TrackerServicePrivate, PublicModeIgnoresAPasskey) {
  Fixture f;
  std::string body;
  f.service.http_announce(encode_announce_query(http_request(sha1("any"), 6881, 0)),
                          *IpAddress::parse("10.0.0.1"), kNow, f.scratch, body, "whatever");
  auto r = decode_announce_response(body);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->failure_reason);
  EXPECT_EQ(r->complete, 1);
  // The client allow list applies in every mode.
  f.settings.client_allow = {"-TR"};
  f.service.http_announce(encode_announce_query(http_request(sha1("any"), 6882, 0)),
                          *IpAddress::parse("10.0.0.2"), kNow, f.scratch, body);
  EXPECT_EQ(decode_announce_response(body)->failure_reason, std::string(kClientNotAllowedReason));
}

TEST(TrackerServicePrivate, PrivateModeWithoutRegistryIsAProgrammingError) {
  TrackerSettings s;
  s.mode = TrackerMode::private_mode;
  SwarmStore store{SwarmStore::Options{}};
  AccessList access(s.mode);
  TrackerStats stats;
  ConnectionIds ids(120, 60);
  EXPECT_THROW(TrackerService(s, store, access, stats, ids), std::invalid_argument);
}
