#!/usr/bin/env python3
"""The polling benchmark: how soon each strategy sees a render finish, what it costs, and how good TwinDeck's ETA is.

    python3 scripts/pollbench.py                 # about 3-4 minutes (the three strategies run side by side)
    python3 scripts/pollbench.py --binary .build/release/twindeck --render-scale 0.5 --seed 7

Offline: three `twindeck simulate` processes on 127.0.0.1 with the realistic render model and the same seed, so
every strategy gets the same workload with the same render times (the simulator draws them in creation order):
a warm-up history of 20 renders, then 20 videos with varied script lengths on Avatar IV and Avatar V, all at
once. On each simulator one strategy waits for the 20:

- the guide's loop: GET /v3/videos/{id} every 10 s per video, from its creation;
- HeyGen's official CLI schedule: per video, a GET after 2 s, then the wait doubling to 30 s, each wait +-25 %;
- TwinDeck's poller: the real binary, `twindeck poll-board` (the board's engine without the screen; one
  GET /v3/videos/statuses per round for every video due, the detail of those that finished), with the history of
  the warm-up in its store (the warm-up renders are made with `twindeck create` and polled the same way).

Reported per strategy: requests per video (status and detail GETs while waiting for the 20, as the server counted
them), and the delay from the server finishing a render (GET /v3/_simulator/renders) to the client having seen it
(median, p90, max); for TwinDeck also the ETA's error: |estimated - actual render time| / actual, median over the
20, each estimate as made when the video was first seen (from the warm-up only). Prints a table; exits 0 (a report).
"""

import argparse
import concurrent.futures
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOOK = "lk_twin_office"  # a look that supports Avatar IV and Avatar V
VOICE = "1bd001e7e50f421d891986aad5c8bbd2"
WORDS = ("the quarterly numbers are in and they look good our team shipped every feature on time customers "
         "are happier than ever and we are hiring engineers designers and writers to keep growing next year").split()


def workload(seed, count, offset):
    """`count` requests with varied script lengths (4-70 words) and engines, repeatable from `seed`."""
    rng = random.Random(seed * 1000 + offset)
    out = []
    for i in range(count):
        words = rng.randint(4, 70)
        script = " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."
        engine = rng.choice(["avatar_iv", "avatar_v"])
        out.append({"title": f"bench {offset + i}", "script": script, "engine": engine})
    return out


class Simulator:
    def __init__(self, binary, seed, scale, sandbox):
        self.sandbox = sandbox
        env = sandbox_env(sandbox)
        self.process = subprocess.Popen(
            [binary, "simulate", "--port", "0", "--render-model", "realistic", "--seed", str(seed), "--render-scale", str(scale),
             "--max-concurrent", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
        self.base = self.process.stdout.readline().strip()
        if not self.base.startswith("http://"):
            raise SystemExit(f"the simulator did not start: {self.base!r}")

    def api(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"x-api-key": "demo", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"{}")

    def create(self, item):
        body = {"type": "avatar", "avatar_id": LOOK, "voice_id": VOICE, "script": item["script"], "title": item["title"],
                "resolution": "1080p", "aspect_ratio": "16:9", "engine": {"type": item["engine"]}}
        return self.api("POST", "/v3/videos", body)["data"]["video_id"]

    def counts(self):
        data = self.api("GET", "/v3/_simulator/stats")["data"]
        return data.get("GET /v3/videos/statuses", 0) + data.get("GET /v3/videos/{id}", 0)

    def renders(self):
        return {plan["video_id"]: plan for plan in self.api("GET", "/v3/_simulator/renders")["data"]}

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def sandbox_env(sandbox):
    env = dict(os.environ)
    for key in ("HEYGEN_API_KEY", "HEYGEN_BASE_URL"):
        env.pop(key, None)
    env.update({"XDG_DATA_HOME": str(sandbox / "data"), "XDG_STATE_HOME": str(sandbox / "state"),
                "XDG_CONFIG_HOME": str(sandbox / "config"), "HOME": str(sandbox), "LANG": "C.UTF-8"})
    return env


# MARK: - The two baselines, in Python


def wait_all(sim, ids, poll_one):
    """Runs `poll_one(id)` for every video in its own thread; returns {id: (seen_at, requests)}."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(ids)) as pool:
        return dict(zip(ids, pool.map(poll_one, ids)))


def final(sim, video_id):
    status = sim.api("GET", f"/v3/videos/{video_id}")["data"]["status"]
    return status in ("completed", "failed")


def guide_loop(sim):
    def poll(video_id):
        requests = 0
        while True:
            requests += 1
            if final(sim, video_id):
                return time.time(), requests
            time.sleep(10)
    return poll


def official_cli(sim, seed):
    def poll(video_id):
        rng = random.Random(f"{seed}-{video_id}")
        wait, requests = 2.0, 0
        while True:
            time.sleep(wait * rng.uniform(0.75, 1.25))
            requests += 1
            if final(sim, video_id):
                return time.time(), requests
            wait = min(30.0, wait * 2)
    return poll


def run_baseline(name, sim, warmup, measured, poll):
    warm = [sim.create(item) for item in warmup]
    wait_all(sim, warm, poll)
    before = sim.counts()
    ids = [sim.create(item) for item in measured]
    seen = wait_all(sim, ids, poll)
    requests = sim.counts() - before
    return result(name, sim, ids, {i: s for i, (s, _) in seen.items()}, requests, estimates={})


# MARK: - TwinDeck, the real binary


def twindeck(binary, sim, args):
    out = subprocess.run([binary, *args, "--base-url", sim.base, "--api-key", "demo"], env=sandbox_env(sim.sandbox),
                         capture_output=True, text=True, timeout=1800)
    if out.returncode != 0:
        raise SystemExit(f"twindeck {' '.join(args[:1])} failed ({out.returncode}): {out.stderr.strip()[-400:]}")
    return out.stdout


def create_with_twindeck(binary, sim, item):
    out = twindeck(binary, sim, ["create", "--look", LOOK, "--voice", VOICE, "--script", item["script"], "--title", item["title"],
                                 "--engine", item["engine"], "--resolution", "1080p", "--aspect-ratio", "16:9", "--json"])
    return json.loads(out)["video_id"]


def poll_board(binary, sim, items):
    """Runs `twindeck poll-board` while `items` are created with `twindeck create`, until all are final; its events."""
    board = subprocess.Popen([binary, "poll-board", "--expect", str(len(items)), "--base-url", sim.base, "--api-key", "demo"],
                             env=sandbox_env(sim.sandbox), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ids = [create_with_twindeck(binary, sim, item) for item in items]
    out, err = board.communicate(timeout=1800)
    if board.returncode != 0:
        raise SystemExit(f"twindeck poll-board failed ({board.returncode}): {err.strip()[-400:]}")
    return ids, [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def run_twindeck(binary, sim, warmup, measured):
    poll_board(binary, sim, warmup)
    before = sim.counts()
    ids, events = poll_board(binary, sim, measured)
    requests = sim.counts() - before
    finals = {e["key"]: e for e in events if e["event"] == "final"}
    seen = {e["video_id"]: e["seen_at"] for e in finals.values() if e.get("seen_at")}
    estimates = {finals[e["key"]]["video_id"]: e for e in events if e["event"] == "estimate" and e["key"] in finals}
    return result("TwinDeck poller (poll-board)", sim, ids, seen, requests, estimates)


# MARK: - Figures


def result(name, sim, ids, seen, requests, estimates):
    plans = sim.renders()
    delays = [seen[i] - plans[i]["finished_at"] for i in ids if i in seen]
    errors = []
    for i in ids:
        if i in estimates:
            actual = plans[i]["finished_at"] - plans[i]["created_at"]
            errors.append(abs(estimates[i]["expected_seconds"] - actual) / actual)
    renders = [plans[i]["finished_at"] - plans[i]["created_at"] for i in ids]
    return {"name": name, "videos": len(ids), "seen": len(delays), "requests_per_video": requests / len(ids),
            "delays": delays, "eta_errors": errors, "renders": renders}


def quantile(values, q):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q * (len(ordered) - 1)))))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default=str(ROOT / ".build/debug/twindeck"))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--render-scale", type=float, default=1.0, help="the simulator's --render-scale (1: 10-70 s renders)")
    parser.add_argument("--json", action="store_true", help="also print the raw figures as JSON")
    args = parser.parse_args()
    if not Path(args.binary).exists():
        raise SystemExit(f"no binary at {args.binary}: swift build (or --binary)")
    warmup, measured = workload(args.seed, 20, 0), workload(args.seed, 20, 100)
    root = Path(tempfile.mkdtemp(prefix="twindeck-pollbench-"))
    sims = []
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        sims = [Simulator(args.binary, args.seed, args.render_scale, root / name) for name in ("guide", "cli", "twindeck")]
        started = time.time()
        with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
            jobs = [
                pool.submit(run_baseline, "guide's loop (GET every 10 s)", sims[0], warmup, measured, guide_loop(sims[0])),
                pool.submit(run_baseline, "official CLI (2 s doubling to 30 s, +-25 %)", sims[1], warmup, measured,
                            official_cli(sims[1], args.seed)),
                pool.submit(run_twindeck, args.binary, sims[2], warmup, measured),
            ]
            results = [job.result() for job in jobs]
        elapsed = time.time() - started
    finally:
        for sim in sims:
            sim.stop()
        shutil.rmtree(root, ignore_errors=True)

    renders = results[0]["renders"]
    same = all(abs(a - b) < 1e-6 for r in results[1:] for a, b in zip(renders, r["renders"]))
    print(f"workload: 20 warm-up renders, then 20 videos (Avatar IV and V, 4-70 words), realistic model, seed {args.seed}, "
          f"--render-scale {args.render_scale}; renders {min(renders):.0f}-{max(renders):.0f} s (median {statistics.median(renders):.0f} s)"
          f"{'' if same else ' -- WARNING: the strategies got different render times'}; run took {elapsed:.0f} s")
    print()
    print("| strategy | requests / video | delay median | delay p90 | delay max | ETA median abs. error |")
    print("|---|---|---|---|---|---|")
    for r in results:
        d = r["delays"]
        eta = f"{100 * statistics.median(r['eta_errors']):.1f} % ({len(r['eta_errors'])} of {r['videos']} estimated)" if r["eta_errors"] else "-"
        seen = "" if r["seen"] == r["videos"] else f" ({r['seen']} of {r['videos']} seen)"
        print(f"| {r['name']} | {r['requests_per_video']:.2f} | {statistics.median(d):.2f} s | {quantile(d, 0.9):.2f} s | "
              f"{max(d):.2f} s{seen} | {eta} |")
    t = results[2]
    guide = results[0]
    checks = [
        ("median delay <= 2 s", statistics.median(t["delays"]) <= 2),
        ("p90 delay <= 5 s", quantile(t["delays"], 0.9) <= 5),
        ("fewer requests per video than the guide's loop", t["requests_per_video"] < guide["requests_per_video"]),
        ("ETA median absolute error <= 20 %", bool(t["eta_errors"]) and statistics.median(t["eta_errors"]) <= 0.20),
    ]
    print()
    for text, met in checks:
        print(f"TwinDeck target: {text}: {'met' if met else 'NOT met'}")
    if args.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
