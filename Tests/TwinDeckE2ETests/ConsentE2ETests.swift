import Foundation
import Testing

/// The demo's look waiting for consent ("Podcast Set", `pending_consent` in the simulator's fixtures) offers its consent
/// link: `c` asks the simulator (`POST /v3/avatars/{group_id}/consent`) and the link is drawn, as a link.
extension TmuxE2E {
@Suite("Consent link in tmux", .timeLimit(.minutes(2)))
struct ConsentE2ETests {
    @Test func theDemoShowsAConsentLinkForALookWaitingForConsent() async throws {
        let app = try TwinDeckInTmux(width: 120, height: 36)
        defer { app.close() }
        try await app.waitForFirstFrame()
        try app.press("/")
        try app.type("Podcast")
        try app.press("Enter")
        let detail = try await app.waitFor("the look waiting for consent") { $0.detailName == "Podcast Set" }
        #expect(detail.contains("pending_consent") && detail.contains("press c for the consent link"), "\(detail)")

        try app.press("c")
        let shown = try await app.waitFor("the consent link", timeout: .seconds(20)) { $0.contains("/consent/ag_me?token=") }
        #expect(shown.contains("Consent link") && shown.contains("y copy link"), "\(shown)")
        #expect(shown.lines.allSatisfy { displayWidth($0) <= 120 }, "\(shown)")
        try app.press("Escape")
        let back = try await app.waitFor("the link kept in the detail") { !$0.contains("y copy link · Esc close") && $0.contains("Consent      http://") }
        #expect(back.detailName == "Podcast Set", "\(back)")
    }
}
}
