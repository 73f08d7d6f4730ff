import Foundation
import Testing

/// The compose form walked by hand in the real binary over (simulated) SSH: hear the script, then a background image
/// from a file on this machine, checked at its field, uploaded on submit, and the video made with it.
extension TmuxE2E {
@Suite("Local files in tmux", .timeLimit(.minutes(3)))
struct LocalFilesE2ETests {
    /// A small PNG (its signature and an IHDR chunk, padded): what `POST /v3/assets` takes as an image.
    static func writePNG(to url: URL) throws {
        var bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8)
        bytes += [UInt8](repeating: 7, count: 4_096 - bytes.count)
        try Data(bytes).write(to: url)
    }

    /// Presses `j` until the field labelled `label` has the focus.
    static func focus(_ app: TwinDeckInTmux, _ label: String) async throws {
        for _ in 0..<30 {
            if try app.capture().fieldRow(label)?.first == "›" { return }
            let before = try app.capture().text
            try app.press("j")
            _ = try await app.waitFor("the focus to move towards \(label)", settle: false) { $0.text != before }
        }
        Issue.record("never reached \(label)")
    }

    @Test func aFormWalkHearsTheScriptAndUploadsALocalBackground() async throws {
        let app = try TwinDeckInTmux(width: 110, height: 40, environment: [
            "SSH_CONNECTION": "1.2.3.4 5 6.7.8.9 22", "TWINDECK_DEMO_RENDER_SECONDS": "1",
        ])
        defer { app.close() }
        let picture = app.root.appendingPathComponent("office-bg.png")
        try Self.writePNG(to: picture)
        let notAPicture = app.root.appendingPathComponent("notes.png")
        try Data("just words\n".utf8).write(to: notAPicture)
        try await SpeechE2ETests.composeWithSara(app)
        try await Self.focus(app, "Script")
        try app.press("Enter")
        try app.type("A picture from my own disk behind me.")
        try app.press("Escape")
        try await app.waitFor("the script typed") { $0.contains("A picture from my own disk behind me.") }

        // Hear it first: over SSH the speech is a link.
        try app.press("a")
        try await app.waitFor("the speech as a link", timeout: .seconds(20)) { $0.contains("The script in") && $0.contains("/media/speech/") }
        try app.press("Escape")
        try await app.waitFor("the overlay closed") { !$0.contains("The script in") }

        // The background: an image file here. A file that is not an image is refused at the field.
        try await Self.focus(app, "Background")
        try app.press("Right", "Right", "Right", "Right")
        try await app.waitFor("the file choice") { $0.fieldValue("Background")?.contains("image file here (uploaded on submit)") == true }
        try await Self.focus(app, "file")
        try app.press("Enter")
        try app.type(notAPicture.path)
        try app.press("Enter")
        try await app.waitFor("the refusal at the field") { $0.contains("notes.png is not an image") }
        try app.press("Enter", "C-u")
        try app.type(picture.path)
        try app.press("Enter")
        let checked = try await app.waitFor("the file checked") { $0.contains("4.0 KB; uploaded when you submit") }
        #expect(!checked.contains("is not an image"), "\(checked)")

        try app.press("s")
        let confirm = try await app.waitFor("the submit confirmation", timeout: .seconds(20)) { $0.contains("Submit this video?") }
        #expect(confirm.contains("file office-bg.png (uploaded first)"), "\(confirm)")
        #expect(confirm.contains("(heard)"), "the heard speech's length is the pre-flight's")
        try app.press("y")
        try await app.waitFor("the video on the board", timeout: .seconds(30)) { $0.contains("Submitted: video v_") }
        try await app.waitFor("the video completed", timeout: .seconds(60)) { $0.contains("completed") }
        // The upload is remembered for this account and content: the next use of the file sends nothing.
        let cache = try String(contentsOf: app.root.appendingPathComponent("cache/twindeck/assets-demo.json"), encoding: .utf8)
        #expect(cache.contains("office-bg.png") && cache.contains("asset_"))
    }
}
}
