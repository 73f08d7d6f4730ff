import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A real tmpfs on a new folder under the temp directory (the tests run as root in their own mount namespace).
private struct Tmpfs {
    let folder: URL

    init(size: String) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("twindeck-e2e-tmpfs-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        guard mount("tmpfs", folder.path, "tmpfs", 0, "size=\(size),mode=0755") == 0 else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EPERM)
        }
    }

    /// Writes a file until the file system refuses more (every byte taken).
    func fill() {
        let fd = open(folder.appendingPathComponent("filler").path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { return }
        let block = [UInt8](repeating: 0x55, count: 4096)
        while block.withUnsafeBytes({ Glibc.write(fd, $0.baseAddress, $0.count) }) > 0 {}
        var byte: UInt8 = 0
        while Glibc.write(fd, &byte, 1) > 0 {}
        close(fd)
    }

    func unmount() {
        _ = umount2(folder.path, Int32(MNT_DETACH))
        try? FileManager.default.removeItem(at: folder)
    }
}

/// The full-screen app when the disk fills up: `d` into a 1 MB tmpfs, with the log file on a full tmpfs too.
/// Before, the first refused write trapped (SIGILL) and took the whole app down.
extension TmuxE2E {
@Suite("Full disk in tmux", .timeLimit(.minutes(1)))
struct DiskFullE2ETests {
    @Test func aDownloadThatFillsTheDiskIsShownOnTheRowAndTheAppGoesOn() async throws {
        let size = 3_000_000
        let simulator = try SimulatorServer(["--render-seconds", "0.3", "--media-bytes", "\(size)"])
        defer { simulator.stop() }
        let downloads = try Tmpfs(size: "1m")
        defer { downloads.unmount() }
        let state = try Tmpfs(size: "256k")
        defer { state.unmount() }
        let app = try TwinDeckInTmux(width: 120, height: 30, environment: [
            "TWINDECK_POLL_SCALE": "0.25", "TWINDECK_DOWNLOAD_DIR": downloads.folder.path, "XDG_STATE_HOME": state.folder.path,
        ], arguments: ["--base-url", simulator.baseURL, "--api-key", "demo"])
        defer { app.close() }
        try await app.waitForFirstFrame()
        let log = state.folder.appendingPathComponent("twindeck/twindeck.log")
        #expect(FileManager.default.fileExists(atPath: log.path), "the app opened its log on the small tmpfs")
        // From now on no log line fits.
        state.fill()

        // A video made from the CLI on the same history shows up on the Board.
        let env = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": app.root.path,
            "XDG_DATA_HOME": app.root.appendingPathComponent("data").path,
            "XDG_STATE_HOME": app.root.appendingPathComponent("state").path,
            "XDG_CONFIG_HOME": app.root.appendingPathComponent("config").path,
        ]
        let created = Tools.run(twindeckBinary.path, [
            "create", "--base-url", simulator.baseURL, "--api-key", "demo", "--look", "lk_twin_office",
            "--voice", "1bd001e7e50f421d891986aad5c8bbd2", "--script", "Too big for the disk", "--title", "Big one",
            "--wait", "--poll-interval", "0.2",
        ], environment: env, timeout: .seconds(20))
        #expect(created.status == 0, "\(created.stderr)")
        try app.press("4")
        try await app.waitFor("the completed video on the Board", timeout: .seconds(10)) { screen in
            screen.boardRows.count == 1 && screen.boardRows.first.flatMap(Screen.boardStatus) == "completed"
        }

        try app.press("d")
        let failed = try await app.waitFor("the full disk on the row", timeout: .seconds(15)) { screen in
            screen.boardRows.first?.contains("failed: disk full") == true
        }
        let detail = failed.text.replacingOccurrences(of: "\n", with: " ")
        #expect(failed.contains("the disk is full"), "the detail or the toast says why:\n\(failed)")
        #expect(detail.contains("bytes of \(size)") || failed.contains("Download failed"), "\(failed)")
        let pid = try app.appPID()
        #expect(TwinDeckInTmux.isAlive(pid), "the app survives the full disk")
        let names = try FileManager.default.contentsOfDirectory(atPath: downloads.folder.path)
        #expect(names.count == 1 && names.first?.hasSuffix(".part") == true, "the part file is kept for a resume: \(names)")

        // Still answering keys: the full detail opens and closes, then q quits cleanly (not a crash signal).
        try app.press("Enter")
        try await app.waitFor("the full detail") { $0.contains("Video detail — Esc closes") }
        try app.press("Escape")
        try await app.waitFor("the board again") { !$0.contains("Video detail — Esc closes") }
        try app.press("q")
        #expect(try await app.waitForExit() == 0)
    }
}
}
