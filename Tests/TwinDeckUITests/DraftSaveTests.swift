import Foundation
import HeyGen
import Terminal
import Testing
@testable import TwinDeckCore
@testable import TwinDeckUI

/// When `update` asks for the draft to be saved: from ticks alone, after the form has been still a moment, never
/// on every key, never twice for the same draft; what a failed or diverted save shows.
@Suite("Draft saving (pure update)")
struct DraftSaveTests {
    /// The Compose pane with the script being edited, everything before already saved.
    func editingScript() -> AppState {
        var state = composing()
        focus(&state, .script)
        press(&state, .enter)
        #expect(state.compose.editing)
        _ = update(&state, .ticked(fixedNow))
        _ = update(&state, .ticked(fixedNow.addingTimeInterval(5)))  // anything pending from composing is out
        return state
    }

    func tick(_ state: inout AppState, at seconds: TimeInterval) -> [Effect] {
        update(&state, .ticked(fixedNow.addingTimeInterval(seconds)))
    }

    func saves(_ effects: [Effect]) -> [ComposeDraft] {
        effects.compactMap { if case .saveDraft(let draft) = $0 { draft } else { nil } }
    }

    @Test func aSaveComesAfterTheDebounceNotOnEveryKey() {
        var state = editingScript()
        var keyEffects: [Effect] = []
        for c in "Hello there" { keyEffects += update(&state, .keyPressed(.character(c))) }
        #expect(saves(keyEffects).isEmpty, "typing must not save on every key: \(keyEffects)")
        // The first tick sees the change; the form has not been still for a second yet.
        #expect(saves(tick(&state, at: 10)).isEmpty)
        #expect(saves(tick(&state, at: 10.5)).isEmpty)
        let due = saves(tick(&state, at: 11))
        #expect(due.count == 1 && due.first?.script.text == "Hello there", "\(due)")
        // Saved: nothing more while it is unchanged.
        for t in stride(from: 11.1, through: 30, by: 0.7) { #expect(saves(tick(&state, at: t)).isEmpty, "re-saved at \(t)") }
        // The answer comes back: still nothing due.
        _ = update(&state, .draftSaved(state.compose.draft, .saved))
        #expect(saves(tick(&state, at: 31)).isEmpty)
        // One more key: saved once more, after the pause.
        _ = update(&state, .keyPressed(.character("!")))
        #expect(saves(tick(&state, at: 32)).isEmpty)
        #expect(saves(tick(&state, at: 33)).map(\.script.text) == ["Hello there!"])
    }

    @Test func steadyTypingIsSavedWithinTheMaximumDelay() {
        var state = editingScript()
        var saved: [(at: TimeInterval, text: String)] = []
        // A key every 0.4 s for 6 s, a tick every 0.5 s: the form is never still for a second.
        var t: TimeInterval = 10
        var typed = 0
        while t < 16 {
            if Int(t * 10) % 4 == 0 { _ = update(&state, .keyPressed(.character("a"))); typed += 1 }
            if Int(t * 10) % 5 == 0 { saved += saves(tick(&state, at: t)).map { (t, $0.script.text) } }
            t += 0.1
            t = (t * 10).rounded() / 10
        }
        #expect(!saved.isEmpty, "6 s of typing were never saved")
        #expect(saved.count <= 3, "saved too often while typing: \(saved.map(\.at))")
        #expect(saved.first.map { $0.at - 10 <= DraftSync.maxDelay + 0.5 } == true, "first save too late: \(saved.map(\.at))")
        #expect(saved.allSatisfy { !$0.text.isEmpty })
    }

    @Test func aLoadedDraftIsNotSavedBack() {
        var state = loadedState()
        var draft = ComposeDraft()
        draft.script.replace(with: "from disk")
        _ = update(&state, .draftLoaded(draft))
        #expect(state.compose.draft.script.text == "from disk")
        for t in [1.0, 2.0, 5.0, 9.0] { #expect(saves(tick(&state, at: t)).isEmpty, "the loaded draft was saved back at \(t)") }
    }

    @Test func aFailedSaveIsShownAndRetriedOnTheNextChange() {
        var state = editingScript()
        type(&state, "Keep me")
        _ = tick(&state, at: 10)
        let first = saves(tick(&state, at: 11))
        #expect(first.count == 1)
        let reason = "No space left on device (could not write /data/draft.json)"
        _ = update(&state, .draftSaved(first[0], .failed(reason)))
        #expect(state.draftSync.failure == reason)
        #expect(state.toast?.level == .error && state.toast?.text.contains("No space left on device") == true, "\(String(describing: state.toast))")
        let text = screen(state).joined(separator: "\n")
        #expect(text.contains("Draft not saved: No space left on device (could not write /data/draft.json)"), "\(text)")
        // Not retried on every tick while nothing changed…
        for t in [12.0, 13.0, 20.0] { #expect(saves(tick(&state, at: t)).isEmpty) }
        // …but on the next change.
        _ = update(&state, .keyPressed(.character("!")))
        _ = tick(&state, at: 21)
        let retry = saves(tick(&state, at: 22))
        #expect(retry.map(\.script.text) == ["Keep me!"])
        // The same failure again is not toasted twice; a success clears the line.
        state.toast = nil
        _ = update(&state, .draftSaved(retry[0], .failed(reason)))
        #expect(state.toast == nil)
        _ = update(&state, .draftSaved(retry[0], .saved))
        #expect(state.draftSync.failure == nil)
        #expect(!screen(state).joined(separator: "\n").contains("Draft not saved"))
    }

    @Test func aDraftKeptAsideSaysWhere() {
        var state = editingScript()
        type(&state, "Mine")
        _ = tick(&state, at: 10)
        let due = saves(tick(&state, at: 11))
        let path = "/data/twindeck/draft-20260105-142233.json"
        _ = update(&state, .draftSaved(due[0], .keptAside(path: path)))
        #expect(state.draftSync.keptAt == path)
        #expect(state.toast?.text.contains(path) == true, "\(String(describing: state.toast))")
        #expect(state.compose.draft.script.text == "Mine", "this instance keeps editing its own draft")
        // The status line names the side file (beside draft.json; the toast gave the whole path).
        state.width = 100
        #expect(screen(state).joined(separator: "\n").contains("· draft saved to draft-20260105-142233.json"))
        // A clear of the form does not forget where the draft goes.
        state.compose.editing = false
        press(&state, .character("C"), .character("y"))
        #expect(state.draftSync.keptAt == path)
    }

    @Test func leavingTheFieldSavesAtOnceAndTheTickDoesNotRepeatIt() {
        var state = editingScript()
        type(&state, "Quick")
        let effects = press(&state, .escape)
        #expect(saves(effects).map(\.script.text) == ["Quick"])
        #expect(saves(tick(&state, at: 10)).isEmpty)
        #expect(saves(tick(&state, at: 12)).isEmpty)
    }
}
