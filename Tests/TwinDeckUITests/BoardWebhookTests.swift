import Foundation
import HeyGen
import Testing
@testable import TwinDeckCore
@testable import TwinDeckUI

@Suite("Status board: webhooks")
struct BoardWebhookTests {
    /// The fixture board with a receiver for callback deliveries: `a` (running) was sent with a callback URL,
    /// `b` (completed) got its outcome by webhook, `e` (running) has no callback URL.
    func webhookBoard() -> AppState {
        var state = boardState()
        var rows = boardRows
        rows[0].callbackURL = "https://hooks.test/heygen"
        rows[1].webhookAt = fixedNow.addingTimeInterval(-500)
        _ = update(&state, .boardLoaded(rows))
        _ = update(&state, .webhookCoverageChanged(WebhookCoverage(address: "127.0.0.1:8787/webhooks/heygen", signed: false, callbacks: true)))
        return state
    }

    @Test func coverageComesFromItsMessage() {
        var state = webhookBoard()
        #expect(state.board.webhook?.callbacks == true)
        let byKey = Dictionary(uniqueKeysWithValues: state.board.rows.map { ($0.idempotencyKey, $0) })
        #expect(state.board.viaWebhook(byKey["a"]!), "running, sent with a callback URL, receiver takes callbacks")
        #expect(state.board.viaWebhook(byKey["b"]!), "its outcome came by webhook")
        #expect(!state.board.viaWebhook(byKey["c"]!) && !state.board.viaWebhook(byKey["e"]!))
        _ = update(&state, .webhookCoverageChanged(nil))
        #expect(state.board.webhook == nil)
        #expect(!state.board.viaWebhook(byKey["a"]!), "no receiver: polled like any other")
        #expect(state.board.viaWebhook(byKey["b"]!), "a delivered outcome stays marked")
    }

    @Test func markedRowsAndTheStatusLine() {
        let lines = screen(webhookBoard())
        assertSnapshot(lines, named: "board-webhook-80x24")
        let text = lines.joined(separator: "\n")
        #expect(text.contains("polled 3 s ago · ↯ webhooks 127.0.0.1:8787"))
        #expect(text.contains("↯ Launch announcement") && text.contains("↯ Weekly update"))
        #expect(!text.contains("↯ Broken one"))
        #expect(text.contains("12s elapsed · ↯ via webhook"))
        #expect(text.contains("awaited; polled only every 2 min as a safety net"), "the selected running row says why it is quiet")
    }

    @Test func theDetailSaysWhenTheOutcomeCameByWebhook() {
        var state = webhookBoard()
        press(&state, .character("j"))
        #expect(state.board.selectedKey == "b")
        let text = screen(state).joined(separator: "\n")
        #expect(text.contains("✓ completed · ↯ via webhook") && text.contains("the outcome came by webhook"))
    }
}
