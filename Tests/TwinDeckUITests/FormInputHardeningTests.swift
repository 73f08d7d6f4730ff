import Foundation
import HeyGen
import Testing
@testable import TwinDeckCore
@testable import TwinDeckUI

/// What a person can paste or type into the form: megabytes, NUL bytes, escape sequences, C1 controls.
/// It is cut or cleaned, and the form says so.
@Suite("Form input against pastes")
struct FormInputHardeningTests {
    @Test func aPastedMegabyteIsCutAtTheLimitWithAMessage() {
        var state = composing()
        focus(&state, .script)
        press(&state, .enter)
        let limit = state.compose.draft.script.limit
        let paste = String(repeating: "All work and no play. ", count: 1_048_576 / 22)
        let started = ContinuousClock.now
        type(&state, paste)
        let elapsed = ContinuousClock.now - started
        #expect(state.compose.draft.script.text.count == limit)
        #expect(state.compose.draft.script.text == String(paste.prefix(limit)))
        #expect(state.toast?.text.contains("is full") == true, "\(String(describing: state.toast))")
        #expect(state.compose.editing, "still editing: the paste did not fall through to the form's keys")
        print("a 1 MiB paste, key by key, took \(elapsed)")
    }

    @Test func nulAndEscapeSequencesTypedAreRemovedWithAMessage() {
        var state = composing()
        focus(&state, .title)
        press(&state, .enter)
        type(&state, "Quarterly\u{0} update\u{9B}2J\u{85}")
        #expect(state.compose.draft.title.text == "Quarterly update2J")
        #expect(state.toast?.text.contains("Control characters") == true, "\(String(describing: state.toast))")
        #expect(!AppView(state: state).render().cells.contains { $0.character.unicodeScalars.contains { $0.value < 0x20 } })
    }

    @Test func anEditorFileOfMegabytesWithNULsIsCutAndCleaned() {
        var state = composing()
        let huge = String(repeating: "line\u{0} with a NUL\n", count: 60_000)
        _ = update(&state, .scriptEdited(.edited(huge)))
        let script = state.compose.draft.script
        #expect(script.text.count == script.limit)
        #expect(!script.text.unicodeScalars.contains { $0.value == 0 })
        #expect(state.toast?.text.contains("cut to 20,000 characters") == true, "\(String(describing: state.toast))")

        _ = update(&state, .scriptEdited(.edited("Short\u{0} and\u{1B}[31m red\n")))
        #expect(state.compose.draft.script.text == "Short and[31m red")
        #expect(state.toast?.text.contains("Control characters") == true)
    }
}
