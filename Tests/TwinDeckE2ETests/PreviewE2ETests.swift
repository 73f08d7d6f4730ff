import Foundation
import Testing

/// `p` (look picture through chafa) and `a` (voice audition) in the real binary, with a fake `chafa` first on
/// PATH so the picture is known and every call is recorded.
extension TmuxE2E {
@Suite("Look pictures and voice previews in tmux", .timeLimit(.minutes(2)))
struct PreviewE2ETests {
    /// A folder with a fake `chafa` that appends its arguments (one run per line) to `chafa.log` and prints
    /// three rows of coloured `▒` and a row with the word PORTRAIT.
    final class FakeChafa {
        let folder: URL
        var log: URL { folder.appendingPathComponent("chafa.log") }

        init() throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("twindeck-e2e-chafa-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let script = """
                #!/bin/sh
                printf '%s\\n' "$*" >> '\(log.path)'
                i=0
                while [ $i -lt 3 ]; do printf '\\033[38;5;202;48;5;17m▒▒▒▒▒▒▒▒▒▒▒▒\\033[0m\\n'; i=$((i+1)); done
                printf '\\033[38;5;231;48;5;17m  PORTRAIT  \\033[0m\\n'

                """
            let file = folder.appendingPathComponent("chafa")
            try script.write(to: file, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file.path)
        }

        deinit { try? FileManager.default.removeItem(at: folder) }

        var calls: [String] {
            ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }

        /// PATH for the app: the fake first, then the runner's (where the real chafa may be).
        var path: String { folder.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin") }
    }

    /// Polls `condition` every 50 ms for up to `timeout`.
    func eventually(_ timeout: Duration = .seconds(20), _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return condition()
    }

    /// The expected picture box for a terminal size (Layout.preview: the detail panel beside the list).
    func previewSize(width: Int, height: Int) -> String {
        let listWidth = width * 3 / 5
        return "\(width - listWidth - 1 - 4)x\(height - 3 - 5)"
    }

    /// Whether `PORTRAIT` is drawn inside the detail panel (right of the list, between its borders).
    func portraitInDetail(_ screen: Screen, width: Int) -> Bool {
        guard let line = screen.line(containing: "PORTRAIT"), let column = displayColumn(of: "PORTRAIT", in: line) else { return false }
        return column > width * 3 / 5 && line.hasSuffix("│") && screen.contains("Look · picture")
    }

    @Test func pictureIsDrawnRedrawnOnResizeAndToggledOff() async throws {
        let chafa = try FakeChafa()
        let app = try TwinDeckInTmux(width: 120, height: 36)
        defer { app.close() }
        try app.restart(path: chafa.path)
        try await app.waitForFirstFrame()
        #expect(chafa.calls.isEmpty, "nothing is drawn before p")

        try app.press("p")
        let shown = try await app.waitFor("PORTRAIT in the detail panel", timeout: .seconds(20)) { portraitInDetail($0, width: 120) }
        #expect(shown.contains("▒▒▒▒▒▒▒▒▒▒▒▒"), "\(shown)")
        #expect(shown.contains("p details"), "\(shown)")
        #expect(shown.lines.allSatisfy { displayWidth($0) <= 120 }, "\(shown)")
        let first = try #require(chafa.calls.last)
        #expect(first.contains("--format symbols"), "\(first)")
        #expect(first.contains("--size \(previewSize(width: 120, height: 36))"), "\(first)")
        #expect(first.contains("--colors 256"), "tmux is xterm-256color: \(first)")
        #expect(first.contains("lk_twin_office"), "the cached image of the first look: \(first)")

        // The colours reach the terminal: 256-colour SGR for the picture cells.
        let colours = try app.capture(escapes: true)
        #expect(colours.text.contains("38;5;202") || colours.text.contains("48;5;17"), "\(colours.text.prefix(2000))")

        try app.resize(width: 110, height: 30)
        let resized = previewSize(width: 110, height: 30)
        #expect(await eventually { chafa.calls.contains { $0.contains("--size \(resized)") } }, "chafa asked again: \(chafa.calls)")
        try await app.waitFor("PORTRAIT after the resize", timeout: .seconds(20)) { screen in
            portraitInDetail(screen, width: 110) && screen.lines.count == 30
        }

        try app.press("p")
        let details = try await app.waitFor("the look's details back", timeout: .seconds(10)) { screen in
            !screen.contains("PORTRAIT") && screen.detailName == "Office — Blue Shirt"
        }
        #expect(!details.contains("Look · picture"), "\(details)")
    }

    @Test func withoutChafaThePanelSaysHowToGetIt() async throws {
        // /bin is /usr/bin on merged-usr systems, where chafa lives: the PATH is a folder of its own with only
        // `sleep` (the pane's shell runs it after the app).
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("twindeck-e2e-nochafa-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        if let sleep = Tools.which("sleep") {
            try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("sleep").path, withDestinationPath: sleep)
        }
        let path = folder.path
        let app = try TwinDeckInTmux(width: 120, height: 36)
        defer { app.close() }
        try app.restart(path: path)
        try await app.waitForFirstFrame()
        try app.press("p")
        let screen = try await app.waitFor("the install hint", timeout: .seconds(20)) { $0.contains("apt install chafa") }
        #expect(screen.contains("Look · picture"), "\(screen)")
        #expect(screen.contains("Office — Blue Shirt"))
        try app.press("p")
        try await app.waitFor("the details back") { $0.detailName == "Office — Blue Shirt" && !$0.contains("apt install chafa") }
    }

    @Test func overSSHTheVoicePreviewIsALink() async throws {
        let app = try TwinDeckInTmux(width: 100, height: 30, environment: ["SSH_CONNECTION": "1.2.3.4 5 6.7.8.9 22"])
        defer { app.close() }
        try await app.waitForFirstFrame()
        try app.press("Tab")
        try await app.waitFor("the Voices pane", timeout: .seconds(30)) { $0.contains("1,842 of 1,842") && $0.listRows.count > 5 }

        // The first voice with a preview (a voice without one says so and opens nothing).
        var overlay: Screen?
        for _ in 0..<6 {
            try app.press("a")
            let screen = try await app.waitFor("the overlay or the no-preview toast", timeout: .seconds(10)) {
                $0.contains("Voice preview") || $0.contains("has no preview audio")
            }
            if screen.contains("Voice preview") { overlay = screen; break }
            try app.press("j")
        }
        _ = try #require(overlay, "no voice with a preview among the first six")
        let link = try await app.waitFor("the SSH reason and the URL", timeout: .seconds(10)) {
            $0.contains("Over SSH") && $0.contains("/previews/voices/")
        }
        #expect(link.contains("y copy URL"), "\(link)")
        // The overlay's URL line (the detail panel behind it shows the URL too, clipped differently).
        let urlLine = link.lines.first { $0.contains("http://127.0.0.1:") && $0.contains("/previews/voices/") }
        #expect(urlLine != nil, "the demo's own simulator serves it:\n\(link)")

        try app.press("Escape")
        let closed = try await app.waitFor("the overlay closed", timeout: .seconds(10)) { !$0.contains("Voice preview") }
        #expect(closed.contains("1,842 of 1,842"), "\(closed)")
    }
}
}

extension TwinDeckInTmux {
    /// Starts the app again with `PATH` set to `path`. tmux gives every pane the PATH of the client that creates
    /// it (tmux 3.3: `new-session -e PATH=…` and `respawn-pane -e PATH=…` are overridden), so the pane's own
    /// shell sets it before starting the app.
    func restart(path: String, arguments: [String] = ["--demo"]) throws {
        let command = ([twindeckBinary.path] + arguments).map(shellQuote).joined(separator: " ")
        try tmux(["respawn-pane", "-k", "sh", "-c",
                  "PATH=\(shellQuote(path)); export PATH; ulimit -c 0; trap : INT; \(command); echo EXIT=$?; sleep 60"])
    }
}
