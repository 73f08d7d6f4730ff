import Foundation
import HeyGen
import Testing
@testable import TwinDeckCore
@testable import TwinDeckUI

@Suite("update: keys, lists, selection")
struct UpdateTests {
    @Test func startsByLoadingAccountLooksAndVoices() {
        #expect(initialEffects() == [.loadAccount, .loadLooks, .loadVoices(refresh: false), .loadDraft])
    }

    @Test func navigationMovesAndClampsTheSelection() {
        var state = loadedState()
        #expect(state.looks.selectedID == "lk_office")
        press(&state, .character("j"), .down)
        #expect(state.looks.selectedID == "lk_lecture")
        press(&state, .character("G"))
        #expect(state.looks.selectedID == "lk_broken")
        press(&state, .character("j"))
        #expect(state.looks.selectedID == "lk_broken", "stays on the last row")
        press(&state, .character("g"))
        #expect(state.looks.selectedID == "lk_office")
        press(&state, .up)
        #expect(state.looks.selectedID == "lk_office")
    }

    @Test func scrollingKeepsTheSelectionOnScreen() {
        var state = loadedState(voices: sampleVoices(extra: 500))
        press(&state, .tab)
        let rows = state.layout.list.height
        press(&state, .pageDown, .pageDown)
        let row = state.selectedRow!
        #expect(row == 2 * (rows - 1))
        #expect(state.voices.scroll <= row && row < state.voices.scroll + rows)
        press(&state, .character("G"))
        #expect(state.selectedRow == state.voices.visible.count - 1)
        #expect(state.voices.scroll == state.voices.visible.count - rows)
        // The selected row is drawn reversed/highlighted at its screen row.
        let lines = screen(state)
        #expect(lines[state.layout.list.y + rows - 1].contains(state.voices.selected!.name))
    }

    @Test func tabAndNumbersSwitchPanes() {
        var state = loadedState()
        press(&state, .tab)
        #expect(state.pane == .voices)
        press(&state, .tab)
        #expect(state.pane == .compose)
        press(&state, .tab)
        #expect(state.pane == .compose, "in Compose, Tab moves between fields")
        press(&state, .character("1"))
        #expect(state.pane == .looks)
        press(&state, .backTab)
        #expect(state.pane == .board)
        press(&state, .backTab)
        #expect(state.pane == .compose)
        press(&state, .character("2"))
        #expect(state.pane == .voices)
    }

    @Test func filterAsYouTypeKeepsTheSelectionByID() {
        var state = loadedState()
        press(&state, .character("j"), .character("j"))  // Lecture Hall
        press(&state, .character("/"))
        #expect(state.mode == .filtering)
        type(&state, "l")
        #expect(state.looks.visible.map { sampleLooks[$0].id }.contains("lk_lecture"))
        #expect(state.looks.selectedID == "lk_lecture", "still listed, so still selected")
        type(&state, "ecture")
        #expect(state.looks.visible.count == 1)
        press(&state, .backspace)
        #expect(state.looks.filter == "lectur")
        press(&state, .enter)
        #expect(state.mode == .normal && state.looks.filter == "lectur")
        press(&state, .escape)
        #expect(state.looks.filter.isEmpty && state.looks.visible.count == sampleLooks.count)
        #expect(state.looks.selectedID == "lk_lecture")
    }

    @Test func filterThatHidesTheSelectionMovesItToTheFirstMatch() {
        var state = loadedState()
        press(&state, .character("/"))
        type(&state, "kitchen")
        #expect(state.looks.selectedID == "lk_kitchen")
        type(&state, "zzz")
        #expect(state.looks.visible.isEmpty && state.looks.selectedID == nil)
        #expect(screen(state).joined().contains("No looks match the filter"))
    }

    @Test func selectionIsKeptByIDAcrossARefresh() {
        var state = loadedState()
        press(&state, .character("j"), .character("j"))
        #expect(state.looks.selectedID == "lk_lecture")
        let effects = press(&state, .character("r"))
        #expect(effects == [.loadLooks, .loadAccount])
        #expect(state.looks.load == .loading)
        _ = update(&state, .looksLoaded(.success(Array(sampleLooks.reversed()))))
        #expect(state.looks.selectedID == "lk_lecture")
        #expect(state.selectedRow == 2)
        _ = update(&state, .looksLoaded(.success(Array(sampleLooks.prefix(2)))))
        #expect(state.looks.selectedID == "lk_office", "gone: the first look is selected")
    }

    @Test func selectionIsKeptAcrossResize() {
        var state = loadedState(voices: sampleVoices(extra: 300))
        press(&state, .tab, .character("G"))
        let id = state.voices.selectedID
        _ = update(&state, .resized(width: 120, height: 50))
        #expect(state.voices.selectedID == id)
        _ = update(&state, .resized(width: 30, height: 8))
        _ = update(&state, .resized(width: 80, height: 24))
        #expect(state.voices.selectedID == id)
        #expect(screen(state).contains { $0.contains(state.voices.selected!.name) })
    }

    @Test func aTooSmallMomentDoesNotScrollTheList() {
        var state = loadedState()
        let many = (0..<15).map { Look(id: "lk_\($0)", name: "Look \($0)", supportedAPIEngines: [.avatarIV], status: .completed) }
        _ = update(&state, .looksLoaded(.success(many)))
        press(&state, .character("g"), .character("j"), .character("j"))
        #expect(state.looks.selectedID == "lk_2")
        _ = update(&state, .resized(width: 120, height: 30))
        _ = update(&state, .resized(width: 40, height: 10))
        _ = update(&state, .resized(width: 80, height: 24))
        #expect(state.looks.scroll == 0)
        #expect(screen(state)[4].contains("Look 0"), "the first look is still the first row")
    }

    @Test func voiceFilterIgnoresCaseAndAccentsAndCounts() {
        var state = loadedState()
        press(&state, .tab, .character("/"))
        type(&state, "JOSE")
        #expect(state.voices.visible.map { state.voices.index.voices[$0].voiceID } == ["v_jose"])
        #expect(screen(state)[2].contains("1 of 6"))
        press(&state, .control("u"))
        type(&state, "さくら")
        #expect(state.voices.selected?.voiceID == "v_sakura")
        press(&state, .escape)
        type(&state, "spanish")  // not filtering any more: letters are keys, not text
        #expect(state.voices.filter.isEmpty)
    }

    @Test func languageAndGenderFacets() {
        var state = loadedState()
        press(&state, .tab, .character("L"))
        guard case .languagePicker = state.mode else { Issue.record("picker not open"); return }
        type(&state, "spa")
        #expect(state.languageOptions(matching: "spa").map(\.label) == ["Spanish"])
        press(&state, .enter)
        #expect(state.voices.language == "Spanish")
        #expect(state.voices.visible.allSatisfy { state.voices.index.voices[$0].language == "Spanish" })
        press(&state, .character("F"))
        #expect(state.voices.gender == .female)
        #expect(state.voices.visible.map { state.voices.index.voices[$0].voiceID } == ["v_lucia"])
        press(&state, .character("F"))
        #expect(state.voices.gender == .male)
        press(&state, .character("F"))
        #expect(state.voices.gender == nil)
        press(&state, .character("L"), .enter)  // "All languages" is first
        #expect(state.voices.language == nil)
    }

    @Test func copyAndRefreshAreEffects() {
        var state = loadedState()
        #expect(press(&state, .character("y")) == [.copy("lk_office", what: "look ID")])
        #expect(press(&state, .character("Y")) == [.copy("https://img.test/office.jpg", what: "preview image URL")])
        press(&state, .tab)
        #expect(press(&state, .character("y")) == [.copy("v_sara", what: "voice ID")])
        #expect(press(&state, .character("r")) == [.loadVoices(refresh: true)])
        _ = update(&state, .copied(what: "voice ID", ok: true))
        #expect(screen(state)[23].contains("Copied voice ID to the clipboard"))
        _ = update(&state, .ticked(fixedNow.addingTimeInterval(10)))
        #expect(state.toast == nil)
    }

    @Test func lookDetailIsFetchedOnceTheSelectionRests() {
        var state = loadedState()
        press(&state, .character("j"))
        #expect(update(&state, .ticked(fixedNow.addingTimeInterval(0.1))) == [])
        #expect(update(&state, .ticked(fixedNow.addingTimeInterval(0.5))) == [.loadLookDetail(id: "lk_kitchen")])
        #expect(update(&state, .ticked(fixedNow.addingTimeInterval(0.9))) == [], "not twice")
        var detailed = sampleLooks[1]
        detailed.tags = ["from-detail"]
        _ = update(&state, .lookDetailLoaded(id: "lk_kitchen", .success(detailed)))
        #expect(state.looks.details["lk_kitchen"]?.tags == ["from-detail"])
        let effects = press(&state, .enter)
        #expect(state.pane == .compose && state.compose.draft.lookID == "lk_kitchen", "Enter composes with the look")
        #expect(!effects.contains(.loadLookDetail(id: "lk_kitchen")), "its detail is already known")
    }

    @Test func failedVoiceRefreshKeepsTheCatalogue() {
        var state = loadedState()
        _ = update(&state, .voicesLoaded(.failure(HeyGenError(kind: .transport, message: "down")), source: .network, fetchedAt: fixedNow))
        #expect(state.voices.index.count == 6)
        #expect(state.toast?.level == .error)
    }

    @Test func qQuitsAndHelpClosesOnAnyKey() {
        var state = loadedState()
        press(&state, .character("?"))
        #expect(state.mode == .help)
        press(&state, .character("j"))
        #expect(state.mode == .normal && !state.shouldQuit)
        press(&state, .character("q"))
        #expect(state.shouldQuit)
    }

    @Test func controlCharactersTypedIntoAFilterAreDropped() {
        var state = loadedState()
        press(&state, .character("/"))
        press(&state, .character("\u{1B}"), .character("a"))
        #expect(!state.looks.filter.contains("\u{1B}"))
    }
}
