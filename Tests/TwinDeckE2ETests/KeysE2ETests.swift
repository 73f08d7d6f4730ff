import Foundation
import Testing

/// Keys whose bytes the terminfo entry does not name (tmux sends `ESC [1~` for Home under `xterm-256color`, whose entry
/// says `ESC OH`): read as the key, never as Esc and the characters after it.
extension TmuxE2E {
@Suite("Escape sequences in tmux", .timeLimit(.minutes(2)))
struct KeysE2ETests {
    @Test func homeAndEndVariantsMoveTheCursorAndNeitherCloseTheFieldNorSwitchPanes() async throws {
        let app = try TwinDeckInTmux(width: 100, height: 30)
        defer { app.close() }
        try await app.waitForFirstFrame()
        try await app.selectLook("Office — Blue Shirt")
        try app.press("Enter")
        try await app.waitFor("Compose with the look") { $0.fieldValue("Look") == "Office — Blue Shirt [IV V]" }
        try await LocalFilesE2ETests.focus(app, "Title")
        try app.press("Enter")
        try app.type("abc")
        // Raw bytes, as a terminal sends them: Home as ESC [1~, then ESC [7~, End as ESC [4~ and ESC [8~.
        _ = try app.tmux(["send-keys", "-H", "1b", "5b", "31", "7e"])
        try app.type("X")
        _ = try app.tmux(["send-keys", "-H", "1b", "5b", "34", "7e"])
        try app.type("Y")
        _ = try app.tmux(["send-keys", "-H", "1b", "5b", "37", "7e"])
        try app.type("W")
        _ = try app.tmux(["send-keys", "-H", "1b", "5b", "38", "7e"])
        try app.type("Z")
        // An unknown sequence (Insert, ESC [2~) does nothing at all.
        _ = try app.tmux(["send-keys", "-H", "1b", "5b", "32", "7e"])
        let typed = try await app.waitFor("the title typed around the cursor moves") { $0.fieldValue("Title") == "WXabcYZ" }
        #expect(typed.contains("Compose a Digital Twin video"), "still on Compose (the 1 of ESC [1~ is not the Looks key)")
        try app.press("Escape")
        try await app.waitFor("editing ended by a real Esc") { $0.fieldValue("Title") == "WXabcYZ" && $0.contains("s submit") }
    }
}
}
