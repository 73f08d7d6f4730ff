import Foundation
import Testing

/// The terminal can vanish without a SIGHUP reaching the app: a pseudo-terminal that is nobody's controlling
/// terminal (a process started with `setsid`, a detached multiplexer pane) just starts returning end-of-file.
/// The app must notice and stop, not spin reading nothing.
extension TmuxE2E {
@Suite("A terminal that hangs up without SIGHUP")
struct HangupE2ETests {
    /// Python opens a pty, runs `twindeck --demo` on it in a new session (so the pty is not its controlling
    /// terminal and no SIGHUP comes), waits for the first frame, closes the master side, and reports the exit.
    static let script = #"""
import os, sys, time, select, subprocess, fcntl, termios, struct
binary, home = sys.argv[1], sys.argv[2]
master, slave = os.openpty()
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
env = {"PATH": "/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8", "TERM": "xterm-256color",
       "XDG_CONFIG_HOME": home + "/config", "XDG_DATA_HOME": home + "/data",
       "XDG_STATE_HOME": home + "/state", "XDG_CACHE_HOME": home + "/cache"}
p = subprocess.Popen([binary, "--demo"], stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
os.close(slave)
seen, deadline = b"", time.time() + 60
while b"Looks" not in seen and time.time() < deadline:
    r, _, _ = select.select([master], [], [], 0.5)
    if r:
        try:
            seen += os.read(master, 65536)
        except OSError:
            break
if b"Looks" not in seen:
    p.kill()
    print("NOFRAME")
    sys.exit(0)
os.close(master)
started = time.time()
try:
    rc = p.wait(timeout=30)
    print("EXIT %d %.2f" % (rc, time.time() - started))
except subprocess.TimeoutExpired:
    p.kill()
    print("STILL-RUNNING")
"""#

    @Test func theAppStopsWhenItsTerminalHangsUp() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("twindeck-hangup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.script, twindeckBinary.path, home.path]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let line = output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(line != "NOFRAME", "the app never drew its first frame")
        #expect(line != "STILL-RUNNING", "the app kept running 30 s after its terminal hung up")
        // Stopped as on SIGHUP: 128 + 1.
        #expect(line.hasPrefix("EXIT 129 "), "\(line)")
    }
}
}
