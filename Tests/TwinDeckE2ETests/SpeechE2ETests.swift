import Foundation
import Testing

/// `a` in Compose in the real binary over (simulated) SSH: the script's speech comes from the demo's simulator and
/// is offered as a link; its measured length shows in the submit confirmation.
extension TmuxE2E {
@Suite("Hear the script in tmux", .timeLimit(.minutes(2)))
struct SpeechE2ETests {
    /// From the first frame to Compose with the Office look and the voice Sara (a starfish voice: it can be spoken).
    static func composeWithSara(_ app: TwinDeckInTmux) async throws {
        try await app.waitForFirstFrame()
        try await app.selectLook("Office — Blue Shirt")
        try app.press("Enter")
        try await app.waitFor("Compose with the look") { $0.fieldValue("Look") == "Office — Blue Shirt [IV V]" }
        try app.press("2")
        try await app.waitFor("the Voices pane", timeout: .seconds(30)) { $0.contains("1,842 of 1,842") && $0.listRows.count > 5 }
        try app.press("/")
        try app.type("Sara")
        try app.press("Enter")
        try await app.waitFor("Sara first") { $0.listRows.first?.contains("Sara") == true }
        try app.press("Enter")  // use the voice: Compose, on the Voice field
        try await app.waitFor("the Compose pane with Sara") { $0.contains("Compose") && $0.contains("Sara") }
    }

    @Test func overSSHTheScriptsSpeechIsALinkAndItsLengthIsHeard() async throws {
        let app = try TwinDeckInTmux(width: 100, height: 30, environment: ["SSH_CONNECTION": "1.2.3.4 5 6.7.8.9 22"])
        defer { app.close() }
        try await Self.composeWithSara(app)
        try app.press("j", "j")  // past Speech (script or recording) to the Script field
        try await app.waitFor("the Script field focused") { $0.contains("›Script") }
        try app.press("Enter")
        try app.type("Hear this script first.")
        try app.press("Escape")
        try await app.waitFor("the script typed") { $0.contains("Hear this script first.") }
        try app.press("a")
        let link = try await app.waitFor("the speech as a link", timeout: .seconds(20)) {
            $0.contains("The script in") && $0.contains("Over SSH") && $0.contains("/media/speech/")
        }
        #expect(link.contains("y copy URL"), "\(link)")
        try app.press("Escape")
        try await app.waitFor("the overlay closed") { !$0.contains("The script in") }
        // Again: from the kept answer, at once.
        try app.press("a")
        try await app.waitFor("the speech again") { $0.contains("The script in") && $0.contains("/media/speech/") }
        try app.press("Escape")
        try await app.waitFor("the overlay closed again") { !$0.contains("The script in") }
        // The pre-flight uses the measured length: four words at 0.4 s.
        try app.press("s")
        let confirm = try await app.waitFor("the submit confirmation", timeout: .seconds(20)) { $0.contains("(heard)") }
        #expect(confirm.contains("2 s spoken (heard)"), "\(confirm)")
        try app.press("n")
    }
}
}
