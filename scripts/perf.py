#!/usr/bin/env python3
"""Whole-process performance figures for TwinDeck, measured on the release binary.

    python3 scripts/perf.py            # full run: about 2 minutes once the binary is built
    python3 scripts/perf.py --quick    # fewer repetitions, 20 s idle window: about 1 minute
    (--no-build uses .build/release/twindeck as it is; --budget N bounds the measurements, default 300 s)
    python3 scripts/perf.py --only history --baseline OLD/twindeck   # a long history, this build and an older one

The `history` step seeds a store with 20 renders made by the binary's own `create` (still rendering on the
simulator) and 20,000 finished rows written beside them with sqlite3 in the binary's own schema, and measures the
first board frame, idle CPU on the Board and on Looks, and `videos --json`'s peak RSS (about 2 minutes a binary).

Measures what the pure-code benchmarks (`swift package benchmark`) cannot: process start, the first frame
on a real terminal (a pty), keypress -> repaint through ncurses, the bytes ncurses writes, idle CPU and
resident memory. Prints a table (figure | measured | target | met?) and exits 0: it is a report, not a test.

Everything runs in a private XDG sandbox under a temporary directory and talks only to 127.0.0.1 (a
`twindeck simulate` process, or the in-process `--demo` simulator). Every child process and the sandbox are
removed at the end, also on Ctrl-C, SIGTERM or an error. The measurements are bounded by a time budget
(SIGALRM); building the release binary, when it is missing or older than the sources, comes before that.

Needs Python 3.9+, `pexpect`, and `pyte` (the screen model: `pip install pyte`).
"""

import argparse
import concurrent.futures
import json
import os
import re
import select
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

try:
    import pexpect
except ImportError:  # pragma: no cover
    sys.exit("perf.py needs pexpect: pip install pexpect")
try:
    import pyte
except ImportError:  # pragma: no cover
    sys.exit("perf.py needs pyte for its screen model: pip install pyte  (or apt-get install python3-pyte)")

ROOT = Path(__file__).resolve().parent.parent
BINARY = Path(os.environ["PERF_BINARY"]) if os.environ.get("PERF_BINARY") else ROOT / ".build" / "release" / "twindeck"
COLS, ROWS = 80, 24
LOOK = "lk_twin_office"                       # a fixture look with Avatar IV and V
VOICE = "1bd001e7e50f421d891986aad5c8bbd2"    # a fixture voice (in every catalogue size)
GAP = 0.025                                   # silence that ends one burst of output (one frame)
CLK_TCK = os.sysconf("SC_CLK_TCK")


class Interrupted(BaseException):
    """SIGTERM/SIGHUP: stop like Ctrl-C."""


class OutOfTime(BaseException):
    """The time budget ran out (SIGALRM)."""


def say(*parts):
    print(*parts, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------- cleanup

class Reaper:
    """Every child process and temporary directory, stopped and removed exactly once."""

    def __init__(self):
        self.lock = threading.Lock()
        self.procs = []   # subprocess.Popen or pexpect.spawn
        self.dirs = []

    def add(self, proc):
        with self.lock:
            self.procs.append(proc)
        return proc

    def forget(self, proc):
        with self.lock:
            if proc in self.procs:
                self.procs.remove(proc)

    def tmpdir(self, prefix):
        path = Path(tempfile.mkdtemp(prefix=prefix))
        with self.lock:
            self.dirs.append(path)
        return path

    @staticmethod
    def stop(proc):
        try:
            if isinstance(proc, pexpect.spawn):
                if proc.isalive():
                    proc.terminate(force=True)   # SIGHUP, SIGCONT, SIGINT, then SIGKILL
                proc.close(force=True)
            elif proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=5)
        except Exception as error:  # keep going: the rest must be cleaned up too
            say(f"cleanup: {error}")

    def cleanup(self):
        old = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
        signal.alarm(0)
        try:
            with self.lock:
                procs, self.procs = list(reversed(self.procs)), []
                dirs, self.dirs = self.dirs, []
            for proc in procs:
                self.stop(proc)
            for path in dirs:
                shutil.rmtree(path, ignore_errors=True)
        finally:
            for s, handler in old.items():
                signal.signal(s, handler)


REAPER = Reaper()


def run(cmd, env, timeout=60, check=True):
    """Runs a command to completion (registered for cleanup while it runs); returns (rc, stdout, stderr)."""
    proc = REAPER.add(subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, cwd=env["HOME"]))
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise RuntimeError(f"{' '.join(map(str, cmd[:3]))} … took over {timeout} s")
    finally:
        REAPER.forget(proc)
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd[:3]))} … exited {proc.returncode}: {err.decode(errors='replace').strip()[:300]}")
    return proc.returncode, out.decode(errors="replace"), err.decode(errors="replace")


# ---------------------------------------------------------------------------------------------- build

def newest_source_mtime():
    newest = 0.0
    for name in ("Package.swift", "Package.resolved"):
        path = ROOT / name
        if path.exists():
            newest = max(newest, path.stat().st_mtime)
    for folder in ("Sources", "Resources"):
        for dirpath, _, files in os.walk(ROOT / folder):
            for f in files:
                newest = max(newest, os.stat(os.path.join(dirpath, f)).st_mtime)
    return newest


# The release build the README documents: the Swift runtime and Foundation linked in (one self-contained file,
# and about 5 MiB less resident than loading them as shared libraries).
RELEASE_BUILD = ["swift", "build", "-c", "release", "--product", "twindeck", "--static-swift-stdlib"]


def ensure_binary(skip):
    if skip:
        if not BINARY.exists():
            sys.exit(f"{BINARY} is missing (run without --no-build, or: {' '.join(RELEASE_BUILD)})")
        return
    linked_in = BINARY.exists() and "libswiftCore" not in subprocess.run(
        ["readelf", "-d", str(BINARY)], capture_output=True, text=True).stdout
    if BINARY.exists() and linked_in and BINARY.stat().st_mtime >= newest_source_mtime():
        return
    why = ("missing" if not BINARY.exists() else "built without --static-swift-stdlib" if not linked_in
           else "older than the sources")
    say(f"perf: the release binary is {why}; building it: {' '.join(RELEASE_BUILD)} "
        "(about 5 minutes on 2 cores from clean) …")
    proc = REAPER.add(subprocess.Popen(RELEASE_BUILD, cwd=ROOT,
                                       stdin=subprocess.DEVNULL, stdout=sys.stderr, stderr=sys.stderr))
    try:
        rc = proc.wait(timeout=30 * 60)
    finally:
        REAPER.forget(proc)
    if rc != 0 or not BINARY.exists():
        sys.exit(f"perf: the release build failed (exit {rc})")


# ---------------------------------------------------------------------------------------------- sandbox

def sandbox(prefix, **extra):
    """A private HOME and XDG tree; nothing from the caller's environment but PATH."""
    root = REAPER.tmpdir(f"twindeck-perf-{prefix}-")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(root / "home"),
           "XDG_CONFIG_HOME": str(root / "config"), "XDG_CACHE_HOME": str(root / "cache"),
           "XDG_DATA_HOME": str(root / "data"), "XDG_STATE_HOME": str(root / "state"),
           "TWINDECK_DOWNLOAD_DIR": str(root / "downloads"),
           "TERM": "xterm-256color", "LANG": "C.UTF-8", "TZ": "UTC"}
    for key in ("HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "TWINDECK_DOWNLOAD_DIR"):
        Path(env[key]).mkdir(parents=True, exist_ok=True)
    env.update(extra)
    return env


class Simulator:
    """`twindeck simulate` as a separate process; the first stdout line is its base URL."""

    def __init__(self, env, *options):
        self.stderr = open(Path(env["HOME"]) / "simulator.log", "wb")
        self.proc = REAPER.add(subprocess.Popen([str(BINARY), "simulate", "--host", "127.0.0.1", "--port", "0", *options],
                                                env=env, cwd=env["HOME"], stdin=subprocess.DEVNULL,
                                                stdout=subprocess.PIPE, stderr=self.stderr))
        ready, _, _ = select.select([self.proc.stdout], [], [], 30)
        line = self.proc.stdout.readline().decode().strip() if ready else ""
        if not line.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"the simulator did not print its URL (got {line!r})")
        self.url = line

    def stop(self):
        Reaper.stop(self.proc)
        REAPER.forget(self.proc)
        self.stderr.close()


# ---------------------------------------------------------------------------------------------- the app in a pty

class ReplayScreen(pyte.Screen):
    """pyte plus REP (CSI n b), which ncurses uses for runs of one character with TERM=xterm-256color."""

    _last = " "

    def draw(self, data):
        super().draw(data)
        if data:
            self._last = data[-1]

    def repeat_last(self, count=1, *args, **kwargs):
        super().draw(self._last * max(1, count))


class ReplayStream(pyte.ByteStream):
    csi = dict(pyte.ByteStream.csi, b="repeat_last")


class App:
    """The full-screen app in an 80x24 pty, its output timed chunk by chunk and fed to a screen model."""

    def __init__(self, env, *args, binary=None):
        self.screen = ReplayScreen(COLS, ROWS)
        self.stream = ReplayStream(self.screen)
        self.total = 0
        self.eof = False
        self.t_exec = time.perf_counter()
        # ptyprocess returns from spawn once exec has succeeded (it waits on a close-on-exec pipe).
        if os.environ.get("PERF_APP_ENV"):   # for digging: extra NAME=VALUE pairs for the app, e.g. LD_DEBUG=bindings
            env = dict(env, **dict(pair.split("=", 1) for pair in os.environ["PERF_APP_ENV"].split()))
        self.child = REAPER.add(pexpect.spawn(str(binary or BINARY), list(args), env=env, cwd=env["HOME"],
                                              dimensions=(ROWS, COLS), echo=False))
        self.child.delaybeforesend = None
        self.pid = self.child.pid

    def read(self, timeout):
        """One chunk of output, or None after `timeout` s of silence: (bytes, arrival time)."""
        if self.eof:
            return None
        ready, _, _ = select.select([self.child.child_fd], [], [], max(0.0, timeout))
        if not ready:
            return None
        try:
            data = os.read(self.child.child_fd, 65536)
        except OSError:
            data = b""
        now = time.perf_counter()
        if not data:
            self.eof = True
            return None
        self.total += len(data)
        self.stream.feed(data)
        return data, now

    def lines(self):
        return self.screen.display

    def text(self):
        return "\n".join(self.screen.display)

    def wait_for(self, predicate, timeout, what):
        """Reads until predicate(self) holds; returns the arrival time of the chunk that made it hold."""
        deadline = time.perf_counter() + timeout
        if predicate(self):
            return time.perf_counter()
        while True:
            left = deadline - time.perf_counter()
            if left <= 0 or self.eof:
                raise RuntimeError(f"timed out waiting for {what}; screen:\n" + self.text())
            got = self.read(min(left, 0.5))
            if got and predicate(self):
                return got[1]

    def burst(self, first_timeout, gap=GAP):
        """One burst of output (chunks closer than `gap`): (bytes, first arrival, last arrival) or None."""
        got = self.read(first_timeout)
        if not got:
            return None
        data, first = got
        last = first
        while True:
            more = self.read(gap)
            if not more:
                return data, first, last
            data += more[0]
            last = more[1]

    def drain(self, quiet=0.3, limit=5.0):
        """Reads until the output has been quiet for `quiet` s; returns the bytes read."""
        data = b""
        deadline = time.perf_counter() + limit
        while time.perf_counter() < deadline:
            got = self.read(quiet)
            if not got:
                break
            data += got[0]
        return data

    def send(self, keys):
        os.write(self.child.child_fd, keys.encode())
        return time.perf_counter()

    def quit(self):
        try:
            if not self.eof:
                self.send("q")
                deadline = time.perf_counter() + 5
                while not self.eof and time.perf_counter() < deadline:
                    self.read(0.2)
        finally:
            Reaper.stop(self.child)
            REAPER.forget(self.child)


def looks_ready(app):
    lines = app.lines()
    return "TwinDeck" in lines[0] and any("Digital twins ·" in l for l in lines) and "Office — Blue Shirt" in app.text()


def voices_ready(app):
    lines = app.lines()
    return re.search(r"[\d,]+ voices", lines[1]) is not None and re.match(r" [\d,]+ of [\d,]+", lines[2]) \
        and any("│ Voice ID" in l for l in lines)


def board_ready(count):
    return lambda app: re.match(rf" {count} of {count} videos", app.lines()[2]) is not None


def detail_name(app):
    return next((l for l in app.lines() if l.startswith("│ Name")), "")


def snapshot(app):
    """Every cell with its attributes, row by row (a selection bar moving changes colours, not text)."""
    buf = app.screen.buffer
    return [tuple(buf[y][x] for x in range(COLS)) for y in range(ROWS)]


def changed_rows(before, after):
    return [i for i, (a, b) in enumerate(zip(before, after)) if a != b]


# ---------------------------------------------------------------------------------------------- statistics

def median(values):
    return statistics.median(values)


def p99(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, -(-99 * len(ordered) // 100) - 1))]  # nearest rank


def ms(seconds):
    return f"{seconds * 1000:.1f} ms" if seconds < 0.1 else f"{seconds * 1000:.0f} ms"


def cpu_ticks(pid):
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])   # utime, stime (fields 14 and 15)


def proc_status(pid):
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if rest.strip().endswith("kB"):
            values[key] = int(rest.split()[0])
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
            key, _, rest = line.partition(":")
            values["rollup." + key] = int(rest.split()[0])
    except OSError:
        pass
    return values


def show_bytes(data, limit=600):
    """Raw terminal output made readable: ESC as \\e, other controls as \\xNN."""
    text = data.decode("utf-8", errors="backslashreplace")
    text = text.replace("\x1b", "\\e")
    text = re.sub(r"[\x00-\x08\x0a-\x1f\x7f]", lambda m: f"\\x{ord(m.group()):02x}", text)
    return text if len(text) <= limit else text[:limit] + f"… ({len(data)} bytes)"


def escape_share(data):
    sequences = re.findall(rb"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-B]|\x1b.", data)
    return len(sequences), sum(len(s) for s in sequences)


# ---------------------------------------------------------------------------------------------- the figures

class Report:
    def __init__(self):
        self.rows = []    # (figure, measured, target, met)
        self.notes = []
        self.later = {}   # rows measured early but shown after another

    def add(self, figure, measured, target="–", met=None):
        self.rows.append((figure, measured, target, "–" if met is None else ("yes" if met else "NO")))

    def note(self, text):
        self.notes.append(text)

    def print(self):
        head = ("figure", "measured", "target", "met?")
        widths = [max(len(str(r[i])) for r in self.rows + [head]) for i in range(4)]
        line = lambda r: " | ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip()
        print()
        print(line(head))
        print("-+-".join("-" * w for w in widths))
        for r in self.rows:
            print(line(r))
        if self.notes:
            print()
            for n in self.notes:
                print("- " + n)
        sys.stdout.flush()


def measure_help(report, reps):
    env = sandbox("help")
    cmd = [str(BINARY), "--help"]
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)  # warm the page cache
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30, check=True)
        times.append(time.perf_counter() - t0)
    value = median(times)
    report.add(f"`twindeck --help`, exec → exit, median of {reps}", ms(value), "≤ 50 ms", value <= 0.050)
    proc = REAPER.add(subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    try:
        _, code, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(code)
    finally:
        REAPER.forget(proc)
    report.later["help-rss"] = ("  for comparison: peak RSS of `twindeck --help` (binary + Swift runtime, no app)",
                                f"{usage.ru_maxrss / 1024:.1f} MiB")


def log_first_frames(env):
    log = Path(env["XDG_STATE_HOME"]) / "twindeck" / "twindeck.log"
    text = log.read_text(errors="replace") if log.exists() else ""
    return [(int(a), int(b)) for a, b in re.findall(r"first frame (\d+) ms after the UI started \((\d+) ms after exec\)", text)]


def measure_first_frame(report, env, sim, reps):
    args = ["--base-url", sim.url, "--api-key", "demo"]
    cache = Path(env["XDG_CACHE_HOME"]) / "twindeck" / "voices-127.0.0.1.bin"
    say("perf: caching the 10,000-voice catalogue …")
    app = App(env, *args)
    try:
        app.wait_for(looks_ready, 30, "the looks list")
        deadline = time.perf_counter() + 60
        while not cache.exists():
            if time.perf_counter() > deadline:
                raise RuntimeError("the voice catalogue was never cached")
            app.read(0.2)
        app.drain(0.3)
    finally:
        app.quit()
    logged_before = len(log_first_frames(env))
    say(f"perf: first frame, {reps} runs …")
    times, firsts = [], []
    for _ in range(reps):
        app = App(env, *args)
        try:
            first = app.wait_for(lambda a: "TwinDeck" in a.lines()[0], 30, "any first frame")
            arrived = app.wait_for(looks_ready, 30, "the first frame with the looks list")
            firsts.append(first - app.t_exec)
            times.append(arrived - app.t_exec)
            app.drain(0.2)
        finally:
            app.quit()
    logged = log_first_frames(env)[logged_before:]
    # For comparison, the same without the cached catalogue (it is then fetched after the first frame).
    saved = cache.read_bytes()
    bare_first, bare_looks = [], []
    for _ in range(reps):
        cache.unlink(missing_ok=True)
        app = App(env, *args)
        try:
            first = app.wait_for(lambda a: "TwinDeck" in a.lines()[0], 30, "any first frame")
            arrived = app.wait_for(looks_ready, 30, "the first frame with the looks list")
            bare_first.append(first - app.t_exec)
            bare_looks.append(arrived - app.t_exec)
            app.drain(0.2)
        finally:
            app.quit()
    cache.write_bytes(saved)
    value = median(times)
    report.add(f"first frame with the looks list, exec → bytes in the pty, 10,000 cached voices, median of {reps}",
               ms(value), "≤ 150 ms", value <= 0.150)
    report.add("  first frame of any kind (header drawn, looks maybe still loading), exec → pty, median", ms(median(firsts)))
    report.add("  both without a voice cache (catalogue fetched later): any frame / looks list, median",
               f"{ms(median(bare_first))} / {ms(median(bare_looks))}")
    if logged:
        ui = median([a for a, _ in logged]) / 1000
        exe = median([b for _, b in logged]) / 1000
        report.add("  the app's own log: “first frame … ms after exec” (starttime has 10 ms ticks), median",
                   f"{ms(exe)} (after UI start: {ms(ui)})")
    report.note(f"first frame runs, exec → any frame / → looks list (ms): "
                f"{', '.join(f'{a * 1000:.0f}/{b * 1000:.0f}' for a, b in zip(firsts, times))}; "
                f"app log (after exec / after UI start): {', '.join(f'{b}/{a}' for a, b in logged) or 'none'}; "
                f"without a voice cache: {', '.join(f'{a * 1000:.0f}/{b * 1000:.0f}' for a, b in zip(bare_first, bare_looks))}")
    return cache.stat().st_size


def measure_keys(report, env, sim, presses):
    say(f"perf: keypress → repaint, {presses} presses on Voices …")
    app = App(env, "--base-url", sim.url, "--api-key", "demo")
    try:
        app.wait_for(looks_ready, 30, "the looks list")
        app.send("2")
        app.wait_for(voices_ready, 30, "the Voices pane")
        app.drain(0.5)
        latencies, sizes, rows_seen, sample = [], [], None, b""
        discarded = 0
        attempts = 0
        while len(latencies) < presses and attempts < presses * 3:
            attempts += 1
            before = snapshot(app)
            name = detail_name(app)
            sent = app.send("j")
            data, last, ok = b"", None, False
            deadline = sent + 2
            while time.perf_counter() < deadline:
                got = app.burst(deadline - time.perf_counter())
                if not got:
                    break
                data += got[0]
                last = got[2]
                if detail_name(app) != name:
                    ok = True
                    break
            if not ok:
                raise RuntimeError("the selection did not move after j; screen:\n" + app.text())
            rows = changed_rows(before, snapshot(app))
            # A once-a-second tick ("fetched … ago") landing in the same frame is not this keypress's cost.
            if any(r < 4 or r == ROWS - 1 for r in rows):
                discarded += 1
            else:
                latencies.append(last - sent)
                sizes.append(len(data))
                rows_seen, sample = rows, data
            # Back up one row, unmeasured, so every measured press is the same one-row move (no scrolling).
            name = detail_name(app)
            app.send("k")
            app.wait_for(lambda a: detail_name(a) != name, 2, "the selection to move back")
            app.drain(0.05)
        if not latencies:
            raise RuntimeError("no clean keypress sample")
        p50, p_99 = median(latencies), p99(latencies)
        report.add(f"keypress → repaint incl. ncurses refresh (`j` on Voices, 10,000 voices), p50 / p99 of {len(latencies)} presses",
                   f"{ms(p50)} / {ms(p_99)}", "≤ 5 ms", p_99 <= 0.005)
        report.add("bytes written for one `j` on Voices (2 list rows + the detail panel)", f"{int(median(sizes))} B")
        seqs, seq_bytes = escape_share(sample)
        report.note(f"one `j` on Voices: {len(sample)} bytes, screen rows changed {rows_seen}; {seqs} escape sequences "
                    f"({seq_bytes} bytes), the rest text. Raw: {show_bytes(sample, 400)}")
        if discarded:
            report.note(f"keypress: {discarded} sample(s) discarded because a once-a-second tick repainted the status line in the same frame")
    finally:
        app.quit()


def measure_board_flip(report):
    """Three demo videos, oldest first: A renders 4 s, D 8 s, B 600 s. B (newest) is on top and selected, so A's
    flip changes a row that is not selected; then `j` selects D, and D's flip is the selected-row case."""
    say("perf: bytes for board rows flipping to completed (--demo) …")
    env = sandbox("flip", TWINDECK_DEMO_RENDER_SECONDS="4")
    for title, seconds in (("Perf flip A", 4), ("Perf flip D", 8), ("Perf flip B", 600)):
        run([str(BINARY), "create", "--demo", "--look", LOOK, "--voice", VOICE, "--script", "Hello from the perf harness.",
             "--title", title, "--json"], dict(env, TWINDECK_DEMO_RENDER_SECONDS=str(seconds)), timeout=60)
    app = App(env, "--demo")
    try:
        app.wait_for(looks_ready, 30, "the looks list")
        app.send("4")
        app.wait_for(board_ready(3), 10, "the board with 3 videos")
        row = lambda title: next((l for l in app.lines() if title in l), "")
        if "completed" in row("Perf flip A"):
            raise RuntimeError("video A completed before the board was shown")
        ticks = []

        def watch(title, label, target):
            deadline = time.perf_counter() + 20
            while time.perf_counter() < deadline:
                before = snapshot(app)
                got = app.burst(deadline - time.perf_counter())
                if not got:
                    continue
                data = got[0]
                if "completed" not in row(title):
                    ticks.append(len(data))
                    continue
                rows = changed_rows(before, snapshot(app))
                follow, follow_rows, follow_at = b"", set(), None
                end = time.perf_counter() + 0.5   # the detail fetch (link, duration) may repaint again
                while time.perf_counter() < end:
                    b2 = snapshot(app)
                    more = app.burst(end - time.perf_counter())
                    if more:
                        follow += more[0]
                        follow_at = follow_at or more[1] - got[2]
                        follow_rows.update(changed_rows(b2, snapshot(app)))
                seqs, seq_bytes = escape_share(data)
                if target:
                    report.add(label, f"{len(data)} B", "≤ 200 B", len(data) <= 200)
                else:
                    report.add(label, f"{len(data)} B")
                names = {1: "tab bar counter", 2: "status line", 4: "list row 1", 5: "list row 2", 6: "list row 3"}
                report.note(
                    f"{label.strip()}: {len(data)} bytes; screen rows changed {rows} "
                    f"({', '.join(names.get(r, 'detail panel' if 14 <= r <= 22 else f'row {r}') for r in rows)}); "
                    f"{seqs} escape sequences ({seq_bytes} bytes), {len(data) - seq_bytes} bytes of text and controls"
                    + (f"; the next frame, {follow_at * 1000:.0f} ms later, wrote {len(follow)} bytes (rows {sorted(follow_rows)})"
                       if follow else "; no other frame within 0.5 s")
                    + f". Raw: {show_bytes(data, 900)}")
                return
            raise RuntimeError(f"{title} never flipped to completed; screen:\n" + app.text())

        watch("Perf flip A", "bytes written for a board update: one row (not the selected one) flips to completed", True)
        app.send("j")
        app.wait_for(lambda a: any(l.startswith("│ Title") and "Perf flip D" in l for l in a.lines()), 3, "the selection on D")
        app.drain(0.1)
        if "completed" in row("Perf flip D"):
            raise RuntimeError("video D completed before it was selected")
        watch("Perf flip D", "  the same when the flipping row is the selected one (the detail panel changes too)", False)
        if ticks:
            report.add("  bytes of a once-a-second board frame while rendering (spinners, ages, “polled … ago”), median",
                       f"{int(median(ticks))} B")
    finally:
        app.quit()


CREATED = {"count": 0}   # videos created on the shared simulator so far (steps can run alone with --only)


def create_videos_up_to(env, sim, total):
    if CREATED["count"] < total:
        create_videos(env, sim, CREATED["count"], total - CREATED["count"])


def create_videos(env, sim, start, count, workers=4, binary=None):
    if binary is None:
        CREATED["count"] = max(CREATED["count"], start + count)

    def one(i):
        rc, out, err = run([str(binary or BINARY), "create", "--base-url", sim.url, "--api-key", "demo", "--look", LOOK, "--voice", VOICE,
                            "--script", f"Perf harness video {i}.", "--title", f"Perf {i}", "--json"], env, timeout=60)
        return out
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers)
    try:
        for future in [pool.submit(one, i) for i in range(start, start + count)]:
            future.result()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


SYSCALLS = {0: "read", 7: "poll", 23: "select", 202: "futex", 232: "epoll_wait", 270: "pselect6", 271: "ppoll",
            281: "epoll_pwait", 441: "epoll_pwait2"}


def thread_sched(pid):
    """Each thread's run time (ns, from schedstat) and context switches: {tid: (name, ns, switches)}."""
    out = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
            ns, _, switches = (task / "schedstat").read_text().split()[:3]
        except (OSError, ValueError):
            continue
        out[task.name] = (name, int(ns), int(switches))
    return out


def thread_waits_in(pid, tid):
    """The system call a thread sleeps in; for poll() its timeout (ncurses' get_wch polls stdin)."""
    try:
        fields = Path(f"/proc/{pid}/task/{tid}/syscall").read_text().split() or ["?"]
    except OSError:
        return "?"
    if not fields[0].lstrip("-").isdigit():
        return fields[0]
    number = int(fields[0])
    name = SYSCALLS.get(number, f"syscall {number}")
    if number == 7 and len(fields) > 3:
        name += f"(…, {int(fields[3], 16)} ms)"
    return name


def idle_window(app, window):
    """CPU share (utime+stime), frames and bytes over `window` s, draining the pty meanwhile; plus the busiest
    threads from schedstat (ns run time, wake-ups), to say where the time goes."""
    before_bytes, frames = app.total, 0
    threads0 = thread_sched(app.pid)
    t0, c0 = time.perf_counter(), cpu_ticks(app.pid)
    end = t0 + window
    while time.perf_counter() < end:
        if app.burst(end - time.perf_counter()):
            frames += 1
    t1, c1 = time.perf_counter(), cpu_ticks(app.pid)
    threads1 = thread_sched(app.pid)
    wall = t1 - t0
    used = []
    for tid, (name, ns, switches) in threads1.items():
        _, ns0, sw0 = threads0.get(tid, (name, 0, 0))
        if ns > ns0:
            used.append((ns - ns0, switches - sw0, tid, name))
    used.sort(reverse=True)
    total_ns = sum(u[0] for u in used)
    threads = "; ".join(f"thread {tid} “{name}” (sleeps in {thread_waits_in(app.pid, tid)}) {ns / 1e6:.0f} ms, "
                        f"{sw / wall:.1f} wake-ups/s, {ns / max(1, sw) / 1e3:.0f} µs each"
                        for ns, sw, tid, name in used[:3])
    detail = f"schedstat total {total_ns / 1e6:.0f} ms; busiest: {threads or 'none'}"
    return (c1 - c0) / CLK_TCK / wall, (c1 - c0) / CLK_TCK, wall, frames, app.total - before_bytes, detail


def measure_idle_baseline(report, env, sim, window):
    say(f"perf: idle CPU on Looks with nothing rendering, {window} s (for comparison) …")
    app = App(env, "--base-url", sim.url, "--api-key", "demo")
    try:
        app.wait_for(looks_ready, 30, "the looks list")
        app.drain(2.0, limit=3.0)
        share, cpu, wall, frames, written, threads = idle_window(app, window)
        report.later["idle"] = (f"  for comparison: idle CPU on Looks, empty board, {window} s", f"{share * 100:.2f} % of a core")
        report.note(f"idle on Looks, nothing rendering: {cpu:.2f} s CPU in {wall:.1f} s; {frames} frames, {written} bytes; "
                    f"{threads}")
    finally:
        app.quit()


def measure_idle(report, env, sim, window):
    say(f"perf: idle CPU on the Board with 20 videos rendering, {window} s …")
    create_videos_up_to(env, sim, 20)
    app = App(env, "--base-url", sim.url, "--api-key", "demo")
    try:
        app.wait_for(looks_ready, 30, "the looks list")
        app.send("4")
        app.wait_for(board_ready(20), 15, "the board with 20 videos")
        app.drain(2.0, limit=3.0)
        share, cpu, wall, frames, written, threads = idle_window(app, window)
        report.add(f"idle CPU, Board with 20 videos rendering, {window} s (utime+stime)", f"{share * 100:.2f} % of a core",
                   "≤ 0.5 %", share <= 0.005)
        if "idle" in report.later:
            report.add(*report.later.pop("idle"))
        report.note(f"idle on the Board, 20 rendering: {cpu:.2f} s CPU in {wall:.1f} s; {frames} frames, {written} bytes written "
                    f"({written / wall:.0f} B/s); {threads}")
        if not app.lines()[2].startswith(" 20 of 20 videos · 20 rendering"):
            report.note(f"idle window: the status line at the end read “{app.lines()[2].strip()}”")
    finally:
        app.quit()


def smaps_breakdown(pid, top=6):
    """Resident kB per mapping (file path, or [heap]/[anon]/[stack]), largest first."""
    sizes, current = {}, "[anon]"
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        head = line.split(None, 5)
        if len(head) >= 5 and re.match(r"^[0-9a-f]+-[0-9a-f]+$", head[0]):
            current = head[5].strip() if len(head) == 6 and head[5].strip() else "[anon]"
            if current.startswith("[stack:") or current.startswith("[anon:"):
                current = "[anon]"
        elif line.startswith("Rss:"):
            sizes[current] = sizes.get(current, 0) + int(line.split()[1])
    ranked = sorted(sizes.items(), key=lambda kv: -kv[1])
    return ", ".join(f"{os.path.basename(name) if name.startswith('/') else name} {kb / 1024:.1f}" for name, kb in ranked[:top] if kb)


def memory_session(env, sim):
    """The app through Looks, Voices and the Board; returns (status, voices line, smaps summary, parts) at the end."""
    app = App(env, "--base-url", sim.url, "--api-key", "demo")
    try:
        app.wait_for(looks_ready, 30, "the looks list")
        app.send("2")
        app.wait_for(voices_ready, 30, "the Voices pane")
        voices_line = re.search(r"[\d,]+ voices", app.lines()[1]).group()
        app.drain(0.3)
        app.send("4")
        app.wait_for(board_ready(200), 20, "the board with 200 videos")
        app.drain(2.0, limit=3.0)
        status = proc_status(app.pid)
        if os.environ.get("PERF_MEMORY_HOOK"):   # for digging: a command run with the app's pid while it is measured
            subprocess.run([*os.environ["PERF_MEMORY_HOOK"].split(), str(app.pid)], check=False)
        return status, voices_line, smaps_breakdown(app.pid), memory_parts(status, app.pid)
    finally:
        app.quit()


def measure_memory(report, env, sim, catalogue_bytes):
    say("perf: resident memory with 10,000 voices and 200 board rows …")
    create_videos_up_to(env, sim, 200)
    cache = Path(env["XDG_CACHE_HOME"]) / "twindeck" / "voices-127.0.0.1.bin"
    # First start: nothing cached, the catalogue comes over HTTP (100 voices a page) and is written to the cache.
    first_env = dict(env, XDG_CACHE_HOME=str(REAPER.tmpdir("twindeck-perf-cache-")))
    first, _, _, _ = memory_session(first_env, sim)
    # Every later start: the catalogue from the cache (the figure the target is about).
    if not cache.exists():   # (also a binary from before the cache was binary: it wrote voices-<host>.json)
        cache.parent.mkdir(parents=True, exist_ok=True)
        for made in (Path(first_env["XDG_CACHE_HOME"]) / "twindeck").glob("voices-127.0.0.1.*"):
            shutil.copy(made, cache.parent / made.name)
        if not any(cache.parent.glob("voices-127.0.0.1.*")):
            raise RuntimeError("the first start did not cache the catalogue")
        cache = next(cache.parent.glob("voices-127.0.0.1.*"))
    status, voices_line, mappings, parts = memory_session(env, sim)
    hwm, rss = status["VmHWM"] / 1024, status["VmRSS"] / 1024
    report.add("resident memory, 10,000 voices + 200 board rows, after Voices and Board: VmHWM / VmRSS",
               f"{hwm:.1f} / {rss:.1f} MiB", "≤ 40 MiB", hwm <= 40)
    report.add("  the same on a first start (catalogue fetched, then cached): VmHWM / VmRSS",
               f"{first['VmHWM'] / 1024:.1f} / {first['VmRSS'] / 1024:.1f} MiB")
    if "help-rss" in report.later:
        report.add(*report.later.pop("help-rss"))
    report.note(f"memory ({voices_line}, 200 rows): {parts}; the cached catalogue file is "
                f"{cache.stat().st_size / 1024 / 1024:.1f} MiB. Largest resident mappings (MiB): {mappings}")
    return status


def measure_baseline_memory(report):
    """For comparison: the same app against a simulator with the default 1,842 voices and an empty board."""
    env = sandbox("base")
    sim = Simulator(env)
    try:
        app = App(env, "--base-url", sim.url, "--api-key", "demo")
        try:
            app.wait_for(looks_ready, 30, "the looks list")
            app.send("2")
            app.wait_for(voices_ready, 30, "the Voices pane")
            app.drain(0.3)
            app.send("4")
            app.wait_for(lambda a: "No videos yet" in a.text(), 10, "the empty board")
            app.drain(1.0)
            status = proc_status(app.pid)
            report.add("  for comparison: 1,842 voices, empty board, after Voices and Board: VmHWM / VmRSS",
                       f"{status['VmHWM'] / 1024:.1f} / {status['VmRSS'] / 1024:.1f} MiB")
            report.note(f"memory (1,842 voices, empty board): {memory_parts(status, app.pid)}. "
                        f"Largest resident mappings (MiB): {smaps_breakdown(app.pid)}")
        finally:
            app.quit()
    finally:
        sim.stop()


def memory_parts(status, pid):
    kib = lambda key: status.get(key, 0) / 1024
    threads = Path(f"/proc/{pid}/status").read_text().split("Threads:")[1].split()[0]
    return (f"RssAnon {kib('RssAnon'):.1f} MiB, RssFile {kib('RssFile'):.1f} MiB (shared, clean: code and read-only data), "
            f"Private_Dirty {kib('rollup.Private_Dirty'):.1f} MiB, VmData {kib('VmData'):.1f} MiB, {threads} threads")


# ---------------------------------------------------------------------------------------------- a long history

HISTORY_FINISHED, HISTORY_RENDERING = 20_000, 20
REFERENCE_DATE = 978_307_200   # 2001-01-01 in Unix time: the store keeps dates as seconds since then


def seed_history(env, sim, binary, finished=HISTORY_FINISHED, rendering=HISTORY_RENDERING):
    """A store with `rendering` real renders on the simulator (made by `binary`'s own `create`, which also makes the
    file with that binary's migrations) and `finished` older finished rows written beside them with sqlite3, in the
    same columns the binary writes (its schema read back with PRAGMA table_info); returns the store's path."""
    create_videos(env, sim, 0, rendering, binary=binary)
    path = Path(env["XDG_DATA_HOME"]) / "twindeck" / "store.sqlite"
    con = sqlite3.connect(path, timeout=30)
    try:
        columns = {row[1] for row in con.execute("PRAGMA table_info(submission)")}
        body, look_id, voice_id, engine, oldest = con.execute(
            "SELECT requestBody, lookID, voiceID, engine, min(createdAt) FROM submission").fetchone()
        template = json.loads(body)
        words = "Welcome back to the quarterly update from the team, with the numbers and what comes next. ".split()
        rows = []
        for i in range(finished):
            created = oldest - 60 - (finished - i) * 1_500.0          # one every 25 minutes: about a year back
            script = " ".join(words[(i + k) % len(words)] for k in range(20 + (i * 37) % 400))
            request = dict(template, script=script, title=f"History {i}")
            failed = i % 20 == 7
            done = created + 40 + (i * 13) % 600
            video = f"v_history_{i:05d}"
            row = {
                "idempotencyKey": f"history-{i:05d}-{(i * 2654435761) % 2**32:08x}", "videoID": video, "title": f"History {i}",
                "lookID": look_id, "lookName": "Office — Blue Shirt", "voiceID": voice_id, "voiceName": "Perf voice",
                "engine": engine, "requestBody": json.dumps(request, separators=(",", ":")), "source": ("cli", "form", "batch")[i % 3],
                "createdAt": created, "updatedAt": done, "submitState": "submitted", "status": "failed" if failed else "completed",
                "videoURL": None if failed else f"https://files.example.invalid/videos/{video}/video.mp4?Expires=1893456000&Signature={i:040d}",
                "captionedVideoURL": None if failed else f"https://files.example.invalid/videos/{video}/captioned.mp4",
                "thumbnailURL": None if failed else f"https://files.example.invalid/videos/{video}/thumbnail.jpg",
                "videoPageURL": None if failed else f"https://app.example.invalid/videos/{video}",
                "duration": None if failed else 5.0 + (i * 7) % 90, "failureCode": "RENDER_FAILED" if failed else None,
                "failureMessage": "The render failed on the server." if failed else None, "completedAt": None if failed else done,
                "lastPolledAt": done, "downloadState": "none", "processingAt": created + 5,
                "spokenSeconds": max(1, len(script.split()) * 60 // 150), "resolution": "1080p",
            }
            rows.append({k: v for k, v in row.items() if k in columns})
        names = list(rows[0])
        with con:
            con.executemany(f"INSERT INTO submission ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
                            [tuple(r[n] for n in names) for r in rows])
        count = con.execute("SELECT count(*) FROM submission").fetchone()[0]
    finally:
        con.close()
    if count != finished + rendering:
        raise RuntimeError(f"the seeded history has {count} rows, not {finished + rendering}")
    return path


def peak_rss_of(cmd, env, stdout):
    """Runs cmd to completion with stdout to the file `stdout`: (exit code, seconds, peak RSS in MiB). The peak is the
    child's own VmHWM, read from /proc while it runs (once it is the binary): the rusage a wait gives counts the
    forked copy of this script before the exec too, which after seeding a history is larger than the command."""
    t0 = time.perf_counter()
    proc = REAPER.add(subprocess.Popen(cmd, env=env, cwd=env["HOME"], stdin=subprocess.DEVNULL, stdout=stdout,
                                       stderr=subprocess.DEVNULL))
    peak = 0
    try:
        while proc.poll() is None:
            try:
                if os.readlink(f"/proc/{proc.pid}/exe") == os.path.realpath(cmd[0]):
                    peak = max(peak, proc_status(proc.pid).get("VmHWM", 0))
            except OSError:
                pass
            time.sleep(0.002)
    finally:
        REAPER.forget(proc)
    return proc.returncode, time.perf_counter() - t0, peak / 1024


def measure_history(report, sim, window, binary, label=""):
    """The board with a long history: 20,000 finished rows and 20 renders going on."""
    total = HISTORY_FINISHED + HISTORY_RENDERING
    tag = f" ({label})" if label else ""
    say(f"perf: a history of {HISTORY_FINISHED:,} finished + {HISTORY_RENDERING} rendering videos{tag}: seeding …")
    env = sandbox("history")
    seed_history(env, sim, binary)
    say(f"perf: … first board frame and idle CPU on the Board and on Looks, {window} s each{tag} …")
    app = App(env, "--base-url", sim.url, "--api-key", "demo", binary=binary)
    try:
        app.wait_for(lambda a: "TwinDeck" in a.lines()[0], 30, "any first frame")
        app.send("4")
        # The first frame of the board with its rows (the newest, maybe before the rest of the history is read) …
        board = app.wait_for(lambda a: re.match(r" [1-9]\d* of \d+ videos", a.lines()[2]) is not None, 60,
                             "the board's first rows") - app.t_exec
        first_line = app.lines()[2].strip()
        # … and the board with every row counted.
        complete = app.wait_for(board_ready(total), 60, f"the board with {total} videos") - app.t_exec
        app.drain(2.0, limit=5.0)
        running = app.lines()[2].strip()
        board_share, board_cpu, board_wall, board_frames, board_bytes, board_threads = idle_window(app, window)
        memory = proc_status(app.pid)
        app.send("1")
        app.wait_for(looks_ready, 30, "the looks list")
        app.drain(2.0, limit=5.0)
        looks_share, looks_cpu, looks_wall, _, _, looks_threads = idle_window(app, window)
        sent = app.send("4")
        switched = app.wait_for(board_ready(total), 30, "the board again") - sent
    finally:
        app.quit()
    say(f"perf: … `twindeck videos --json` over {total:,} rows{tag} …")
    out_path = Path(env["HOME"]) / "videos.json"
    with open(out_path, "wb") as out:
        rc, seconds, peak = peak_rss_of([str(binary), "videos", "--json"], env, out)
    try:
        listed = len(json.loads(out_path.read_text()))
    except ValueError as error:
        listed = f"not JSON ({error})"
    report.add(f"first board frame with {total:,} rows, exec → the board's rows in the pty (4 pressed at the first frame){tag}",
               ms(board), "≤ 150 ms", board <= 0.150)
    report.add(f"  exec → the board with all {total:,} rows read{tag}", ms(complete))
    report.add(f"  switching back to the board (4 → its frame) after a while on Looks{tag}", ms(switched))
    report.add(f"idle CPU, Board, {HISTORY_FINISHED:,} finished + {HISTORY_RENDERING} rendering, {window} s{tag}",
               f"{board_share * 100:.2f} % of a core", "≤ 0.5 %", board_share <= 0.005)
    report.add(f"  the same on Looks{tag}", f"{looks_share * 100:.2f} % of a core")
    report.add(f"  the app's resident memory after that: VmHWM / VmRSS{tag}",
               f"{memory['VmHWM'] / 1024:.1f} / {memory['VmRSS'] / 1024:.1f} MiB")
    report.add(f"`twindeck videos --json` with {total:,} rows: peak RSS (VmHWM){tag}", f"{peak:.1f} MiB", "≤ 60 MB",
               peak * 1024 * 1024 <= 60e6 and rc == 0 and listed == total)
    report.add(f"  its time, exec → exit; rows in its output{tag}", f"{ms(seconds)}; {listed} (exit {rc})")
    report.note(f"history{tag}: status line at the first board frame “{first_line}”, once settled “{running}”; Board {board_cpu:.2f} s CPU in {board_wall:.1f} s, {board_frames} frames, "
                f"{board_bytes} bytes; {board_threads}. Looks {looks_cpu:.2f} s CPU in {looks_wall:.1f} s; {looks_threads}")


# ---------------------------------------------------------------------------------------------- main

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and a 20 s idle window")
    parser.add_argument("--no-build", action="store_true", help="use .build/release/twindeck as it is")
    parser.add_argument("--budget", type=int, default=300, help="seconds the measurements may take (default 300)")
    parser.add_argument("--only", action="append", default=[], metavar="STEP",
                        help="run only this step (repeatable): help, first-frame, keypress, board-flip, idle, memory, history")
    parser.add_argument("--baseline", metavar="BINARY",
                        help="also measure the long-history step with this binary (an older build), in the same run")
    opts = parser.parse_args()

    def on_signal(signum, frame):
        raise Interrupted(signal.Signals(signum).name)

    def on_alarm(signum, frame):
        raise OutOfTime()

    signal.signal(signal.SIGINT, signal.default_int_handler)   # also when started with SIGINT ignored
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    signal.signal(signal.SIGALRM, on_alarm)

    report = Report()
    status = 0
    try:
        ensure_binary(opts.no_build)
        help_reps, frame_reps, presses, window, base_window = (10, 3, 20, 20, 10) if opts.quick else (20, 5, 50, 60, 20)
        started = time.perf_counter()
        signal.alarm(opts.budget)
        say(f"perf: {BINARY} ({'quick' if opts.quick else 'full'} run; budget {opts.budget} s)")
        steps = []
        env = sandbox("main")
        sim = None
        catalogue = {"bytes": 0}

        def start_sim():
            nonlocal sim
            sim = Simulator(env, "--voices", "10000", "--render-seconds", "600", "--max-concurrent", "0")
            say(f"perf: simulator on {sim.url}")

        def need_sim(step):
            def wrapped():
                if sim is None:
                    start_sim()
                return step()
            return wrapped

        steps.append(("--help", lambda: measure_help(report, help_reps)))
        steps.append(("first frame", need_sim(lambda: catalogue.update(bytes=measure_first_frame(report, env, sim, frame_reps)))))
        steps.append(("keypress", need_sim(lambda: measure_keys(report, env, sim, presses))))
        steps.append(("board flip", lambda: measure_board_flip(report)))
        steps.append(("idle CPU baseline", need_sim(lambda: measure_idle_baseline(report, env, sim, base_window))))
        steps.append(("idle CPU", need_sim(lambda: measure_idle(report, env, sim, window))))
        steps.append(("memory", need_sim(lambda: measure_memory(report, env, sim, catalogue["bytes"]))))
        steps.append(("memory baseline", lambda: measure_baseline_memory(report)))
        history_window = 20 if opts.quick else 30
        if opts.baseline:
            steps.append(("history baseline", need_sim(lambda: measure_history(report, sim, history_window, Path(opts.baseline),
                                                                               label="baseline"))))
        steps.append(("history", need_sim(lambda: measure_history(report, sim, history_window, BINARY))))
        if opts.only:
            slug = lambda name: name.replace("--", "").replace(" ", "-")
            wanted = {slug(name) for name, _ in steps}
            unknown = {o for o in opts.only if not any(w.startswith(o) for w in wanted)}
            if unknown:
                parser.error(f"unknown step {', '.join(sorted(unknown))}; steps: {', '.join(sorted(wanted))}")
            steps = [(n, s) for n, s in steps if any(slug(n).startswith(o) for o in opts.only)]
        for name, step in steps:
            try:
                step()
            except (KeyboardInterrupt, Interrupted, OutOfTime):
                raise
            except Exception as error:
                report.add(name, "not measured", "", None)
                report.note(f"{name}: {error}")
                say(f"perf: {name} failed: {error}")
        report.note(f"measured in {time.perf_counter() - started:.0f} s on {os.cpu_count()} CPUs with {BINARY}")
    except OutOfTime:
        report.note(f"stopped: the {opts.budget} s budget ran out; the remaining figures were not measured")
    except (KeyboardInterrupt, Interrupted) as why:
        report.note(f"interrupted ({str(why) or 'SIGINT'}); the remaining figures were not measured")
        status = 130
    finally:
        signal.alarm(0)
        REAPER.cleanup()
    if report.rows:
        report.print()
    return status


if __name__ == "__main__":
    sys.exit(main())
