#!/usr/bin/env python3
"""Regenerates Linker/twindeck.order: the functions a typical session runs, for the release link.

    python3 scripts/link-order.py          # about 3 minutes: a release build, then a session under valgrind

Why: the release binary is ~16 MB of machine code (the app, the simulator, NIO, AsyncHTTPClient, GRDB,
BoringSSL, swift-argument-parser …), and the kernel maps file pages into a process in whole folios (up to
hundreds of KiB on this machine's ext4), so one function called in a region makes the whole region
resident. A session runs a small part of that code, scattered over all of it. The release link
(Package.swift, Linux only) asks lld to place the functions listed here first, together, so the code a
session runs shares a few folios instead of touching most of them: resident memory of the app with
10,000 voices and 200 board rows drops by several MiB (README "Performance").

How: the release binary runs one scripted session in a pseudo-terminal under valgrind's callgrind
(against `twindeck simulate` on 127.0.0.1, in a private XDG sandbox, like scripts/perf.py): looks, a
filter, the help overlay, voices with a filter and the facets, the compose form, a JSON preview, the
board with detail, a resize, quit; then the CLI's `--help`, `looks`, `voices`, `videos`. Every function
callgrind saw run is written out by its symbol name, most often called first.

The list is a hint, not a contract: a function renamed since it was made is simply not found (lld is told
not to warn), and new code goes where it would have gone anyway. Regenerate it when the code has moved
a lot. Needs valgrind, pexpect and pyte (as scripts/perf.py).
"""

import collections
import os
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import perf  # noqa: E402  (the sandbox, simulator and pty helpers)

ROOT = Path(__file__).resolve().parent.parent
ORDER = ROOT / "Linker" / "twindeck.order"
ORIGINAL = perf.BINARY
SLOW = 20  # valgrind runs the app ~50x slower: every wait is this much longer


def callgrind_functions(path):
    """{symbol: times called} for every function a callgrind output file saw run.

    Names are compressed: `fn=(12) name` the first time, `fn=(12)` after. `fn=` starts a function's own
    costs, `cfn=` names a callee and the `calls=N …` line after it says how often it was called.
    """
    names, calls = {}, collections.Counter()
    callee = None
    for line in Path(path).read_text(errors="replace").splitlines():
        m = re.match(r"^(c?fn)=\((\d+)\)(?: (.*))?$", line)
        if m:
            kind, ident, name = m.groups()
            if name:
                names[ident] = name
            name = names.get(ident)
            if kind == "fn":
                calls[name] += 0
                callee = None
            else:
                callee = name
            continue
        m = re.match(r"^calls=(\d+)", line)
        if m and callee:
            calls[callee] += int(m.group(1))
            callee = None
    calls.pop(None, None)
    return calls


def session(env, sim, out, binary):
    """The scripted full-screen session under callgrind."""
    real = str(binary)
    perf.BINARY = "valgrind"
    try:
        app = perf.App(env, "--tool=callgrind", "--demangle=no", f"--callgrind-out-file={out}", real,
                       "--base-url", sim.url, "--api-key", "demo")
    finally:
        perf.BINARY = ORIGINAL
    try:
        app.wait_for(perf.looks_ready, 30 * SLOW, "the looks list")
        app.drain(2.0, limit=60)
        for keys in ["j", "j", "/", "o", "f", "\x1b", "p", "p", "?", "\x1b", "2"]:
            app.send(keys)
            app.drain(1.0, limit=60)
        app.wait_for(perf.voices_ready, 30 * SLOW, "the Voices pane")
        for keys in ["/", "j", "o", "s", "\r", "\x1b", "L", "\x1b", "F", "\x1b", "j", "G", "g", "3"]:
            app.send(keys)
            app.drain(1.0, limit=60)
        for keys in ["\t", "\t", "l", "h", "p", "\x1b", "4"]:
            app.send(keys)
            app.drain(1.0, limit=60)
        app.wait_for(lambda a: "Perf " in a.text(), 20 * SLOW, "the board")
        for keys in ["j", "\r", "S", "r"]:
            app.send(keys)
            app.drain(1.0, limit=60)
        app.child.setwinsize(30, 120)
        app.drain(2.0, limit=60)
        app.child.setwinsize(perf.ROWS, perf.COLS)
        app.drain(2.0, limit=60)
        app.send("q")
        app.child.expect(perf.pexpect.EOF, timeout=60 * SLOW)
    finally:
        perf.Reaper.stop(app.child)


def main():
    if not subprocess.run(["which", "valgrind"], capture_output=True).stdout:
        sys.exit("link-order.py needs valgrind: apt-get install valgrind")
    perf.ensure_binary(False)
    env = perf.sandbox("order")
    sim = perf.Simulator(env, "--voices", "10000", "--render-seconds", "600", "--max-concurrent", "0")
    try:
        perf.create_videos_up_to(env, sim, 20)
        work = perf.REAPER.tmpdir("twindeck-order-")
        # valgrind 3.19 cannot read the DWARF 5 Swift emits: profile a copy without it (same symbols).
        binary = work / "twindeck"
        subprocess.run(["strip", "--strip-debug", "-o", str(binary), str(perf.BINARY)], check=True)
        outs = []
        out = work / "app.out"
        session(env, sim, out, binary)
        outs.append(out)
        for i, args in enumerate([["--help"], ["looks"], ["voices", "--search", "jose"], ["videos"]]):
            out = work / f"cli{i}.out"
            subprocess.run(["valgrind", "--tool=callgrind", "--demangle=no", f"--callgrind-out-file={out}",
                            str(binary), *args, "--base-url", sim.url, "--api-key", "demo"]
                           if args != ["--help"] else
                           ["valgrind", "--tool=callgrind", "--demangle=no", f"--callgrind-out-file={out}",
                            str(binary), "--help"],
                           env=env, cwd=env["HOME"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=600)
            outs.append(out)
        total = collections.Counter()
        for out in outs:
            for name, calls in callgrind_functions(out).items():
                total[name] += calls + 1
    finally:
        sim.stop()
        perf.REAPER.cleanup()
    # Only symbols defined in the binary's .text (not the shared libraries').
    defined = set()
    for line in subprocess.run(["nm", "--defined-only", str(perf.BINARY)], capture_output=True, text=True).stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "tTwW":
            defined.add(parts[2])
    hot = [name for name, _ in sorted(total.items(), key=lambda kv: (-kv[1], kv[0])) if name in defined]
    ORDER.parent.mkdir(exist_ok=True)
    ORDER.write_text("".join(name + "\n" for name in hot))
    size = {}
    for line in subprocess.run(["nm", "-S", "--defined-only", str(perf.BINARY)], capture_output=True, text=True).stdout.splitlines():
        parts = line.split()
        if len(parts) == 4:
            size[parts[3]] = int(parts[1], 16)
    print(f"link-order: {len(hot)} functions, {sum(size.get(n, 0) for n in hot) / 1024 / 1024:.1f} MiB of code "
          f"-> {ORDER.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
