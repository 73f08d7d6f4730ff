import Foundation
import Testing

/// `twindeck doctor` inside tmux reads tmux's own options: a copy (OSC 52) that tmux would drop is said, with the fix.
extension TmuxE2E {
@Suite("Doctor in tmux", .timeLimit(.minutes(2)))
struct DoctorE2ETests {
    @Test func doctorReadsTmuxsClipboardOption() async throws {
        let app = try TwinDeckInTmux(width: 120, height: 40, arguments: ["doctor", "--demo"])
        defer { app.close() }
        _ = try app.tmux(["set", "-g", "set-clipboard", "off"])
        try app.restart()
        let off = try await app.waitFor("the doctor's report", timeout: .seconds(30)) { $0.contains("EXIT=") }
        #expect(off.contains("tmux set-clipboard is off"), "\(off)")
        #expect(off.contains("tmux set -g set-clipboard on"))
        #expect(off.contains("EXIT=1"))
        _ = try app.tmux(["set", "-g", "set-clipboard", "on"])
        _ = try app.tmux(["set", "-g", "allow-passthrough", "on"])
        try app.restart()
        let on = try await app.waitFor("the doctor's second report", timeout: .seconds(30)) { $0.contains("EXIT=") && !$0.contains("is off") }
        #expect(on.contains("tmux set-clipboard is on") && on.contains("allow-passthrough is on"), "\(on)")
        #expect(on.contains("EXIT=0"), "\(on)")
    }

    @Test func aCopyThatTmuxWouldDropSaysWhatToSet() async throws {
        let app = try TwinDeckInTmux(width: 100, height: 30)
        defer { app.close() }
        _ = try app.tmux(["set", "-g", "set-clipboard", "off"])
        try app.restart()
        try await app.waitForFirstFrame()
        try app.press("y")
        let said = try await app.waitFor("the copy refused with the fix") { $0.contains("Could not copy") }
        #expect(said.contains("set-clipboard"), "\(said)")
        _ = try app.tmux(["set", "-g", "set-clipboard", "on"])
        try app.restart()
        try await app.waitForFirstFrame()
        try app.press("y")
        try await app.waitFor("the copy made") { $0.contains("Copied") }
    }
}
}
