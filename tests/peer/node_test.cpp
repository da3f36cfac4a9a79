// Tests of shoal::peer::Node (node.hpp): two Nodes in one process swap a generated multi-file
// torrent over 127.0.0.1 with the loopback preset; the torrent is made here with libtorrent's own
// creator (an independent oracle), and the seed is given to the downloader as a direct peer.
#include "shoal/peer/node.hpp"

#include <gtest/gtest.h>

#include <libtorrent/bencode.hpp>
#include <libtorrent/create_torrent.hpp>
#include <libtorrent/magnet_uri.hpp>
#include <libtorrent/torrent_info.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string_view>
#include <filesystem>
#include <functional>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "process.hpp"

namespace {

namespace fs = std::filesystem;
namespace lt = libtorrent;
using namespace std::chrono_literals;
using shoal::peer::AddTorrentParams;
using shoal::peer::EventKind;
using shoal::peer::Node;
using shoal::peer::NodeSettings;
using shoal::peer::TorrentState;

std::string random_bytes(std::size_t size, std::uint32_t seed) {
  std::mt19937 gen(seed);
  std::string out(size, '\0');
  for (char& c : out) c = static_cast<char>(gen() & 0xff);
  return out;
}

void write_file(const fs::path& p, std::string_view data) {
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  ASSERT_TRUE(out.good()) << p;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// (Designated initialisers would trip -Wmissing-field-initializers.)
AddTorrentParams torrent_params(const std::string& bytes, const fs::path& save_path) {
  AddTorrentParams p;
  p.torrent_bytes = bytes;
  p.save_path = save_path;
  return p;
}

constexpr std::size_t kFileA = 3 * 1024 * 1024 + 12345;
constexpr std::size_t kFileB = 2 * 1024 * 1024 + 777;

std::unique_ptr<Node> make_node(const fs::path& state_dir = {}) {
  NodeSettings s = NodeSettings::loopback_test(0);
  s.state_dir = state_dir;
  auto node = Node::create(s);
  EXPECT_TRUE(node.has_value()) << (node ? "" : node.error());
  return node ? std::move(*node) : nullptr;
}

bool is_complete(TorrentState s) { return s == TorrentState::seeding || s == TorrentState::finished; }

// Polls `node` until `pred` holds (re-evaluated after every poll) or `timeout`; returns the events.
std::vector<shoal::peer::Event> wait_until(Node& node, const std::function<bool()>& pred,
                                           std::chrono::seconds timeout = 90s) {
  std::vector<shoal::peer::Event> events;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred() && std::chrono::steady_clock::now() < deadline) {
    auto evs = node.poll(200ms);
    if (std::getenv("SHOAL_NODE_TEST_DEBUG")) {
      for (const auto& st : node.statuses())
        std::fprintf(stderr, "%s %s %.3f err=%s\n", st.name.c_str(), to_string(st.state), st.progress, st.error.c_str());
      for (const auto& e : evs) std::fprintf(stderr, "event %s %s\n", to_string(e.kind), e.message.c_str());
    }
    events.insert(events.end(), evs.begin(), evs.end());
  }
  return events;
}

bool has_event(const std::vector<shoal::peer::Event>& events, EventKind kind) {
  for (const auto& e : events)
    if (e.kind == kind) return true;
  return false;
}

class NodeTest : public ::testing::Test {
protected:
  void SetUp() override {
    m_content_a = random_bytes(kFileA, 1);
    m_content_b = random_bytes(kFileB, 2);
    write_file(m_dir / "seed" / "content" / "a.bin", m_content_a);
    write_file(m_dir / "seed" / "content" / "b.bin", m_content_b);
    lt::file_storage files;
    lt::add_files(files, (m_dir / "seed" / "content").string());
    lt::create_torrent ct(files, 64 * 1024);
    lt::set_piece_hashes(ct, (m_dir / "seed").string());
    std::vector<char> buf;
    lt::bencode(std::back_inserter(buf), ct.generate());
    m_torrent.assign(buf.begin(), buf.end());
    lt::error_code ec;
    lt::torrent_info ti(lt::span<const char>(buf.data(), static_cast<std::ptrdiff_t>(buf.size())), ec,
                        lt::from_span);
    ASSERT_FALSE(ec) << ec.message();
    m_magnet = lt::make_magnet_uri(ti);
    // libtorrent orders files as it walked them; remember which index is a.bin.
    // (libtorrent's default is a hybrid torrent, with a BEP 47 pad file between the two.)
    m_num_files = ti.files().num_files();
    for (lt::file_index_t i : ti.files().file_range())
      if (ti.files().file_name(i) == "a.bin") m_index_a = static_cast<int>(i);

    m_seed = make_node();
    ASSERT_TRUE(m_seed);
    auto id = m_seed->add_torrent(torrent_params(m_torrent, m_dir / "seed"));
    ASSERT_TRUE(id.has_value()) << id.error();
    m_id = *id;
    wait_until(*m_seed, [&] { return m_seed->status(m_id)->state == TorrentState::seeding; });
    ASSERT_EQ(m_seed->status(m_id)->state, TorrentState::seeding) << "seed's check failed";
  }

  void connect(Node& leech) {
    auto r = leech.add_peer(m_id, "127.0.0.1", m_seed->listen_port());
    ASSERT_TRUE(r.has_value()) << r.error();
  }

  // Drives both nodes (the seed's alerts must be drained too) until the leech is complete.
  std::vector<shoal::peer::Event> download(Node& leech, std::chrono::seconds timeout = 120s) {
    std::vector<shoal::peer::Event> events;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      m_seed->poll(0ms);
      auto evs = leech.poll(200ms);
      events.insert(events.end(), evs.begin(), evs.end());
      auto st = leech.status(m_id);
      if (st && st->has_metadata && is_complete(st->state)) break;
    }
    // torrent_finished may trail the state change by a moment.
    const auto grace = std::chrono::steady_clock::now() + 5s;
    while (!has_event(events, EventKind::finished) && std::chrono::steady_clock::now() < grace) {
      auto evs = leech.poll(100ms);
      events.insert(events.end(), evs.begin(), evs.end());
    }
    return events;
  }

  void expect_downloaded(const fs::path& leech_dir) {
    EXPECT_TRUE(read_file(leech_dir / "content" / "a.bin") == m_content_a);
    EXPECT_TRUE(read_file(leech_dir / "content" / "b.bin") == m_content_b);
  }

  shoal::test::TempDir m_dir{"shoal-node-test-"};
  std::string m_content_a, m_content_b, m_torrent, m_magnet;
  int m_index_a = 0;
  int m_num_files = 0;
  std::unique_ptr<Node> m_seed;
  shoal::InfoHash m_id;
};

TEST(NodeSettingsTest, LoopbackPresetMatchesDesign) {
  const NodeSettings s = NodeSettings::loopback_test(7000);
  EXPECT_EQ(s.listen_interfaces, "127.0.0.1:7000");
  EXPECT_TRUE(s.allow_multiple_connections_per_ip);
  EXPECT_FALSE(s.enable_dht || s.enable_lsd || s.enable_upnp || s.enable_natpmp || s.enable_utp);
  EXPECT_TRUE(s.posix_disk_io);
}

TEST(NodeCreateTest, ListensOnEphemeralPortAndRejectsBadInput) {
  auto node = make_node();
  ASSERT_TRUE(node);
  EXPECT_NE(node->listen_port(), 0);
  EXPECT_FALSE(node->add_torrent(torrent_params("d4:infoi1ee", "/tmp")).has_value());
  AddTorrentParams bad_magnet;
  bad_magnet.magnet_uri = "magnet:?xt=urn:btih:zz";
  EXPECT_FALSE(node->add_torrent(bad_magnet).has_value());
  EXPECT_FALSE(node->add_torrent({}).has_value());
  shoal::InfoHash unknown;
  unknown.v1 = shoal::Sha1Digest{};
  EXPECT_FALSE(node->status(unknown).has_value());
  EXPECT_FALSE(node->pause(unknown).has_value());
  EXPECT_FALSE(node->save_resume_data().has_value());  // no state dir
}

// The same content made twice with different trackers has one info-hash. A node that reloads the
// torrent from its resume file (with the first tracker) and is given the second .torrent must
// announce to the second tracker too.
TEST(NodeTrackersTest, ReaddedTorrentAnnouncesToItsNewTrackers) {
  shoal::test::TempDir dir("shoal-node-trackers-");
  write_file(dir / "content" / "x.bin", random_bytes(100 * 1024, 3));
  // Nothing listens on these ports: each announce ends as a tracker_error naming its URL.
  auto torrent_with = [&](const std::string& tracker) {
    lt::file_storage files;
    lt::add_files(files, (dir / "content").string());
    lt::create_torrent ct(files, 16 * 1024);
    ct.add_tracker(tracker);
    lt::set_piece_hashes(ct, dir.path().string());
    std::vector<char> buf;
    lt::bencode(std::back_inserter(buf), ct.generate());
    return std::string(buf.begin(), buf.end());
  };
  const std::string first_url = "http://127.0.0.1:1/announce";
  const std::string second_url = "http://127.0.0.1:2/announce";
  const std::string first = torrent_with(first_url);
  const std::string second = torrent_with(second_url);
  const fs::path state = dir / "state";
  // Polls until the node reports an announce to `url` (an error or a reply), up to 30 s.
  auto announces_to = [](Node& node, const std::string& url) {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
      for (const auto& e : node.poll(200ms))
        if ((e.kind == EventKind::tracker_error || e.kind == EventKind::tracker_reply) &&
            e.tracker_url == url)
          return true;
    }
    return false;
  };
  {
    auto node = make_node(state);
    ASSERT_TRUE(node);
    auto id = node->add_torrent(torrent_params(first, dir.path()));
    ASSERT_TRUE(id.has_value()) << id.error();
    ASSERT_TRUE(announces_to(*node, first_url));
    ASSERT_TRUE(node->save_resume_data().has_value());
  }
  auto node = make_node(state);
  ASSERT_TRUE(node);
  ASSERT_EQ(node->statuses().size(), 1u);
  auto id = node->add_torrent(torrent_params(second, dir.path()));
  ASSERT_TRUE(id.has_value()) << id.error();
  EXPECT_TRUE(announces_to(*node, second_url));
  EXPECT_EQ(node->statuses().size(), 1u);
}

TEST_F(NodeTest, DownloadsFromDirectPeerAndBytesMatch) {
  auto leech = make_node();
  ASSERT_TRUE(leech);
  auto id = leech->add_torrent(torrent_params(m_torrent, m_dir / "leech"));
  ASSERT_TRUE(id.has_value()) << id.error();
  EXPECT_EQ(*id, m_id);
  connect(*leech);
  auto events = download(*leech);
  auto st = leech->status(m_id);
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->state, TorrentState::seeding);
  EXPECT_EQ(st->total_done, static_cast<std::int64_t>(kFileA + kFileB));
  EXPECT_EQ(st->name, "content");
  EXPECT_TRUE(has_event(events, EventKind::added));
  EXPECT_TRUE(has_event(events, EventKind::finished));
  expect_downloaded(m_dir / "leech");
  EXPECT_EQ(leech->statuses().size(), 1u);
}

TEST_F(NodeTest, DownloadsFromMagnetAfterMetadata) {
  auto leech = make_node();
  ASSERT_TRUE(leech);
  AddTorrentParams params;
  params.magnet_uri = m_magnet;
  params.save_path = m_dir / "leech";
  auto id = leech->add_torrent(params);
  ASSERT_TRUE(id.has_value()) << id.error();
  connect(*leech);
  auto events = download(*leech);
  EXPECT_TRUE(has_event(events, EventKind::metadata_received));
  expect_downloaded(m_dir / "leech");
}

TEST_F(NodeTest, FilePrioritiesSkipAFile) {
  auto leech = make_node();
  ASSERT_TRUE(leech);
  std::vector<std::uint8_t> prios(static_cast<std::size_t>(m_num_files), 0);
  prios[static_cast<std::size_t>(m_index_a)] = 4;
  AddTorrentParams params = torrent_params(m_torrent, m_dir / "leech");
  params.file_priorities = prios;
  auto id = leech->add_torrent(params);
  ASSERT_TRUE(id.has_value()) << id.error();
  EXPECT_FALSE(leech->set_file_priorities(m_id, {1, 2, 3, 4, 5, 6}).has_value());  // wrong count
  auto files = leech->files(m_id);
  ASSERT_TRUE(files.has_value()) << files.error();
  ASSERT_EQ(files->size(), static_cast<std::size_t>(m_num_files));
  EXPECT_EQ((*files)[static_cast<std::size_t>(m_index_a)].size, static_cast<std::int64_t>(kFileA));
  connect(*leech);
  download(*leech);
  auto st = leech->status(m_id);
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->state, TorrentState::finished);
  EXPECT_LT(st->total_wanted, static_cast<std::int64_t>(kFileA + kFileB));
  EXPECT_EQ(st->total_done, st->total_wanted);
  EXPECT_TRUE(read_file(m_dir / "leech" / "content" / "a.bin") == m_content_a);
}

TEST_F(NodeTest, PausedTorrentWaitsUntilResumed) {
  auto leech = make_node();
  ASSERT_TRUE(leech);
  AddTorrentParams params = torrent_params(m_torrent, m_dir / "leech");
  params.paused = true;
  auto id = leech->add_torrent(params);
  ASSERT_TRUE(id.has_value()) << id.error();
  connect(*leech);
  wait_until(*leech, [] { return false; }, 2s);
  auto st = leech->status(m_id);
  ASSERT_TRUE(st.has_value());
  EXPECT_TRUE(st->paused);
  EXPECT_EQ(st->total_done, 0);
  ASSERT_TRUE(leech->resume(m_id).has_value());
  connect(*leech);
  download(*leech);
  expect_downloaded(m_dir / "leech");
  ASSERT_TRUE(leech->pause(m_id).has_value());
  EXPECT_TRUE(leech->status(m_id)->paused);
}

TEST_F(NodeTest, RemoveKeepsOrDeletesData) {
  auto leech = make_node();
  ASSERT_TRUE(leech);
  ASSERT_TRUE(leech->add_torrent(torrent_params(m_torrent, m_dir / "leech")).has_value());
  connect(*leech);
  download(*leech);
  ASSERT_TRUE(leech->remove_torrent(m_id, shoal::peer::RemoveData::keep).has_value());
  auto events = wait_until(*leech, [&] { return leech->statuses().empty(); }, 10s);
  EXPECT_FALSE(leech->status(m_id).has_value());
  expect_downloaded(m_dir / "leech");

  ASSERT_TRUE(m_seed->remove_torrent(m_id, shoal::peer::RemoveData::remove).has_value());
  wait_until(*m_seed, [&] { return !fs::exists(m_dir / "seed" / "content" / "a.bin"); }, 10s);
  EXPECT_FALSE(fs::exists(m_dir / "seed" / "content" / "a.bin"));
}

TEST_F(NodeTest, ResumeDataAfterCompletionSeedsWithoutDownloading) {
  const fs::path state = m_dir / "leech" / ".shoal-state";
  {
    auto leech = make_node(state);
    ASSERT_TRUE(leech);
    ASSERT_TRUE(leech->add_torrent(torrent_params(m_torrent, m_dir / "leech")).has_value());
    connect(*leech);
    download(*leech);
    auto saved = leech->save_resume_data();
    ASSERT_TRUE(saved.has_value()) << saved.error();
    EXPECT_EQ(*saved, 1);
  }
  auto again = make_node(state);
  ASSERT_TRUE(again);
  ASSERT_EQ(again->statuses().size(), 1u);
  // Adding the same torrent again is idempotent: it names the reloaded one.
  auto id = again->add_torrent(torrent_params(m_torrent, m_dir / "leech"));
  ASSERT_TRUE(id.has_value()) << id.error();
  EXPECT_EQ(*id, m_id);
  wait_until(*again, [&] { return again->status(m_id)->state == TorrentState::seeding; }, 30s);
  auto st = again->status(m_id);
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->state, TorrentState::seeding);
  EXPECT_EQ(st->total_downloaded, 0);
  EXPECT_EQ(again->statuses().size(), 1u);
}

TEST_F(NodeTest, InterruptedDownloadResumesFromResumeData) {
  const fs::path state = m_dir / "leech" / ".shoal-state";
  // Slow the seed so the download can be interrupted part-way.
  ASSERT_TRUE(m_seed->set_rate_limits(m_id, 0, 1024 * 1024).has_value());
  std::int64_t done_before = 0;
  {
    auto leech = make_node(state);
    ASSERT_TRUE(leech);
    ASSERT_TRUE(leech->add_torrent(torrent_params(m_torrent, m_dir / "leech")).has_value());
    connect(*leech);
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline && leech->status(m_id)->total_done < 1024 * 1024) {
      m_seed->poll(0ms);
      leech->poll(100ms);
    }
    auto st = leech->status(m_id);
    ASSERT_TRUE(st.has_value());
    ASSERT_GT(st->total_done, 0);
    ASSERT_LT(st->total_done, static_cast<std::int64_t>(kFileA + kFileB)) << "rate limit not applied";
    auto saved = leech->save_resume_data();
    ASSERT_TRUE(saved.has_value()) << saved.error();
    done_before = leech->status(m_id)->total_done;
  }
  auto again = make_node(state);
  ASSERT_TRUE(again);
  wait_until(*again, [&] {
    auto st = again->status(m_id);
    return st && st->state == TorrentState::downloading;
  }, 30s);
  EXPECT_GE(again->status(m_id)->total_done, done_before);
  ASSERT_TRUE(m_seed->set_rate_limits(m_id, 0, 0).has_value());
  connect(*again);
  download(*again);
  auto st = again->status(m_id);
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->state, TorrentState::seeding);
  EXPECT_LE(st->total_downloaded, static_cast<std::int64_t>(kFileA + kFileB) - done_before + 256 * 1024);
  expect_downloaded(m_dir / "leech");
}

TEST_F(NodeTest, ForceRecheckFindsCorruptedData) {
  auto leech = make_node();
  ASSERT_TRUE(leech);
  ASSERT_TRUE(leech->add_torrent(torrent_params(m_torrent, m_dir / "leech")).has_value());
  connect(*leech);
  download(*leech);
  ASSERT_TRUE(leech->remove_torrent(m_id).has_value());
  wait_until(*leech, [&] { return leech->statuses().empty(); }, 10s);
  // Corrupt a byte and add again (no peers, so nothing is downloaded): the check must find it.
  std::string a = m_content_a;
  a[100] = static_cast<char>(a[100] ^ 0x5a);
  write_file(m_dir / "leech" / "content" / "a.bin", a);
  ASSERT_TRUE(leech->add_torrent(torrent_params(m_torrent, m_dir / "leech")).has_value());
  ASSERT_TRUE(leech->force_recheck(m_id).has_value());
  wait_until(*leech, [&] {
    auto st = leech->status(m_id);
    return st && st->state != TorrentState::checking_files && st->state != TorrentState::checking_resume_data &&
           st->total_done > 0;
  }, 30s);
  auto st = leech->status(m_id);
  ASSERT_TRUE(st.has_value());
  EXPECT_LT(st->total_done, static_cast<std::int64_t>(kFileA + kFileB));
  EXPECT_GT(st->total_done, 0);
}

// --- queueing, per-torrent operations, lasting statistics (node.hpp's daemon-facing API) ---

// A single-file torrent of `size` random bytes at dir/<name>.bin, made with libtorrent's creator.
std::string make_single_file_torrent(const fs::path& dir, const std::string& name, std::size_t size,
                                     std::uint32_t seed, const std::string& tracker = {}) {
  write_file(dir / (name + ".bin"), random_bytes(size, seed));
  lt::file_storage files;
  lt::add_files(files, (dir / (name + ".bin")).string());
  lt::create_torrent ct(files, 32 * 1024);
  if (!tracker.empty()) ct.add_tracker(tracker);
  lt::set_piece_hashes(ct, dir.string());
  std::vector<char> buf;
  lt::bencode(std::back_inserter(buf), ct.generate());
  return std::string(buf.begin(), buf.end());
}

std::unique_ptr<Node> make_queue_node(int active_downloads) {
  NodeSettings s = NodeSettings::loopback_test(0);
  s.active_downloads = active_downloads;
  auto node = Node::create(s);
  EXPECT_TRUE(node.has_value()) << (node ? "" : node.error());
  return node ? std::move(*node) : nullptr;
}

bool has_event_for(const std::vector<shoal::peer::Event>& events, EventKind kind, const shoal::InfoHash& id) {
  for (const auto& e : events)
    if (e.kind == kind && e.info_hash.tracker_id() == id.tracker_id()) return true;
  return false;
}

// Polls until `events` (which it extends) holds `kind` for `id`. An event comes from an alert, so
// it can arrive a poll or two after the status it reports is already visible.
bool wait_for_event(Node& node, std::vector<shoal::peer::Event>& events, EventKind kind,
                    const shoal::InfoHash& id, std::chrono::seconds timeout = 20s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!has_event_for(events, kind, id) && std::chrono::steady_clock::now() < deadline) {
    auto evs = node.poll(200ms);
    events.insert(events.end(), evs.begin(), evs.end());
  }
  return has_event_for(events, kind, id);
}

TEST_F(NodeTest, QueueHoldsSecondDownloadUntilFirstCompletes) {
  const std::string other = make_single_file_torrent(m_dir / "seed", "other", 1024 * 1024 + 5, 9);
  auto other_id = m_seed->add_torrent(torrent_params(other, m_dir / "seed"));
  ASSERT_TRUE(other_id.has_value()) << other_id.error();
  wait_until(*m_seed, [&] { return m_seed->status(*other_id)->state == TorrentState::seeding; }, 30s);

  auto leech = make_queue_node(1);
  ASSERT_TRUE(leech);
  EXPECT_EQ(leech->queue_limits().active_downloads, 1);
  ASSERT_TRUE(leech->add_torrent(torrent_params(m_torrent, m_dir / "leech")).has_value());
  ASSERT_TRUE(leech->add_torrent(torrent_params(other, m_dir / "leech")).has_value());
  // (While the first is checked the second waits too: queued for its check.)
  auto events = wait_until(*leech, [&] {
    auto st = leech->status(*other_id);
    auto st1 = leech->status(m_id);
    return st && st->state == TorrentState::queued && st1 && st1->state == TorrentState::downloading;
  }, 20s);
  auto second = leech->status(*other_id);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->state, TorrentState::queued);
  EXPECT_FALSE(second->paused);  // held back by the queue, not by the user
  EXPECT_TRUE(second->auto_managed);
  EXPECT_EQ(second->queue_position, 1);
  auto first = leech->status(m_id);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->state, TorrentState::downloading);
  EXPECT_EQ(first->queue_position, 0);
  EXPECT_EQ(*leech->queue_position(m_id), 0);

  connect(*leech);
  auto more = download(*leech);
  events.insert(events.end(), more.begin(), more.end());
  ASSERT_TRUE(is_complete(leech->status(m_id)->state));
  EXPECT_EQ(leech->status(m_id)->queue_position, -1);  // seeds leave the download queue
  // The first one done, the queue starts the second.
  more = wait_until(*leech, [&] { return leech->status(*other_id)->state != TorrentState::queued; }, 30s);
  events.insert(events.end(), more.begin(), more.end());
  ASSERT_NE(leech->status(*other_id)->state, TorrentState::queued);
  EXPECT_EQ(leech->status(*other_id)->queue_position, 0);
  EXPECT_TRUE(wait_for_event(*leech, events, EventKind::resumed, *other_id));
  ASSERT_TRUE(leech->add_peer(*other_id, "127.0.0.1", m_seed->listen_port()).has_value());
  wait_until(*leech, [&] {
    m_seed->poll(0ms);
    return is_complete(leech->status(*other_id)->state);
  }, 60s);
  EXPECT_TRUE(is_complete(leech->status(*other_id)->state));
  EXPECT_TRUE(read_file(m_dir / "leech" / "other.bin") == read_file(m_dir / "seed" / "other.bin"));
}

TEST(NodeQueueTest, QueueMoveSequentialAndLimits) {
  shoal::test::TempDir dir("shoal-node-queue-");
  const std::string t1 = make_single_file_torrent(dir / "src", "one", 100 * 1024, 11);
  const std::string t2 = make_single_file_torrent(dir / "src", "two", 100 * 1024, 12);
  auto node = make_queue_node(1);
  ASSERT_TRUE(node);
  auto id1 = node->add_torrent(torrent_params(t1, dir / "dl"));
  AddTorrentParams p2 = torrent_params(t2, dir / "dl");
  p2.sequential = true;
  auto id2 = node->add_torrent(p2);
  ASSERT_TRUE(id1.has_value() && id2.has_value());
  EXPECT_EQ(*node->queue_position(*id1), 0);
  EXPECT_EQ(*node->queue_position(*id2), 1);
  ASSERT_TRUE(node->queue_move(*id2, shoal::peer::QueueMove::top).has_value());
  EXPECT_EQ(*node->queue_position(*id2), 0);
  EXPECT_EQ(*node->queue_position(*id1), 1);
  ASSERT_TRUE(node->queue_move(*id2, shoal::peer::QueueMove::bottom).has_value());
  EXPECT_EQ(*node->queue_position(*id2), 1);
  EXPECT_EQ(node->status(*id1)->queue_position, 0);
  ASSERT_TRUE(node->queue_move(*id1, shoal::peer::QueueMove::down).has_value());
  EXPECT_EQ(*node->queue_position(*id1), 1);
  ASSERT_TRUE(node->queue_move(*id1, shoal::peer::QueueMove::up).has_value());
  EXPECT_EQ(*node->queue_position(*id1), 0);

  EXPECT_TRUE(node->status(*id2)->sequential);
  EXPECT_FALSE(node->status(*id1)->sequential);
  ASSERT_TRUE(node->set_sequential(*id2, false).has_value());
  EXPECT_FALSE(node->status(*id2)->sequential);
  ASSERT_TRUE(node->set_sequential(*id1, true).has_value());
  EXPECT_TRUE(node->status(*id1)->sequential);
  auto st = node->status(*id1);
  EXPECT_EQ(st->total_size, 100 * 1024);
  EXPECT_EQ(st->num_files, 1);
  EXPECT_EQ(st->eta_seconds, -1);  // nothing downloading
  EXPECT_EQ(st->ratio, -1.0);
  EXPECT_GT(st->added_time, 0);
  EXPECT_EQ(st->completion_time, 0);

  // Limits: read back, reject below -1 without changing anything.
  ASSERT_TRUE(node->set_queue_limits({2, -1, 10}).has_value());
  EXPECT_EQ(node->queue_limits().active_downloads, 2);
  EXPECT_EQ(node->queue_limits().active_seeds, -1);
  EXPECT_EQ(node->queue_limits().active_limit, 10);
  EXPECT_FALSE(node->set_queue_limits({-2, 1, 1}).has_value());
  EXPECT_EQ(node->queue_limits().active_downloads, 2);
  node->set_global_rate_limits(1000, 2000);
  EXPECT_EQ(node->global_rate_limits().download, 1000);
  EXPECT_EQ(node->global_rate_limits().upload, 2000);
  NodeSettings bad = NodeSettings::loopback_test(0);
  bad.active_seeds = -5;
  EXPECT_FALSE(Node::create(bad).has_value());

  auto totals = node->session_totals();
  ASSERT_TRUE(totals.has_value()) << totals.error();
  EXPECT_EQ(totals->num_torrents, 2);
  EXPECT_EQ(totals->num_peers, 0);
  EXPECT_EQ(totals->dht_nodes, 0);

  // Unknown torrents: errors, never exceptions.
  shoal::InfoHash unknown;
  unknown.v1 = shoal::Sha1Digest{};
  EXPECT_FALSE(node->queue_position(unknown).has_value());
  EXPECT_FALSE(node->queue_move(unknown, shoal::peer::QueueMove::up).has_value());
  EXPECT_FALSE(node->reannounce(unknown).has_value());
  EXPECT_FALSE(node->set_sequential(unknown, true).has_value());
  EXPECT_FALSE(node->move_storage(unknown, dir / "x").has_value());
  EXPECT_FALSE(node->trackers(unknown).has_value());
  EXPECT_FALSE(node->peers(unknown).has_value());
  EXPECT_FALSE(node->queue_position(shoal::InfoHash{}).has_value());
  EXPECT_FALSE(node->move_storage(*id1, fs::path{}).has_value());
}

TEST(NodeQueueTest, QueueOrderSurvivesARestart) {
  shoal::test::TempDir dir("shoal-node-queue-order-");
  const std::string t1 = make_single_file_torrent(dir / "src", "one", 100 * 1024, 41);
  const std::string t2 = make_single_file_torrent(dir / "src", "two", 100 * 1024, 42);
  const std::string t3 = make_single_file_torrent(dir / "src", "three", 100 * 1024, 43);
  shoal::InfoHash id1, id2, id3;
  {
    auto node = make_node(dir / "state");
    ASSERT_TRUE(node);
    id1 = *node->add_torrent(torrent_params(t1, dir / "dl"));
    id2 = *node->add_torrent(torrent_params(t2, dir / "dl"));
    id3 = *node->add_torrent(torrent_params(t3, dir / "dl"));
    ASSERT_TRUE(node->queue_move(id3, shoal::peer::QueueMove::top).has_value());
    ASSERT_TRUE(node->queue_move(id1, shoal::peer::QueueMove::bottom).has_value());
    ASSERT_EQ(*node->queue_position(id3), 0);
    ASSERT_EQ(*node->queue_position(id2), 1);
    ASSERT_EQ(*node->queue_position(id1), 2);
    auto saved = node->save_resume_data();
    ASSERT_TRUE(saved.has_value()) << saved.error();
    EXPECT_EQ(*saved, 3);
  }
  auto node = make_node(dir / "state");
  ASSERT_TRUE(node);
  ASSERT_EQ(node->statuses().size(), 3u);
  EXPECT_EQ(*node->queue_position(id3), 0);
  EXPECT_EQ(*node->queue_position(id2), 1);
  EXPECT_EQ(*node->queue_position(id1), 2);
}

TEST(NodeQueueTest, ForcedTorrentRunsOutsideTheQueue) {
  shoal::test::TempDir dir("shoal-node-forced-");
  const std::string t1 = make_single_file_torrent(dir / "src", "one", 100 * 1024, 21);
  const std::string t2 = make_single_file_torrent(dir / "src", "two", 100 * 1024, 22);
  auto node = make_queue_node(1);
  ASSERT_TRUE(node);
  auto id1 = node->add_torrent(torrent_params(t1, dir / "dl"));
  AddTorrentParams p2 = torrent_params(t2, dir / "dl");
  p2.auto_managed = false;
  auto id2 = node->add_torrent(p2);
  ASSERT_TRUE(id1.has_value() && id2.has_value());
  auto events = wait_until(*node, [&] {
    auto st = node->status(*id2);
    return st && !st->auto_managed && st->state == TorrentState::downloading;
  }, 20s);
  auto st = node->status(*id2);
  EXPECT_EQ(st->state, TorrentState::downloading);  // its check ran, and the queue does not hold it
  EXPECT_FALSE(st->auto_managed);
  EXPECT_FALSE(st->paused);
  EXPECT_TRUE(wait_for_event(*node, events, EventKind::checked, *id2));
  // pause + resume keeps it outside the queue.
  ASSERT_TRUE(node->pause(*id2).has_value());
  EXPECT_TRUE(node->status(*id2)->paused);
  ASSERT_TRUE(node->resume(*id2).has_value());
  EXPECT_FALSE(node->status(*id2)->auto_managed);
  EXPECT_FALSE(node->status(*id2)->paused);
  events.clear();
  EXPECT_TRUE(wait_for_event(*node, events, EventKind::paused, *id2));
  EXPECT_TRUE(wait_for_event(*node, events, EventKind::resumed, *id2));
}

TEST_F(NodeTest, MoveStorageKeepsSeedingFromTheNewPath) {
  auto leech = make_node();
  ASSERT_TRUE(leech);
  ASSERT_TRUE(leech->add_torrent(torrent_params(m_torrent, m_dir / "leech")).has_value());
  connect(*leech);
  auto events = download(*leech);
  EXPECT_TRUE(has_event(events, EventKind::checked));
  // The state alert may come a poll after the status shows the torrent complete (it failed once
  // under ASan): wait for it rather than assume it came with the download.
  auto saw_seeding = [&] {
    for (const auto& e : events)
      if (e.kind == EventKind::state_changed && e.state == TorrentState::seeding) return true;
    return false;
  };
  const auto state_deadline = std::chrono::steady_clock::now() + 20s;
  while (!saw_seeding() && std::chrono::steady_clock::now() < state_deadline) {
    auto evs = leech->poll(100ms);
    events.insert(events.end(), evs.begin(), evs.end());
  }
  EXPECT_TRUE(saw_seeding());
  const fs::path moved = m_dir / "moved";
  ASSERT_TRUE(leech->move_storage(m_id, moved).has_value());
  std::string moved_to, move_error;
  const auto move_deadline = std::chrono::steady_clock::now() + 30s;
  while (moved_to.empty() && move_error.empty() && std::chrono::steady_clock::now() < move_deadline) {
    for (const auto& e : leech->poll(100ms)) {
      if (e.kind == EventKind::storage_moved) moved_to = e.message;
      if (e.kind == EventKind::storage_move_failed) move_error = e.message;
    }
  }
  ASSERT_TRUE(move_error.empty()) << move_error;
  EXPECT_EQ(fs::path(moved_to), fs::absolute(moved));
  EXPECT_EQ(fs::path(leech->status(m_id)->save_path), fs::absolute(moved));
  expect_downloaded(moved);
  EXPECT_FALSE(fs::exists(m_dir / "leech" / "content" / "a.bin"));

  // The original seed goes away; a third node downloads from the moved copy only, slowly enough
  // that both ends list each other as peers during the transfer.
  ASSERT_TRUE(m_seed->remove_torrent(m_id).has_value());
  ASSERT_TRUE(leech->set_rate_limits(m_id, 0, 2 * 1024 * 1024).has_value());
  auto third = make_node();
  ASSERT_TRUE(third);
  ASSERT_TRUE(third->add_torrent(torrent_params(m_torrent, m_dir / "third")).has_value());
  ASSERT_TRUE(third->add_peer(m_id, "127.0.0.1", leech->listen_port()).has_value());
  bool third_saw_leech = false, leech_saw_third = false;
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  while (std::chrono::steady_clock::now() < deadline) {
    m_seed->poll(0ms);
    leech->poll(0ms);
    third->poll(100ms);
    const auto third_peers = third->peers(m_id);
    ASSERT_TRUE(third_peers.has_value()) << third_peers.error();
    for (const auto& p : *third_peers)
      if (p.address == "127.0.0.1" && p.port == leech->listen_port() && !p.incoming && p.seed)
        third_saw_leech = true;
    const auto leech_peers = leech->peers(m_id);
    ASSERT_TRUE(leech_peers.has_value()) << leech_peers.error();
    for (const auto& p : *leech_peers)
      if (p.address == "127.0.0.1" && p.incoming && !p.seed && p.client.find("shoal") != std::string::npos)
        leech_saw_third = true;
    if (is_complete(third->status(m_id)->state)) break;
  }
  EXPECT_TRUE(is_complete(third->status(m_id)->state));
  EXPECT_TRUE(third_saw_leech);
  EXPECT_TRUE(leech_saw_third);
  expect_downloaded(m_dir / "third");
  auto totals = leech->session_totals();
  ASSERT_TRUE(totals.has_value()) << totals.error();
  EXPECT_EQ(totals->num_torrents, 1);
  EXPECT_GE(totals->total_uploaded, static_cast<std::int64_t>(kFileA + kFileB));
  EXPECT_GE(totals->total_downloaded, static_cast<std::int64_t>(kFileA + kFileB));
  // libtorrent adds a second's transfer to the all-time counters on its one-second tick.
  wait_until(*leech, [&] { return leech->status(m_id)->ratio >= 0.99; }, 5s);
  EXPECT_GE(leech->status(m_id)->ratio, 0.99);
}

TEST_F(NodeTest, AllTimeStatisticsSurviveARestart) {
  const fs::path state = m_dir / "leech" / ".shoal-state";
  shoal::peer::TorrentStatus before;
  {
    auto leech = make_node(state);
    ASSERT_TRUE(leech);
    ASSERT_TRUE(leech->add_torrent(torrent_params(m_torrent, m_dir / "leech")).has_value());
    connect(*leech);
    download(*leech);
    // libtorrent adds a second's transfer to the all-time counters on its one-second tick.
    wait_until(*leech, [&] {
      m_seed->poll(0ms);
      return leech->status(m_id)->all_time_download >= static_cast<std::int64_t>(kFileA + kFileB) &&
             m_seed->status(m_id)->all_time_upload >= static_cast<std::int64_t>(kFileA + kFileB);
    }, 5s);
    before = *leech->status(m_id);
    EXPECT_GE(before.all_time_download, static_cast<std::int64_t>(kFileA + kFileB));
    EXPECT_GT(before.completion_time, 0);
    EXPECT_GE(before.completion_time, before.added_time);
    EXPECT_EQ(before.eta_seconds, 0);
    EXPECT_EQ(before.total_size, static_cast<std::int64_t>(kFileA + kFileB));
    EXPECT_EQ(before.num_files, 2);
    // Also let the seed's counter move: upload is what the seed did.
    auto seed_st = m_seed->status(m_id);
    EXPECT_GE(seed_st->all_time_upload, static_cast<std::int64_t>(kFileA + kFileB));
    ASSERT_TRUE(leech->save_resume_data().has_value());
  }
  auto again = make_node(state);
  ASSERT_TRUE(again);
  auto st = again->status(m_id);
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->total_downloaded, 0);  // this session
  EXPECT_EQ(st->all_time_download, before.all_time_download);
  EXPECT_EQ(st->all_time_upload, before.all_time_upload);
  EXPECT_EQ(st->added_time, before.added_time);
  EXPECT_EQ(st->completion_time, before.completion_time);
  EXPECT_GE(st->active_time, before.active_time);
  EXPECT_GE(st->seeding_time, before.seeding_time);
  EXPECT_TRUE(st->auto_managed);
}

TEST(NodeTrackersTest, TrackersListsAFailedAnnounceWithItsError) {
  shoal::test::TempDir dir("shoal-node-trackerlist-");
  const std::string url = "http://127.0.0.1:1/announce";
  const std::string torrent = make_single_file_torrent(dir / "src", "t", 64 * 1024, 31, url);
  auto node = make_node();
  ASSERT_TRUE(node);
  auto id = node->add_torrent(torrent_params(torrent, dir / "src"));
  ASSERT_TRUE(id.has_value()) << id.error();
  auto failed = [&](const std::vector<shoal::peer::TrackerInfo>& ts) {
    return ts.size() == 1 && ts[0].status == "error";
  };
  wait_until(*node, [&] { return failed(*node->trackers(*id)); }, 30s);
  auto ts = node->trackers(*id);
  ASSERT_TRUE(ts.has_value()) << ts.error();
  ASSERT_EQ(ts->size(), 1u);
  EXPECT_EQ((*ts)[0].url, url);
  EXPECT_EQ((*ts)[0].tier, 0);
  EXPECT_EQ((*ts)[0].status, "error");
  EXPECT_FALSE((*ts)[0].message.empty());
  EXPECT_GE((*ts)[0].fails, 1);
  EXPECT_EQ((*ts)[0].scrape_seeds, -1);
  // A reannounce is accepted and tries again (another tracker_error for the URL).
  ASSERT_TRUE(node->reannounce(*id).has_value());
  bool again = false;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!again && std::chrono::steady_clock::now() < deadline)
    for (const auto& e : node->poll(200ms))
      if (e.kind == EventKind::tracker_error && e.tracker_url == url) again = true;
  EXPECT_TRUE(again);
}

}  // namespace
