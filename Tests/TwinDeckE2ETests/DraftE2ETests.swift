import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The draft with the real binary in tmux: saved while typing (a `kill -9` mid-script loses nothing), and two
/// instances sharing the data folder never overwrite each other's draft.
extension TmuxE2E {
@Suite("Drafts in tmux", .timeLimit(.minutes(1)))
struct DraftE2ETests {
    /// `draft-demo.json` in the sandbox's data folder (`$XDG_DATA_HOME/twindeck`).
    static func draftFile(_ app: TwinDeckInTmux) -> URL {
        app.root.appendingPathComponent("data/twindeck/draft-demo.json")
    }

    /// The script a draft file holds, nil while it has none or cannot be read yet.
    static func script(in url: URL) -> String? {
        guard let data = try? Data(contentsOf: url),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let script = object["script"] as? [String: Any] else { return nil }
        return script["text"] as? String
    }

    /// Opens Compose and starts typing into the script (left in editing mode: nothing leaves the field).
    static func startScript(_ app: TwinDeckInTmux, _ text: String) async throws {
        try app.press("3")
        try await app.waitFor("the Compose pane") { $0.contains("Compose a Digital Twin video") && $0.focusedField != nil }
        try await app.focus("Script")
        try app.press("Enter")
        try await app.waitFor("the script editor") { $0.focusedField == "Script" && !$0.contains("Enter types the script") }
        try app.type(text)
        try await app.waitFor("the script “\(text)”") { $0.fieldValue("Script") == text }
    }

    @Test func typedTextSurvivesKillNine() async throws {
        let app = try TwinDeckInTmux(width: 100, height: 30)
        defer { app.close() }
        try await app.waitForFirstFrame()
        let script = "Sauvé en tapant, 打字时保存"
        try await Self.startScript(app, script)
        // No Esc, no quit: the pause after typing is enough for the draft to reach the disk.
        let file = Self.draftFile(app)
        let saved = try await eventually("the draft file to hold the typed script", timeout: .seconds(10)) {
            Self.script(in: file) == script ? true : nil
        }
        #expect(saved)
        try app.killApp()
        #expect(try await app.waitForExit() == 128 + SIGKILL)

        try app.restart()
        try await app.waitForFirstFrame()
        try app.press("3")
        let back = try await app.waitFor("the Compose pane after the restart") {
            $0.contains("Compose a Digital Twin video") && $0.focusedField != nil
        }
        #expect(back.fieldValue("Script") == script, "the draft typed before kill -9 was lost:\n\(back)")
    }

    @Test func twoInstancesNeverLoseEachOthersDraft() async throws {
        let first = try TwinDeckInTmux(width: 100, height: 30)
        defer { first.close() }
        let data = first.root.appendingPathComponent("data").path
        // Wide, so its exit line naming the side file is not wrapped.
        let second = try TwinDeckInTmux(width: 200, height: 30, environment: ["XDG_DATA_HOME": data])
        defer { second.close() }
        try await first.waitForFirstFrame()
        try await second.waitForFirstFrame()
        let file = Self.draftFile(first)
        let folder = file.deletingLastPathComponent()

        // The first saves its draft; then the second, which loaded none, types its own.
        let mine = "First window’s script"
        try await Self.startScript(first, mine)
        _ = try await eventually("the first draft on disk") { Self.script(in: file) == mine ? true : nil }
        let theirs = "Second window’s script"
        try await Self.startScript(second, theirs)
        // The second finds the file changed by the other: it leaves it and says where its own draft went.
        let told = try await second.waitFor("the second told where its draft is", timeout: .seconds(10)) {
            $0.contains("draft saved to draft-demo-")
        }
        #expect(told.contains("Compose a Digital Twin video"), "\(told)")
        #expect(Self.script(in: file) == mine, "the first window's draft was overwritten")
        let side = try await eventually("the second draft in a side file") { () -> URL? in
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            return names.filter { $0.hasPrefix("draft-demo-") && $0.hasSuffix(".json") }
                .map { folder.appendingPathComponent($0) }.first { Self.script(in: $0) == theirs }
        }

        // Both go on editing; the first quits, then the second.
        try first.type(" (more)")
        try second.type(" (more)")
        try await first.waitFor("the first's edit") { $0.fieldValue("Script") == mine + " (more)" }
        try await second.waitFor("the second's edit") { $0.fieldValue("Script") == theirs + " (more)" }
        try first.press("Escape")
        try first.press("q")
        #expect(try await first.waitForExit() == 0)
        try second.press("Escape")
        try second.press("q")
        #expect(try await second.waitForExit() == 0)
        let after = try second.capture()
        #expect(after.contains("your draft is in \(side.path)"), "the second should say on exit where its draft is:\n\(after)")

        // Neither is lost: the shared file has the first's, the side file the second's.
        #expect(Self.script(in: file) == mine + " (more)")
        #expect(Self.script(in: side) == theirs + " (more)")
        // And the shared one is what the next start opens.
        try first.restart()
        try await first.waitForFirstFrame()
        try first.press("3")
        let back = try await first.waitFor("Compose after the restart") { $0.contains("Compose a Digital Twin video") && $0.focusedField != nil }
        #expect(back.fieldValue("Script") == mine + " (more)", "\(back)")
    }

    /// The data folder on a real tmpfs that fills up while the app runs: the failed save is on screen, and quitting
    /// prints the reason after the screen is given back and exits 1.
    @Test func quittingWithADraftThatCannotBeSavedSaysWhyAndExitsOne() async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("twindeck-e2e-full-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", data.path])
        defer {
            _ = umount2(data.path, Int32(MNT_DETACH))
            try? FileManager.default.removeItem(at: data)
        }
        let app = try TwinDeckInTmux(width: 120, height: 30, environment: ["XDG_DATA_HOME": data.path])
        defer { app.close() }
        try await app.waitForFirstFrame()
        try Self.fill(data)
        try await Self.startScript(app, "Lost on a full disk?")
        let failed = try await app.waitFor("the failed save on screen", timeout: .seconds(10)) { $0.contains("Draft not saved:") }
        #expect(failed.contains("No space left on device"), "\(failed)")
        try app.press("Escape")
        try app.press("q")
        #expect(try await app.waitForExit() == 1)
        let after = try app.capture()
        #expect(after.contains("twindeck: the draft could not be saved"), "\(after)")
        #expect(after.contains("No space left on device"), "\(after)")
        try app.expectTerminalRestored("after quitting with an unsaved draft")
    }

    static func run(_ tool: String, _ arguments: [String]) throws {
        let result = Tools.run(tool, arguments)
        guard result.status == 0 else { throw E2EError.tmuxFailed([tool] + arguments, result) }
    }

    /// Writes a filler file in `folder` until its file system is full.
    static func fill(_ folder: URL) throws {
        let fd = open(folder.appendingPathComponent("filler").path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw E2EError.simulator("cannot create the filler: errno \(errno)") }
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0x66, count: 4096)
        while (chunk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }) > 0 {}
        while (chunk.prefix(1).withUnsafeBytes { write(fd, $0.baseAddress, 1) }) == 1 {}
    }
}
}
