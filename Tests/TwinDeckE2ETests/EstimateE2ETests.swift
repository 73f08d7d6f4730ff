import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The render estimate in the real app: after a warm-up history of four real renders on `twindeck simulate` (made
/// with `twindeck create --wait`, the same script each time), a fifth video's row on the Board shows the estimate's
/// bar and the time left, the bar fills as the render goes on, and the row ends completed without them.
extension TmuxE2E {
@Suite("Render estimate on the Board in tmux", .timeLimit(.minutes(1)))
struct EstimateE2ETests {
    static let voice = "1bd001e7e50f421d891986aad5c8bbd2"
    static let script = "The quarterly numbers are in, and they look good."

    /// The bar's filled cells and the seconds left, from a row like `… ███░░ ~6 s left · Estimated …`.
    static func progress(_ row: String) -> (filled: Int, left: Int)? {
        guard let range = row.range(of: " s left") else { return nil }
        let before = row[..<range.lowerBound]
        guard let tilde = before.lastIndex(of: "~"), let left = Int(before[before.index(after: tilde)...]) else { return nil }
        let bar = before[..<tilde].reversed().drop { $0 == " " }.prefix { $0 == "█" || $0 == "░" }
        guard bar.count == 5 else { return nil }
        return (bar.filter { $0 == "█" }.count, left)
    }

    @Test("after a warm-up history, the board shows an ETA and its bar moves")
    func etaAfterWarmUp() async throws {
        let simulator = try SimulatorServer(["--render-seconds", "12"])
        defer { simulator.stop() }
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("twindeck-e2e-eta-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: data) }
        let environment = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": data.path,
            "XDG_DATA_HOME": data.appendingPathComponent("data").path, "XDG_STATE_HOME": data.appendingPathComponent("state").path,
            "XDG_CONFIG_HOME": data.appendingPathComponent("config").path,
        ]
        let target = ["--base-url", simulator.baseURL, "--api-key", "demo"]
        func create(_ title: String, wait: Bool) -> String {
            let arguments = ["create", "--look", "lk_twin_office", "--voice", Self.voice, "--script", Self.script, "--title", title]
                + target + (wait ? ["--wait", "--poll-interval", "0.2"] : [])
            return ([twindeckBinary.path] + arguments).map(shellQuote).joined(separator: " ")
        }
        // The warm-up: four renders at once, waited for; each takes 12 s on the server.
        let warmUp = (1...4).map { create("Warm-up \($0)", wait: true) + " >/dev/null" }.joined(separator: " & ") + " & wait"
        let warm = Tools.run("/bin/sh", ["-c", warmUp], environment: environment, timeout: .seconds(40))
        #expect(warm.status == 0, "\(warm.stderr)")
        let made = Tools.run("/bin/sh", ["-c", create("Estimated", wait: false) + " && " + create("Waited", wait: false)],
                             environment: environment, timeout: .seconds(10))
        #expect(made.status == 0 && made.stdout.contains("Created video"), "\(made.stdout) \(made.stderr)")
        let waitedID = try #require(made.stdout.split(separator: "\n").last?.split(separator: " ").dropFirst(2).first.map(String.init))

        // `status --wait` in a terminal: the same estimate on its progress line (stderr).
        let waiting = try TwinDeckInTmux(width: 100, height: 30, environment: ["XDG_DATA_HOME": data.appendingPathComponent("data").path],
                                         arguments: ["status", waitedID, "--wait"] + target)
        defer { waiting.close() }
        let line = try await waiting.waitFor("the progress line with the estimate, its bar filling", timeout: .seconds(10)) { screen in
            screen.contains("s elapsed · ") && screen.contains(" s left (from 4 similar Avatar IV renders)") && screen.contains("█░")
        }
        #expect(line.line(containing: "s elapsed").map { $0.contains("pending") || $0.contains("processing") } == true, "\(line)")

        let app = try TwinDeckInTmux(width: 80, height: 24, environment: ["XDG_DATA_HOME": data.appendingPathComponent("data").path],
                                     arguments: target)
        defer { app.close() }
        try await app.waitForFirstFrame()
        try app.press("4")
        let first = try await app.waitFor("the new video's row with an estimate", timeout: .seconds(10)) { screen in
            screen.line(containing: "Estimated").flatMap(Self.progress) != nil
        }
        let row = try #require(first.line(containing: "Estimated"))
        let start = try #require(Self.progress(row))
        #expect(start.left <= 12 && start.left >= 1, "\(row)")
        #expect(first.contains("from 4 similar Avatar IV renders"), "the detail panel names the basis:\n\(first)")
        #expect(first.contains("Estimate"), "\(first)")
        // The bar fills and the time left goes down as the render goes on (the estimate is about 12 s: a cell is 2.4 s).
        let later = try await app.waitFor("the bar to move", timeout: .seconds(15)) { screen in
            guard let now = screen.line(containing: "Estimated").flatMap(Self.progress) else { return false }
            return now.filled > start.filled && now.left < start.left
        }
        #expect(later.line(containing: "Estimated").map { !$0.contains("overdue") } == true)
        // Completed: the row says so, and the estimate is gone from it.
        let done = try await app.waitFor("the video to complete", timeout: .seconds(20)) { screen in
            screen.line(containing: "Estimated")?.contains("completed") == true
        }
        let final = try #require(done.line(containing: "Estimated"))
        #expect(!final.contains("left") && !final.contains("░"), "\(final)")
        #expect(done.line(containing: "Warm-up 1")?.contains("completed") == true, "\(done)")
        let finished = try await waiting.waitFor("status --wait to finish", timeout: .seconds(10)) { $0.contains("EXIT=0") }
        #expect(finished.contains("Status:") && finished.contains("completed"), "\(finished)")
    }
}
}
