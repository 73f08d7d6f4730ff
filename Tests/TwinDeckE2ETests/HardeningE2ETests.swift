import Foundation
import Testing

/// The real app in a real pty against `twindeck simulate`, checked from outside the process: what tmux saw
/// (window title, alternate screen, clipboard buffers) and what the app left on disk.
extension TmuxE2E {
@Suite("Hardening in tmux", .timeLimit(.minutes(1)))
struct HardeningE2ETests {
    static let canary = "sk_live_TWINDECK_CANARY_9f3c"

    /// Files under `root` holding `needle` (`grep -rlF`).
    static func filesHolding(_ needle: String, under root: URL) throws -> [String] {
        let grep = try #require(Tools.which("grep"))
        let result = Tools.run(grep, ["-rlF", "--", needle, root.path])
        return result.stdout.split(separator: "\n").map(String.init)
    }

    @Test func hostileNamesCannotTouchTheTerminal() async throws {
        let simulator = try SimulatorServer(["--hostile-names"])
        defer { simulator.stop() }
        let app = try TwinDeckInTmux(width: 100, height: 30, arguments: ["--base-url", simulator.baseURL, "--api-key", "demo"])
        defer { app.close() }
        _ = try app.tmux(["set", "-g", "set-clipboard", "on"])
        let title = try app.display("#{pane_title}")
        try await app.waitFor("the hostile looks", timeout: .seconds(15)) {
            $0.contains("demo-twin") && $0.listRows.count >= 5 && $0.contains("screen clea")
        }
        for _ in 0..<12 { try app.press("j") }
        try app.press("2")
        try await app.waitFor("the hostile voices", timeout: .seconds(15)) { $0.contains("1,842 of 1,842") && $0.contains("·31m") }
        for _ in 0..<20 { try app.press("j") }
        try app.press("1")
        let screen = try await app.waitFor("the looks again") { $0.contains("screen clea") && $0.contains("12 of 12") }
        #expect(try app.display("#{pane_title}") == title, "a name changed the window title")
        #expect(try app.display("#{alternate_on}") == "1", "a name switched the alternate screen off")
        #expect(try app.tmux(["list-buffers"]).isEmpty, "a name wrote to the clipboard")
        #expect(screen.lines.count == 30)
        // Every row's STATUS column starts where the others' do, whatever the name before it held.
        let statusColumns = Set(screen.listRows.compactMap { row in
            ["completed", "processing", "failed", "pending_consent"].compactMap { displayColumn(of: " " + $0, in: row) }.min()
        })
        #expect(screen.listRows.count >= 10 && statusColumns.count == 1, "columns \(statusColumns.sorted()) in\n\(screen)")
        #expect(screen.lines.allSatisfy { displayWidth($0) <= 100 }, "\(screen)")
        try app.press("q")
        #expect(try await app.waitForExit() == 0)
        try app.expectTerminalRestored("after hostile names")
    }

    @Test func theKeyIsNowhereTheAppWritesOrShows() async throws {
        let simulator = try SimulatorServer(["--api-key", Self.canary])
        defer { simulator.stop() }
        let app = try TwinDeckInTmux(width: 120, height: 30, environment: ["HEYGEN_API_KEY": Self.canary, "TWINDECK_LOG_LEVEL": "trace"],
                                     arguments: ["--base-url", simulator.baseURL])
        defer { app.close() }
        try await app.waitForFirstFrame()
        try app.press("2")
        try await app.waitFor("the voices", timeout: .seconds(15)) { $0.contains("1,842") }
        try app.press("1")
        try app.press("Enter")
        try await app.waitFor("Compose") { $0.contains("Compose a Digital Twin video") }
        try app.press("Escape", "4")
        try await app.waitFor("the board") { $0.contains(" 4 Board ") }
        let screen = try app.capture()
        #expect(!screen.contains(Self.canary))
        try app.press("q")
        #expect(try await app.waitForExit() == 0)
        let log = app.root.appendingPathComponent("state/twindeck/twindeck.log")
        #expect(FileManager.default.fileExists(atPath: log.path), "the app logged at trace level")
        #expect(try Self.filesHolding(Self.canary, under: app.root) == [], "files holding the key")
        for folder in ["data/twindeck", "state/twindeck", "cache/twindeck"] {
            let path = app.root.appendingPathComponent(folder).path
            let mode = (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int
            #expect(mode.map { $0 & 0o077 == 0 } ?? true, "\(folder) is \(String(mode ?? 0, radix: 8))")
            for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
                let file = (try? FileManager.default.attributesOfItem(atPath: path + "/" + name))?[.posixPermissions] as? Int ?? 0
                #expect(file & 0o077 == 0, "\(folder)/\(name) is \(String(file, radix: 8))")
            }
        }
    }
}
}
