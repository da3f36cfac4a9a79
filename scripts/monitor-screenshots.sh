#!/usr/bin/env bash
# Renders shoal-monitor's pages, light and dark, into docs/images/ (offscreen, no display needed),
# against a real shoal-tracker and shoal-peer started here on loopback and filled by real
# announces for a few minutes (the tracker samples its history once a minute, so the charts have
# that many points). Needs a build (bash scripts/setup.sh test, or cmake --build build).
#
#   bash scripts/monitor-screenshots.sh [--minutes 3] [--out docs/images] [--build build]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MINUTES=3
OUT="$ROOT/docs/images"
BUILD="$ROOT/build"
while (($#)); do
  case $1 in
    --minutes) MINUTES=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --build) BUILD=$2; shift 2 ;;
    *) echo "usage: $0 [--minutes N] [--out DIR] [--build DIR]" >&2; exit 2 ;;
  esac
done
for bin in tracker/shoal-tracker peer/shoal-peer gui/shoal-monitor; do
  [[ -x $BUILD/$bin ]] || { echo "missing $BUILD/$bin: build first" >&2; exit 1; }
done
mkdir -p "$OUT"
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

# --- a tracker (invites, so the Users page has more than the admin) and a peer node -----------
printf '[accounts]\nregistration = "invite"\n' > "$WORK/tracker.toml"
"$BUILD/tracker/shoal-tracker" --config "$WORK/tracker.toml" --data-dir "$WORK/tracker" --udp off \
  --http 127.0.0.1:0 > "$WORK/tracker.out" 2>&1 &
PIDS+=($!)
cat > "$WORK/peer.toml" <<TOML
[node]
listen = "127.0.0.1:0"
loopback = true
state_dir = "$WORK/peer/state"
download_dir = "$WORK/peer/data"
[api]
listen = "127.0.0.1:0"
TOML
"$BUILD/peer/shoal-peer" --config "$WORK/peer.toml" > "$WORK/peer.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do
  grep -q '^initial admin' "$WORK/tracker.out" && grep -q '^api URL' "$WORK/peer.out" && break
  sleep 0.2
done
TRACKER=$(sed -n 's|^announce URL: \(http://[^ ]*\)/announce.*|\1|p' "$WORK/tracker.out" | head -1)
PASSWORD=$(sed -n 's/^initial admin: .*password: //p' "$WORK/tracker.out" | head -1)
PEER=$(sed -n 's|^api URL: \(http://[^ ]*\)/api/v1.*|\1|p' "$WORK/peer.out" | head -1)
PEER_KEY=$(cat "$WORK/peer/state/api_key")
[[ -n $TRACKER && -n $PASSWORD && -n $PEER && -n $PEER_KEY ]] || { cat "$WORK"/*.out >&2; exit 1; }

# --- fill: accounts, catalog entries, swarms that change over the minutes --------------------
export TRACKER PASSWORD PEER PEER_KEY MINUTES TESTDATA="$ROOT/../shared/testdata/torrents"
TOKEN=$(python3 - <<'PY'
import json, os, urllib.request, random, binascii, time, threading
T, P = os.environ["TRACKER"], os.environ["PEER"]
def call(method, url, body=None, token=None, ctype="application/json"):
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None: req.add_header("Content-Type", ctype)
    if token: req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=10) as r:
        raw = r.read()
        return json.loads(raw) if raw else None
token = call("POST", T + "/api/v1/auth/login", {"username": "admin", "password": os.environ["PASSWORD"]})["token"]
print(token, flush=True)
for name in ["alice", "bob", "carol", "dave"]:
    inv = call("POST", T + "/api/v1/admin/invites", {}, token)["invite"]
    call("POST", T + "/api/v1/auth/register", {"username": name, "password": "correct horse battery staple " + name,
                                               "email": name + "@example.org", "invite": inv})
hashes = []
for f in ["base.torrent", "collection.torrent", "creation_date.torrent", "url_list.torrent", "sample.torrent"]:
    path = os.path.join(os.environ["TESTDATA"], f)
    if not os.path.exists(path): continue
    try:
        t = call("POST", T + "/api/v1/torrents?category=5040&tags=hd", open(path, "rb").read(), token,
                 "application/x-bittorrent")["torrent"]
        if t.get("info_hash_v1"): hashes.append(binascii.unhexlify(t["info_hash_v1"]))
    except Exception as e:
        print("upload", f, e, file=os.sys.stderr)
rng = random.Random(7)
hashes += [bytes(rng.randrange(256) for _ in range(20)) for _ in range(9)]
key = os.environ["PEER_KEY"]
call("POST", P + "/api/v1/torrents", {"magnet": "magnet:?xt=urn:btih:" + hashes[0].hex() + "&dn=Big.Show.S01E02"}, key)
call("POST", P + "/api/v1/torrents", {"magnet": "magnet:?xt=urn:btih:" + hashes[5].hex() + "&dn=debian-12.iso", "paused": True}, key)
def announce(h, port, left, event=""):
    q = urllib.parse.urlencode({"info_hash": h, "peer_id": b"-TR4050-%012d" % port, "port": port,
                                "uploaded": 0, "downloaded": 0, "left": left, "compact": 1, "event": event})
    urllib.request.urlopen(T + "/announce?" + q, timeout=10).read()
import urllib.parse
def load():
    end = time.time() + 60 * float(os.environ["MINUTES"])
    port, live = 20000, []
    while time.time() < end:
        for i, h in enumerate(hashes):
            for _ in range(rng.randrange(1, 4 + 3 * (len(hashes) - i))):
                port += 1
                seeder = rng.random() < 0.4
                announce(h, port, 0 if seeder else rng.randrange(1, 10**9), "completed" if seeder and rng.random() < 0.3 else "")
                live.append((h, port))
        rng.shuffle(live)
        for h, p in live[: len(live) // 4]:
            announce(h, p, 0, "stopped")
        live = live[len(live) // 4:]
        time.sleep(15)
threading.Thread(target=load, daemon=True).start()
time.sleep(60 * float(os.environ["MINUTES"]) + 5)
PY
)
TOKEN=$(echo "$TOKEN" | head -1)

# --- render --------------------------------------------------------------------------------
export QT_QPA_PLATFORM=offscreen SHOAL_MONITOR_API_KEY=$TOKEN SHOAL_MONITOR_PEER_KEY=$PEER_KEY
for page in overview swarms swarm users transfers; do
  for theme in light dark; do
    args=(--url "$TRACKER" --peer-url "$PEER" --page "$page" --window 900 --size 1280x800 --wait 5
          --screenshot "$OUT/monitor-$page-$theme.png")
    [[ $theme == dark ]] && args+=(--dark)
    "$BUILD/gui/shoal-monitor" "${args[@]}"
    echo "wrote $OUT/monitor-$page-$theme.png"
  done
done
# 200% scaling: the same window at twice the pixels.
QT_SCALE_FACTOR=2 "$BUILD/gui/shoal-monitor" --url "$TRACKER" --page overview --window 900 --size 1280x800 --wait 5 \
  --screenshot "$OUT/monitor-overview-200pct.png"
echo "wrote $OUT/monitor-overview-200pct.png"
