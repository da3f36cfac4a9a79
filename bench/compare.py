#!/usr/bin/env python3
"""Shoal vs opentracker, side by side on loopback, fed by the same shoal-bench load.

Both trackers run side by side; in each of --rounds rounds every tracker gets, back to back, a UDP
announce/scrape run, an HTTP run in its best connection mode (shoal: keep-alive; opentracker closes
every connection) and an HTTP run with a new connection per request (the order of the trackers
alternates between rounds, and the median round is reported, so that a shared machine's changing
load hits both alike). Then, in a fresh process each, a memory run fills
--memory-torrents x --memory-peers-per-torrent peers over UDP. From /proc/<pid>/stat and
/proc/<pid>/status it takes the tracker's CPU time (user + system) over each run, its peak RSS
(VmHWM) and its RSS growth per stored peer. Prints a Markdown table with the ratio
shoal / opentracker for every figure (and --json FILE writes everything as JSON).

opentracker (Debian's build) is whitelist-only: the script writes the info-hashes under load with
`shoal-bench hashes` and passes the file with -w (relative to the -d chroot directory).

  bench/compare.py --shoal-tracker build/tracker/shoal-tracker --shoal-bench build/bench/shoal-bench
  bench/compare.py --smoke ...        # a few seconds in all: checks that every run gets answers
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def status_kib(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def free_port():
    """A port free for both TCP and UDP on 127.0.0.1."""
    for _ in range(50):
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.bind(("127.0.0.1", 0))
        port = t.getsockname()[1]
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            u.close()
            t.close()
    raise RuntimeError("no free port")


class Tracker:
    def __init__(self, name, proc, udp, http):
        self.name, self.proc, self.udp, self.http = name, proc, udp, http

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_shoal(args, work, mode=None, keep_data=False):
    data = os.path.join(work, "shoal-data")
    if not keep_data:
        shutil.rmtree(data, ignore_errors=True)
    proc = subprocess.Popen(
        [args.shoal_tracker, "--data-dir", data, "--udp", "127.0.0.1:0", "--http", "127.0.0.1:0",
         "--log-level", "warn"] + (["--config", args.shoal_config] if args.shoal_config else [])
        + (["--mode", mode] if mode else []),
        stdout=subprocess.PIPE, text=True)
    udp = http = None
    while udp is None or http is None:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("shoal-tracker exited before printing its announce URLs")
        if line.startswith("announce URL: "):
            url = line.split("announce URL: ", 1)[1].strip()
            endpoint = url.split("://", 1)[1].split("/", 1)[0]
            if url.startswith("udp://"):
                udp = endpoint
            elif url.startswith("http://"):
                http = endpoint
    return Tracker("shoal", proc, udp, http)


def start_opentracker(args, work):
    port = free_port()
    conf = os.path.join(work, "opentracker.conf")
    with open(conf, "w") as f:
        if args.opentracker_udp_workers > 0:
            f.write(f"listen.udp.workers {args.opentracker_udp_workers}\n")
    # -f first (it sets the UDP workers used when -P binds); -w is opened inside the -d chroot.
    proc = subprocess.Popen(
        [args.opentracker, "-f", conf, "-i", "127.0.0.1", "-p", str(port), "-P", str(port),
         "-d", work, "-w", "whitelist.txt"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    else:
        proc.kill()
        raise RuntimeError("opentracker did not start")
    time.sleep(0.5)  # the whitelist is loaded by a thread after start
    return Tracker("opentracker", proc, f"127.0.0.1:{port}", f"127.0.0.1:{port}")


def run_bench(args, tracker, cmd):
    c0 = cpu_seconds(tracker.pid)
    out = subprocess.run([args.shoal_bench] + cmd + ["--json"], capture_output=True, text=True)
    c1 = cpu_seconds(tracker.pid)
    if out.returncode != 0:
        raise RuntimeError(f"shoal-bench {' '.join(cmd)} failed ({out.returncode}): {out.stderr}{out.stdout}")
    r = json.loads(out.stdout)
    r["tracker_cpu_seconds"] = c1 - c0
    r["cpu_seconds_per_million"] = (c1 - c0) / r["responses"] * 1e6 if r["responses"] else None
    return r


def one_round(args, tracker):
    common = ["--duration", str(args.duration), "--torrents", str(args.torrents),
              "--peers", str(args.peers), "--sources", str(args.sources),
              "--threads", str(args.bench_threads)]
    runs = {}
    if "udp" in args.runs:
        runs["udp"] = run_bench(args, tracker, ["udp", "--target", tracker.udp, "--window", str(args.window)] + common)
    close = ["http", "--target", tracker.http, "--window", str(args.http_window), "--no-keep-alive"] + common
    keep = ["http", "--target", tracker.http, "--window", str(args.http_window)] + common
    if "http_close" in args.runs or ("http_best" in args.runs and tracker.name != "shoal"):
        runs["http_close"] = run_bench(args, tracker, close)
    if "http_best" in args.runs:
        if tracker.name == "shoal":
            runs["http_best"] = run_bench(args, tracker, keep)
            runs["http_best"]["mode"] = "keep-alive"
        else:
            runs["http_best"] = dict(runs["http_close"], mode="new connection per request")
    if "http_close" not in args.runs:
        runs.pop("http_close", None)
    return runs


def median_run(runs):
    """The run whose responses/s is the median of the rounds (its other figures come with it),
    plus every round's rate and CPU per million for the record."""
    ordered = sorted(runs, key=lambda r: r["responses_per_second"])
    m = dict(ordered[(len(ordered) - 1) // 2])
    m["rounds_responses_per_second"] = [r["responses_per_second"] for r in runs]
    m["rounds_cpu_seconds_per_million"] = [r["cpu_seconds_per_million"] for r in runs]
    cpu = sorted(r["cpu_seconds_per_million"] for r in runs if r["cpu_seconds_per_million"] is not None)
    m["cpu_seconds_per_million"] = cpu[(len(cpu) - 1) // 2] if cpu else None
    return m


def load_runs(args, trackers):
    """--rounds rounds; in each, every tracker gets the same runs back to back, so a change in the
    machine's load hits both. Per figure the median round is kept."""
    rounds = {t.name: [] for t in trackers}
    for i in range(args.rounds):
        order = trackers if i % 2 == 0 else list(reversed(trackers))
        for t in order:
            rounds[t.name].append(one_round(args, t))
    res = {}
    for t in trackers:
        res[t.name] = {k: median_run([r[k] for r in rounds[t.name]]) for k in args.runs}
        res[t.name]["peak_rss_kib"] = status_kib(t.pid, "VmHWM")
    return res


def memory_run(args, tracker, passkeys_file=None):
    time.sleep(0.5)
    before = status_kib(tracker.pid, "VmRSS")
    r = run_bench(args, tracker, [
        "udp", "--target", tracker.udp, "--fill", "--torrents", str(args.memory_torrents),
        "--peers-per-torrent", str(args.memory_peers_per_torrent), "--sources", str(args.sources),
        "--window", str(args.window), "--duration", "900", "--timeout", "5"]
        + (["--passkeys", passkeys_file] if passkeys_file else []))
    time.sleep(0.5)
    after = status_kib(tracker.pid, "VmRSS")
    stored = r["announce_responses"]
    if r["errors"]:
        raise RuntimeError(f"memory run: {r['errors']} refused announces (first: {r['first_error']}); "
                           "nothing is stored for them, so the figure would be wrong")
    return {"rss_before_kib": before, "rss_after_kib": after, "peers": stored,
            "peak_rss_kib": status_kib(tracker.pid, "VmHWM"),
            "bytes_per_peer": (after - before) * 1024 / stored if stored else None,
            "fill_seconds": r["seconds"], "timeouts": r["timeouts"]}


def prepare_private(args, work, hashes):
    """A private-mode shoal-tracker database with --private-users members and every memory-run
    torrent registered, written straight into the tracker's own schema (made by a first start):
    going through the API one torrent at a time would take longer than the run. Returns the
    passkeys file."""
    import secrets
    import sqlite3
    t = start_shoal(args, work, mode="private")
    t.stop()
    db = sqlite3.connect(os.path.join(work, "shoal-data", "tracker.db"))
    now = int(time.time())
    passkeys = [secrets.token_hex(16) for _ in range(args.private_users)]
    with db:
        db.executemany("INSERT INTO users (username, role, password_hash, passkey, created_at, updated_at)"
                       " VALUES (?, 'user', 'x', ?, ?, ?)",
                       [(f"bench{i}", k, now, now) for i, k in enumerate(passkeys)])
        db.executemany("INSERT INTO torrents (info_hash_v1, added_at) VALUES (?, ?)",
                       [(bytes.fromhex(h), now) for h in hashes.split()[:args.memory_torrents]])
    db.close()
    path = os.path.join(work, "passkeys.txt")
    with open(path, "w") as f:
        f.write("\n".join(passkeys) + "\n")
    return path


def ratio(a, b):
    return a / b if a is not None and b else None


def fmt(v, digits=0):
    if v is None:
        return "n/a"
    return f"{v:,.{digits}f}"


def table(res):
    s, o = res["shoal"], res["opentracker"]
    runs = [r for r in ("udp", "http_best", "http_close") if r in s and r in o]
    def fig(d, run, key, sub=None):
        if run not in runs:
            return None
        v = d[run][key]
        return v[sub] if sub else v
    rows = [
        ("UDP responses/s", "udp", "responses_per_second", None, 0),
        ("UDP tracker CPU s per 1M responses", "udp", "cpu_seconds_per_million", None, 2),
        ("UDP latency p99 (us)", "udp", "latency_us", "p99", 0),
        ("HTTP responses/s, best mode (shoal keep-alive, opentracker close)", "http_best", "responses_per_second", None, 0),
        ("HTTP tracker CPU s per 1M responses, best mode", "http_best", "cpu_seconds_per_million", None, 2),
        ("HTTP responses/s, new connection per request", "http_close", "responses_per_second", None, 0),
        ("HTTP tracker CPU s per 1M responses, new connection", "http_close", "cpu_seconds_per_million", None, 2),
    ]
    rows = [(name, fig(s, run, key, sub), fig(o, run, key, sub), d)
            for name, run, key, sub, d in rows if run in runs]
    rows.append(("peak RSS after the load runs (MiB)", s["peak_rss_kib"] / 1024, o["peak_rss_kib"] / 1024, 1))
    if "memory" in s and "memory" in o:
        rows += [
            (f"memory run: RSS per stored peer ({s['memory']['peers']:,} / {o['memory']['peers']:,} peers, bytes)",
             s["memory"]["bytes_per_peer"], o["memory"]["bytes_per_peer"], 1),
            ("memory run: peak RSS (MiB)", s["memory"]["peak_rss_kib"] / 1024, o["memory"]["peak_rss_kib"] / 1024, 1),
        ]
    lines = ["| figure | shoal | opentracker | shoal / opentracker |", "|---|---|---|---|"]
    for name, a, b, d in rows:
        lines.append(f"| {name} | {fmt(a, d)} | {fmt(b, d)} | {fmt(ratio(a, b), 2)} |")
    lines.append("")
    for name in ("shoal", "opentracker"):
        for run in runs:
            r = res[name][run]
            lines.append(f"{name} {run}: sent {r['sent']}, responses {r['responses']}, errors {r['errors']}, "
                         f"timeouts {r['timeouts']}, peers/announce {r['peers_per_announce']:.1f}, "
                         f"p50/p99 {r['latency_us']['p50']:.0f}/{r['latency_us']['p99']:.0f} us, "
                         f"responses/s per round {[round(x) for x in r['rounds_responses_per_second']]}"
                         + (f", first error: {r['first_error']}" if r["first_error"] else ""))
    return "\n".join(lines)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    build = os.path.join(os.path.dirname(here), "build")
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--shoal-tracker", default=os.path.join(build, "tracker", "shoal-tracker"))
    p.add_argument("--shoal-bench", default=os.path.join(build, "bench", "shoal-bench"))
    p.add_argument("--shoal-config", help="TOML file passed to shoal-tracker with --config "
                   "(the flags above override its listeners and data dir)")
    p.add_argument("--opentracker", default=shutil.which("opentracker") or "/usr/bin/opentracker")
    p.add_argument("--opentracker-udp-workers", type=int, default=2,
                   help="listen.udp.workers (0: UDP in opentracker's main thread)")
    p.add_argument("--duration", type=float, default=10, help="seconds per run")
    p.add_argument("--rounds", type=int, default=3,
                   help="rounds of runs, alternating the trackers; the median round is reported")
    p.add_argument("--torrents", type=int, default=10000)
    p.add_argument("--peers", type=int, default=100000)
    p.add_argument("--sources", type=int, default=4)
    p.add_argument("--window", type=int, default=256, help="UDP requests in flight")
    p.add_argument("--http-window", type=int, default=64, help="HTTP connections")
    p.add_argument("--bench-threads", type=int, default=1)
    p.add_argument("--memory-torrents", type=int, default=100000)
    p.add_argument("--memory-peers-per-torrent", type=int, default=10)
    p.add_argument("--skip-memory", action="store_true")
    p.add_argument("--private-memory", action="store_true",
                   help="also the memory run against shoal in private mode (members with passkeys, "
                        "registered torrents, per-user accounting)")
    p.add_argument("--private-users", type=int, default=10000)
    p.add_argument("--runs", default="udp,http_best,http_close",
                   help="comma-separated load runs to make: udp, http_best, http_close "
                        "(e.g. --runs http_close --skip-memory: only the new-connection HTTP run)")
    p.add_argument("--only", choices=["shoal", "opentracker"], help="run one tracker only")
    p.add_argument("--json", help="write all figures to this file")
    p.add_argument("--smoke", action="store_true", help="tiny sizes, about ten seconds in all")
    args = p.parse_args()
    args.runs = [r.strip() for r in args.runs.split(",") if r.strip()]
    unknown = [r for r in args.runs if r not in ("udp", "http_best", "http_close")]
    if unknown or not args.runs:
        p.error(f"--runs: unknown or no run name(s): {', '.join(unknown) or '(none)'}")
    if args.smoke:
        args.duration, args.torrents, args.peers, args.rounds = 1, 200, 2000, 1
        args.memory_torrents, args.memory_peers_per_torrent = 500, 4
        args.private_users = 50
        args.window, args.http_window = 32, 8

    work = tempfile.mkdtemp(prefix="shoal-compare-")
    os.chmod(work, 0o755)  # opentracker drops to user nobody inside this chroot
    try:
        hashes = subprocess.run([args.shoal_bench, "hashes", "--torrents",
                                 str(max(args.torrents, args.memory_torrents))],
                                check=True, capture_output=True, text=True).stdout
        with open(os.path.join(work, "whitelist.txt"), "w") as f:
            f.write(hashes)
        res = {"machine": {"cpus": os.cpu_count(), "loadavg": os.getloadavg(), "uname": " ".join(os.uname())},
               "args": vars(args)}
        starters = {"shoal": start_shoal, "opentracker": start_opentracker}
        names = [n for n in ("shoal", "opentracker") if not args.only or args.only == n]
        trackers = []
        try:
            for name in names:
                trackers.append(starters[name](args, work))
            res.update(load_runs(args, trackers))
        finally:
            for t in trackers:
                t.stop()
        if not args.skip_memory:
            for name in names:
                t = starters[name](args, work)
                try:
                    res[name]["memory"] = memory_run(args, t)
                finally:
                    t.stop()
        if args.private_memory:
            passkeys = prepare_private(args, work, hashes)
            t = start_shoal(args, work, mode="private", keep_data=True)
            try:
                res.setdefault("shoal", {})["memory_private"] = memory_run(args, t, passkeys)
            finally:
                t.stop()
        print("done", file=sys.stderr)
        if args.json:
            with open(args.json, "w") as f:
                json.dump(res, f, indent=2)
        if args.only:
            print(json.dumps(res[args.only], indent=2))
        else:
            print(table(res))
        priv = res.get("shoal", {}).get("memory_private")
        if priv:
            pub = res.get("shoal", {}).get("memory", {}).get("bytes_per_peer")
            print(f"shoal memory run in private mode ({args.private_users:,} members, "
                  f"{args.memory_torrents:,} registered torrents): {priv['peers']:,} peers, "
                  f"{fmt(priv['bytes_per_peer'], 1)} bytes of RSS per stored peer"
                  + (f" (public mode, same run: {fmt(pub, 1)}; private / public {fmt(ratio(priv['bytes_per_peer'], pub), 2)})"
                     if pub else "") + f", peak RSS {priv['peak_rss_kib'] / 1024:,.1f} MiB")
        bad = [f"{n} {r}" for n in ("shoal", "opentracker") if n in res
               for r in args.runs if res[n][r]["announce_responses"] == 0]
        if bad:
            print("no announce answered in: " + ", ".join(bad), file=sys.stderr)
            return 1
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
