#!/usr/bin/env bash
# The catalog's search and details endpoints under load (issue 6's speed target), in one run:
# starts shoal-tracker on loopback with a fresh database, makes an ingest key as the initial
# admin, fills ENTRIES synthetic catalog rows through POST /api/v1/ingest, and runs
# `shoal-bench catalog` with CLIENTS keep-alive clients for DURATION seconds, closed loop, then
# (with --rate R) open loop at R requests/s. Prints the figures and the targets (docs/benchmarks.md).
#
#   bench/catalog_bench.sh [--tracker PATH] [--bench PATH] [--entries 100000] [--clients 32]
#                          [--duration 10] [--rate R] [--api-threads N] [--keep]
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TRACKER=$ROOT/build/tracker/shoal-tracker
BENCH=$ROOT/build/bench/shoal-bench
ENTRIES=100000
CLIENTS=32
DURATION=10
RATE=0
API_THREADS=2
KEEP=0
while (($#)); do
  case $1 in
    --tracker) TRACKER=$2; shift 2 ;;
    --bench) BENCH=$2; shift 2 ;;
    --entries) ENTRIES=$2; shift 2 ;;
    --clients) CLIENTS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --rate) RATE=$2; shift 2 ;;
    --api-threads) API_THREADS=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

WORK=$(mktemp -d /tmp/shoal-catalog-bench.XXXXXX)
PID=
cleanup() {
  [[ -n $PID ]] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  ((KEEP)) || rm -rf "$WORK"
}
trap cleanup EXIT

cat >"$WORK/tracker.toml" <<TOML
[accounts]
password_cost = 10
[api]
threads = $API_THREADS
rate_limit = 0
ingest_rate = 0
TOML
"$TRACKER" --config "$WORK/tracker.toml" --data-dir "$WORK/data" --udp off --http 127.0.0.1:0 \
  --log-level warn >"$WORK/tracker.log" 2>&1 &
PID=$!
for _ in $(seq 100); do
  grep -q "announce URL: http://" "$WORK/tracker.log" 2>/dev/null && break
  sleep 0.1
done
PORT=$(grep -o "announce URL: http://127.0.0.1:[0-9]*" "$WORK/tracker.log" | head -1 | sed 's/.*://')
PASSWORD=$(grep -o "initial admin: .* password: .*" "$WORK/tracker.log" | sed 's/.*password: //')
[[ -n $PORT && -n $PASSWORD ]] || { echo "tracker did not start:"; cat "$WORK/tracker.log"; exit 1; }
API=http://127.0.0.1:$PORT
TOKEN=$(curl -sf "$API/api/v1/auth/login" -H 'Content-Type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"$PASSWORD\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
KEY=$(curl -sf "$API/api/v1/me/keys" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d '{"name":"bench","scopes":["read","ingest"]}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')

echo "shoal-tracker $($TRACKER --version 2>/dev/null | head -1) on 127.0.0.1:$PORT, api.threads $API_THREADS; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$BENCH" catalog --target "127.0.0.1:$PORT" --key "$KEY" --fill "$ENTRIES" --clients "$CLIENTS" \
  --duration "$DURATION"
if [[ $RATE != 0 ]]; then
  "$BENCH" catalog --target "127.0.0.1:$PORT" --key "$KEY" --entries "$ENTRIES" --clients "$CLIENTS" \
    --duration "$DURATION" --rate "$RATE"
fi
echo "targets: search p99 < 10 ms, details p99 < 5 ms (100,000 rows, 32 clients); load average $(cut -d' ' -f1-3 /proc/loadavg)"
