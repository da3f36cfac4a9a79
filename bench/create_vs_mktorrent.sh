#!/usr/bin/env bash
# shoal create vs mktorrent on the same page-cached file, in one run (docs/benchmarks.md).
#
#   bench/create_vs_mktorrent.sh [--shoal PATH] [--dir DIR] [--size-mib N] [--runs N]
#                                [--threads N] [--piece-length LOG2] [--wait-idle SECONDS] [--keep]
#
# Makes a file of N MiB (default 1024) of random bytes in DIR (default /tmp), reads it once so it
# is in the page cache, then runs, alternating, `shoal create --v1` and `mktorrent` with the same
# thread count and piece length (RUNS times each), and `shoal create --hybrid`. It prints the
# best and median wall time and the CPU time (user+sys) of each, the ratio shoal/mktorrent, and
# the physical limit: `openssl speed -evp sha1 / sha256 -bytes 16384` single-core rates times the
# thread count (hybrid: both digests over the same bytes, 1 / (1/sha1 + 1/sha256) per core), with
# the share of it each tool reached. The load average before and after is printed: the build
# machine is shared, and other work inflates wall times: --wait-idle SECONDS first waits (up to
# that long) for 20 s in a row without a compiler, linker or build tool running, and says whether
# it got them.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHOAL=${SHOAL_BIN:-$ROOT/build/cli/shoal}
DIR=/tmp
SIZE_MIB=1024
RUNS=5
THREADS=2
LOG2=18
KEEP=0
WAIT_IDLE=0
while (($#)); do
  case $1 in
    --shoal) SHOAL=$2; shift 2 ;;
    --dir) DIR=$2; shift 2 ;;
    --size-mib) SIZE_MIB=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --piece-length) LOG2=$2; shift 2 ;;
    --wait-idle) WAIT_IDLE=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
for tool in "$SHOAL" mktorrent transmission-show openssl; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done

WORK=$(mktemp -d "$DIR/shoal-create-bench.XXXXXX")
cleanup() { ((KEEP)) && echo "kept $WORK" || rm -rf "$WORK"; }
trap cleanup EXIT
DATA=$WORK/data.bin
BYTES=$((SIZE_MIB * 1024 * 1024))
PIECE=$((1 << LOG2))

echo "== shoal create vs mktorrent: $SIZE_MIB MiB, $THREADS threads, piece length $PIECE, $RUNS runs"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
head -c "$BYTES" /dev/urandom >"$DATA"
cat "$DATA" >/dev/null   # page-cache it: the benchmark measures hashing, not the disk
if ((WAIT_IDLE > 0)); then
  builders() { pgrep '^(cc1plus|cc1|ld|ld\.bfd|ld\.gold|as|ninja|make|cmake)$' >/dev/null; }
  quiet=0 waited=0
  while ((quiet < 20 && waited < WAIT_IDLE)); do
    if builders; then quiet=0; else quiet=$((quiet + 1)); fi
    sleep 1; waited=$((waited + 1))
  done
  if ((quiet >= 20)); then echo "quiet machine after ${waited} s (no build tool for 20 s)"
  else echo "no quiet 20 s within ${WAIT_IDLE} s: figures include other work"; fi
  cat "$DATA" >/dev/null
fi
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

# openssl speed prints "sha1  <16 bytes> ... <16384 bytes>" in kB/s (1000 bytes).
rate() { openssl speed -evp "$1" -seconds 1 -bytes 16384 2>/dev/null | awk -v a="$1" '$1 == a { sub(/k$/, "", $2); print $2 * 1000 }'; }
SHA1=$(rate sha1)
SHA256=$(rate sha256)

# run <label> <cmd...>: one timed run, appends "label wall cpu" to $WORK/times.
run() {
  local label=$1; shift
  local TIMEFORMAT="%R %U %S" t
  t=$({ time "$@" >/dev/null 2>"$WORK/err"; } 2>&1) || { cat "$WORK/err" >&2; exit 1; }
  awk -v l="$label" '{ printf "%s %s %.3f\n", l, $1, $2 + $3 }' <<<"$t" >>"$WORK/times"
}
: >"$WORK/times"
for ((i = 1; i <= RUNS; i++)); do
  rm -f "$WORK/mk.torrent"
  run mktorrent mktorrent -t "$THREADS" -l "$LOG2" -a http://tracker.example/announce -o "$WORK/mk.torrent" "$DATA"
  run shoal_v1 "$SHOAL" create "$DATA" --v1 -t "$THREADS" -l "$PIECE" -a http://tracker.example/announce -o "$WORK/v1.torrent" --force -q
  run shoal_hybrid "$SHOAL" create "$DATA" --hybrid -t "$THREADS" -l "$PIECE" -o "$WORK/hybrid.torrent" --force -q
done
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"

# Both v1 torrents describe the same bytes the same way: the info-hashes must be equal.
SHOAL_HASH=$("$SHOAL" create "$DATA" --v1 -t "$THREADS" -l "$PIECE" -o "$WORK/check.torrent" --force -q --json |
  grep -oE '"v1": "[0-9a-f]{40}"' | grep -oE '[0-9a-f]{40}')
MK_HASH=$(transmission-show "$WORK/mk.torrent" | awk '/Hash:/ { print $2 }')
echo "v1 info-hash: shoal $SHOAL_HASH, mktorrent $MK_HASH"
[[ "$SHOAL_HASH" == "$MK_HASH" ]] || { echo "info-hashes differ" >&2; exit 1; }

awk -v bytes="$BYTES" -v sha1="$SHA1" -v sha256="$SHA256" -v threads="$THREADS" '
  function sort(a, n,   i, j, t) { for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j > 0 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t } }
  { n[$1]++; wall[$1, n[$1]] = $2; cpu[$1, n[$1]] = $3 }
  END {
    split("mktorrent shoal_v1 shoal_hybrid", labels, " ")
    for (k = 1; k <= 3; k++) {
      l = labels[k]; m = n[l]
      for (i = 1; i <= m; i++) { w[i] = wall[l, i]; c[i] = cpu[l, i] }
      sort(w, m); sort(c, m)
      best[l] = w[1]; med[l] = w[int((m + 1) / 2)]; cbest[l] = c[1]; cmed[l] = c[int((m + 1) / 2)]
    }
    lim1 = sha1 * threads; limh = threads / (1 / sha1 + 1 / sha256)
    mib = 1048576
    printf "\nopenssl speed, 16 KiB blocks, one core: sha1 %.0f MiB/s, sha256 %.0f MiB/s\n", sha1 / mib, sha256 / mib
    printf "limit with %d threads: v1 (SHA-1) %.0f MiB/s = %.3f s; hybrid (SHA-1 + SHA-256) %.0f MiB/s = %.3f s\n\n", threads, lim1 / mib, bytes / lim1, limh / mib, bytes / limh
    printf "%-13s %9s %9s %10s %9s %9s %12s\n", "tool", "best s", "median s", "best MiB/s", "% limit", "CPU s", "CPU % limit"
    for (k = 1; k <= 3; k++) {
      l = labels[k]; lim = (l == "shoal_hybrid") ? limh : lim1
      printf "%-13s %9.3f %9.3f %10.0f %8.1f%% %9.3f %11.1f%%\n", l, best[l], med[l], bytes / best[l] / mib, 100 * (bytes / lim) / best[l], cmed[l], 100 * (threads * bytes / lim) / cmed[l]
    }
    printf "\nratio shoal v1 / mktorrent: best %.2f, median %.2f (below 1: shoal is faster)\n", best["shoal_v1"] / best["mktorrent"], med["shoal_v1"] / med["mktorrent"]
  }' "$WORK/times"
