import Foundation
import HeyGen
import Terminal
import Testing
@testable import TwinDeckCore
@testable import TwinDeckUI

/// A `width`×`height` picture of `▒` in palette colours that differ per row and column.
func samplePicture(width: Int, height: Int) -> Picture {
    var rows: [[Picture.Cell]] = []
    for y in 0..<height {
        var row: [Picture.Cell] = []
        for x in 0..<width {
            let fg: Int = 16 + (x * 7 + y) % 200
            let bg: Int = 232 + y % 20
            row.append(Picture.Cell("▒", foreground: UInt8(fg), background: UInt8(bg)))
        }
        rows.append(row)
    }
    return Picture(rows: rows)
}

/// The Looks pane at `width`×`height` with `p` pressed on the Office look (the only sample look with a picture URL).
func showingPicture(width: Int = 120, height: Int = 36) -> (AppState, [Effect]) {
    var state = loadedState(width: width, height: height)
    let effects = press(&state, .character("p"))
    return (state, effects)
}

func isIndexed(_ color: Terminal.Color) -> Bool {
    if case .indexed = color { return true }
    return false
}

@Suite("Look pictures: keys and messages")
struct PreviewUpdateTests {
    @Test func pTogglesThePictureAndAsksForItAtThePanelSize() {
        let (initial, effects) = showingPicture()
        var state = initial
        #expect(state.looks.showPreview)
        let box = state.layout.preview
        #expect(box.width > 20 && box.height > 10)
        #expect(effects == [.loadPreview(lookID: "lk_office", url: "https://img.test/office.jpg", width: box.width, height: box.height)])
        #expect(state.looks.previews["lk_office"] == LookPreview(width: box.width, height: box.height, phase: .loading))
        // Nothing more is asked while it is on its way.
        #expect(update(&state, .ticked(fixedNow.addingTimeInterval(1))).filter { if case .loadPreview = $0 { true } else { false } }.isEmpty)

        #expect(press(&state, .character("p")) == [])
        #expect(!state.looks.showPreview)
        // Back on: the picture is already there for this size, so nothing is fetched again.
        _ = update(&state, .previewLoaded(lookID: "lk_office", width: box.width, height: box.height, .ready(samplePicture(width: 4, height: 2))))
        #expect(press(&state, .character("p")) == [])
        #expect(state.looks.showPreview)
    }

    @Test func aResizeAsksAgainAndAStaleAnswerIsDropped() {
        var (state, _) = showingPicture()
        let old = state.layout.preview
        let effects = update(&state, .resized(width: 110, height: 30))
        let box = state.layout.preview
        #expect(box != old)
        #expect(effects == [.loadPreview(lookID: "lk_office", url: "https://img.test/office.jpg", width: box.width, height: box.height)])

        // The answer for the old size arrives late: ignored.
        _ = update(&state, .previewLoaded(lookID: "lk_office", width: old.width, height: old.height, .ready(samplePicture(width: 3, height: 3))))
        #expect(state.looks.previews["lk_office"]?.phase == .loading)
        let picture = samplePicture(width: 5, height: 2)
        _ = update(&state, .previewLoaded(lookID: "lk_office", width: box.width, height: box.height, .ready(picture)))
        #expect(state.looks.previews["lk_office"] == LookPreview(width: box.width, height: box.height, phase: .ready(picture)))
        // The same size again (a resize back and forth is another matter): nothing new.
        #expect(update(&state, .resized(width: 110, height: 30)) == [])
    }

    @Test func aLookWithoutAPictureAsksForNothing() {
        var state = loadedState(width: 120, height: 36)
        press(&state, .character("j"))
        #expect(state.looks.selectedID == "lk_kitchen")
        #expect(press(&state, .character("p")) == [])
        #expect(state.looks.showPreview)
        #expect(state.looks.previews.isEmpty)
        let text = screen(state).joined(separator: "\n")
        #expect(text.contains("This look has no preview image."))
        // Moving to a look with a picture asks for it.
        let effects = press(&state, .character("k"))
        #expect(effects.contains { if case .loadPreview(let id, _, _, _) = $0 { id == "lk_office" } else { false } }, "\(effects)")
    }

    @Test func pIsNotAPictureKeyElsewhere() {
        var state = loadedState(width: 120, height: 36)
        press(&state, .tab)
        #expect(press(&state, .character("p")) == [])
        #expect(!state.looks.showPreview)
    }

    @Test func aTooSmallPanelAsksForNothing() {
        var state = loadedState(width: 120, height: 36)
        press(&state, .character("p"))
        #expect(update(&state, .resized(width: 30, height: 8)) == [], "too small to draw")
    }
}

@Suite("Look pictures: views")
struct PictureViewTests {
    /// Every cell with a palette colour is inside `box`, and the cells of `picture` are where they should be.
    func check(_ buffer: Buffer, picture: Picture, box: Box, sourceLocation: SourceLocation = #_sourceLocation) {
        let shownWidth = min(picture.width, box.width), shownHeight = min(picture.height, box.height)
        let left = box.x + max(0, (box.width - picture.width) / 2)
        var inside = 0
        for y in 0..<buffer.height {
            for x in 0..<buffer.width {
                let cell = buffer[x, y]
                guard isIndexed(cell.style.foreground) || isIndexed(cell.style.background) else { continue }
                let within = x >= box.x && x < box.x + box.width && y >= box.y && y < box.y + box.height
                #expect(within, "a picture cell at (\(x), \(y)) is outside \(box)", sourceLocation: sourceLocation)
                if within { inside += 1 }
            }
        }
        #expect(inside == shownWidth * shownHeight, "every picture cell shown (clipped)", sourceLocation: sourceLocation)
        let first = buffer[left, box.y]
        #expect(first.character == "▒", sourceLocation: sourceLocation)
        #expect(first.style.foreground == .indexed(picture.rows[0][0].foreground!), sourceLocation: sourceLocation)
        #expect(first.style.background == .indexed(picture.rows[0][0].background!), sourceLocation: sourceLocation)
        let last = buffer[left + shownWidth - 1, box.y + shownHeight - 1]
        #expect(last.style.foreground == .indexed(picture.rows[shownHeight - 1][shownWidth - 1].foreground!), sourceLocation: sourceLocation)
    }

    @Test(arguments: [(120, 36), (80, 24), (100, 30)])
    func aPictureIsDrawnInsideTheDetailPanel(size: (Int, Int)) throws {
        var (state, _) = showingPicture(width: size.0, height: size.1)
        let box = state.layout.preview
        let picture = samplePicture(width: box.width / 2, height: box.height)
        _ = update(&state, .previewLoaded(lookID: "lk_office", width: box.width, height: box.height, .ready(picture)))
        let buffer = AppView(state: state).render()
        check(buffer, picture: picture, box: box)
        let lines = buffer.lines
        let detail = state.layout.detail
        #expect(lines[detail.y].contains("Look · picture"), "\(lines.joined(separator: "\n"))")
        #expect(lines[detail.y + 1].contains("Office — Blue Shirt"))
        #expect(lines[detail.y + detail.height - 2].contains("p details"), "\(lines.joined(separator: "\n"))")
        #expect(!lines.joined().contains("Engines"), "the detail rows give way to the picture")
    }

    @Test func aPictureTooBigForThePanelIsClipped() {
        var (state, _) = showingPicture()
        let box = state.layout.preview
        let picture = samplePicture(width: box.width + 15, height: box.height + 6)
        _ = update(&state, .previewLoaded(lookID: "lk_office", width: box.width, height: box.height, .ready(picture)))
        check(AppView(state: state).render(), picture: picture, box: box)
    }

    @Test func withoutColoursThePictureKeepsItsShapeOnly() {
        var state = loadedState(width: 120, height: 36, colors: false)
        press(&state, .character("p"))
        let box = state.layout.preview
        _ = update(&state, .previewLoaded(lookID: "lk_office", width: box.width, height: box.height, .ready(samplePicture(width: 10, height: 4))))
        let buffer = AppView(state: state).render()
        #expect(buffer.cells.allSatisfy { !isIndexed($0.style.foreground) && !isIndexed($0.style.background) })
        #expect(buffer.lines[box.y].contains("▒▒▒▒▒▒▒▒▒▒"))
    }

    @Test func phasesOtherThanReadySayWhatIsHappening() {
        var (state, _) = showingPicture()
        let box = state.layout.preview
        #expect(screen(state).joined(separator: "\n").contains("Drawing the picture…"))
        _ = update(&state, .previewLoaded(lookID: "lk_office", width: box.width, height: box.height, .unavailable(PreviewRenderer.chafaMissing)))
        let unavailable = screen(state).joined(separator: " ")
        #expect(unavailable.contains("sudo apt install chafa"), "\(unavailable)")
        #expect(screen(state).count == 36)
        state.looks.previews["lk_office"]?.phase = .failed("chafa could not draw it: bad image")
        #expect(screen(state).joined(separator: "\n").contains("No picture: chafa could not draw it"))
    }

    @Test func anUnavailablePictureAt80x24StaysInThePanel() {
        var (state, effects) = showingPicture(width: 80, height: 24)
        let box = state.layout.preview
        #expect(effects == [.loadPreview(lookID: "lk_office", url: "https://img.test/office.jpg", width: box.width, height: box.height)])
        _ = update(&state, .previewLoaded(lookID: "lk_office", width: box.width, height: box.height, .unavailable(PreviewRenderer.chafaMissing)))
        let lines = screen(state)
        #expect(lines.count == 24)
        #expect(lines[box.y].contains("Pictures need chafa"), "\(lines.joined(separator: "\n"))")
        #expect(lines[23].contains("q quit"), "the footer is still there")
        #expect(lines[state.layout.list.y].contains("Office — Blue Shirt"), "the list is still there")
    }
}

@Suite("Voice audition: keys, messages, overlay")
struct AuditionTests {
    /// The Voices pane with `id` selected.
    func onVoice(_ id: String, width: Int = 80, height: Int = 24, voices: [Voice] = sampleVoices()) -> AppState {
        var state = loadedState(width: width, height: height, voices: voices)
        press(&state, .tab)
        press(&state, .character("g"))
        for _ in 0..<voices.count where state.voices.selectedID != id { press(&state, .character("j")) }
        #expect(state.voices.selectedID == id)
        return state
    }

    @Test func aVoiceWithoutAPreviewSaysSo() {
        var state = onVoice("v_jose")
        #expect(press(&state, .character("a")) == [])
        #expect(state.mode == .normal)
        #expect(state.toast?.text.contains("no preview audio") == true, "\(String(describing: state.toast))")
    }

    @Test func aOpensTheAuditionAndYCopiesAndEscStops() {
        var state = onVoice("v_sara")
        #expect(press(&state, .character("a")) == [.audition(voiceID: "v_sara", url: "https://audio.test/sara.mp3")])
        #expect(state.mode == .audition(Audition(voiceID: "v_sara", voiceName: "Sara", url: "https://audio.test/sara.mp3")))
        #expect(press(&state, .character("y")) == [.copy("https://audio.test/sara.mp3", what: "preview audio URL")])
        #expect(press(&state, .character("j")) == [], "list keys do nothing under the overlay")
        #expect(state.voices.selectedID == "v_sara")
        #expect(press(&state, .escape) == [.stopAudition])
        #expect(state.mode == .normal)
    }

    @Test(arguments: ["a", "q"])
    func otherKeysThatCloseIt(key: Character) {
        var state = onVoice("v_sara")
        press(&state, .character("a"))
        #expect(press(&state, .character(key)) == [.stopAudition], "closes the overlay, never quits")
        #expect(state.mode == .normal)
    }

    @Test func playerReportsUpdateTheOverlayForItsVoiceOnly() {
        var state = onVoice("v_sara")
        press(&state, .character("a"))
        _ = update(&state, .auditionChanged(voiceID: "v_sara", .playing(player: "mpv")))
        guard case .audition(let audition) = state.mode else { Issue.record("\(state.mode)"); return }
        #expect(audition.phase == .playing(player: "mpv"))
        #expect(screen(state).joined(separator: "\n").contains("▶ Playing with mpv"))

        _ = update(&state, .auditionChanged(voiceID: "v_other", nil))
        #expect(state.mode == .audition(audition), "another voice's report is ignored")

        _ = update(&state, .auditionChanged(voiceID: "v_sara", nil))
        #expect(state.mode == .normal)
        #expect(state.toast?.text.contains("Finished playing") == true)
    }

    @Test func aReportAfterClosingIsIgnored() {
        var state = onVoice("v_sara")
        press(&state, .character("a"))
        press(&state, .escape)
        _ = update(&state, .auditionChanged(voiceID: "v_sara", .failed("mpv stopped with status 3")))
        #expect(state.mode == .normal)
        #expect(state.toast == nil || state.toast?.text.contains("mpv") == false)
    }

    @Test func theOverlayOffersTheURLAsAHyperlink() throws {
        var state = onVoice("v_sara")
        press(&state, .character("a"))
        _ = update(&state, .auditionChanged(voiceID: "v_sara", .link(reason: "Over SSH the sound would play on the server: open the link on your machine")))
        let buffer = AppView(state: state).render()
        let text = buffer.lines.joined(separator: "\n")
        #expect(text.contains("Voice preview") && text.contains("Over SSH") && text.contains("y copy URL"), "\(text)")
        #expect(buffer.hyperlinks.count == 1)
        let link = try #require(buffer.hyperlinks.first)
        #expect(link.url == "https://audio.test/sara.mp3")
        let spelled = String((link.x..<link.x + link.width).map { buffer[$0, link.y].character })
        #expect(spelled == "https://audio.test/sara.mp3")
        #expect(buffer[link.x, link.y].style.underline)

        press(&state, .escape)
        #expect(AppView(state: state).render().hyperlinks.isEmpty, "no link once the overlay is closed")
    }

    @Test func aLongURLIsClippedOnScreenButLinksInFull() throws {
        let long = "https://audio.test/" + String(repeating: "very-long-path/", count: 12) + "preview.mp3"
        var voices = sampleVoices()
        voices[0].previewAudioURL = long
        var state = onVoice("v_sara", voices: voices)
        press(&state, .character("a"))
        let buffer = AppView(state: state).render()
        let link = try #require(buffer.hyperlinks.first)
        #expect(link.url == long)
        #expect(link.width < long.count && link.x + link.width < 80)
        let spelled = String((link.x..<link.x + link.width).map { buffer[$0, link.y].character })
        #expect(spelled.hasSuffix("…") && long.hasPrefix(String(spelled.dropLast())), "\(spelled)")
    }
}

@Suite("Pre-flight before submit")
struct PreflightTests {
    /// Composing with the Office look and a script, then `s`: the confirmation, with the look's detail asked for.
    func confirming(script: String = "Hello there, this is a test.", width: Int = 80, height: Int = 24) -> (AppState, [Effect]) {
        var state = composing(width: width, height: height)
        typeField(&state, .script, script)
        // The detail asked for when the look was picked has come back.
        _ = update(&state, .lookDetailLoaded(id: "lk_office", .success(sampleLooks[0])))
        let effects = press(&state, .character("s"))
        return (state, effects)
    }

    func officeLook(_ status: LookStatus, error: LookError? = nil) -> Look {
        var look = sampleLooks[0]
        look.status = status
        look.error = error
        return look
    }

    @Test func submitRefreshesTheLookAndAUsableLookSends() {
        var (state, effects) = confirming()
        #expect(state.compose.submit == .confirming)
        #expect(effects == [.loadLookDetail(id: "lk_office"), .loadAccountRendering])
        #expect(state.looks.detailLoading.contains("lk_office"))
        let checking = screen(state).joined(separator: "\n")
        #expect(checking.contains("Look status") && checking.contains("completed (checking…)"), "\(checking)")

        _ = update(&state, .lookDetailLoaded(id: "lk_office", .success(officeLook(.completed))))
        let dialog = screen(state).joined(separator: "\n")
        #expect(dialog.contains("Submit this video?") && !dialog.contains("checking"))
        let sent = press(&state, .character("y"))
        guard case .submit(let request, _, _, _, _)? = sent.first else { Issue.record("\(sent)"); return }
        #expect(request.avatarID == "lk_office")
        #expect(state.compose.submit == .sending)
    }

    @Test func aLookStillTrainingBlocksTheSubmitWithTheReason() {
        var (state, _) = confirming()
        _ = update(&state, .lookDetailLoaded(id: "lk_office", .success(officeLook(.processing))))
        #expect(state.preflight.blocker?.contains("processing") == true)
        let dialog = screen(state).joined(separator: "\n")
        #expect(dialog.contains("Cannot submit yet"), "\(dialog)")
        #expect(dialog.contains("Look status") && dialog.contains("processing"))
        #expect(dialog.contains("Blocked") && dialog.contains("n/Esc back to the form") && !dialog.contains("y/Enter submit"))

        for key in [KeyPress.character("y"), .enter] {
            let effects = press(&state, key)
            #expect(!effects.contains { if case .submit = $0 { true } else { false } }, "\(effects)")
        }
        #expect(state.compose.submit == .confirming)
        #expect(state.toast?.text.contains("processing") == true, "\(String(describing: state.toast))")
        press(&state, .character("n"))
        #expect(state.compose.submit != .confirming)
    }

    @Test func aFailedLookShowsItsErrorMessage() {
        var (state, _) = confirming(width: 100, height: 30)
        _ = update(&state, .lookDetailLoaded(id: "lk_office", .success(officeLook(.failed, error: LookError(code: "training_failed", message: "Face not visible")))))
        let blocker = state.preflight.blocker ?? ""
        #expect(blocker.contains("failed") && blocker.contains("Face not visible"), "\(blocker)")
        #expect(screen(state).joined(separator: " ").contains("Face not visible"))
        #expect(press(&state, .character("y")).isEmpty)
    }

    @Test func renderingCountsRunningBoardRows() {
        var (state, _) = confirming()
        #expect(state.preflight.rendering == 0)
        #expect(screen(state).joined(separator: "\n").contains("0 of 10 rendering now"))
        _ = update(&state, .boardLoaded(boardRows))  // processing, submitting and pending are running
        #expect(state.preflight.rendering == 3)
        #expect(screen(state).joined(separator: "\n").contains("3 of 10 rendering now"))
        let busy = (0..<10).map { row("busy\($0)", title: "Busy \($0)", status: "processing") }
        _ = update(&state, .boardLoaded(busy + boardRows))
        #expect(state.preflight.rendering == 13)
        let text = screen(state).joined(separator: "\n")
        #expect(text.contains("13 of 10 rendering now") && text.contains("waits for a free slot"), "\(text)")
        #expect(state.preflight.blocker == nil, "a full account queues, it does not block")
    }

    @Test func theAccountsOwnCountReplacesTheBoards() {
        var (state, effects) = confirming()
        #expect(effects.contains(.loadAccountRendering))
        _ = update(&state, .boardLoaded(boardRows))
        #expect(screen(state).joined(separator: "\n").contains("3 of 10 rendering now (this history)"))
        // Videos made elsewhere on the account count too, once HeyGen has said how many are rendering.
        _ = update(&state, .accountRenderingLoaded(7))
        #expect(state.preflight.rendering == 7 && state.preflight.renderingOnAccount)
        let text = screen(state).joined(separator: "\n")
        #expect(text.contains("7 of 10 rendering now") && !text.contains("(this history)"), "\(text)")
        // A new confirmation counts again: the old answer is not shown as current.
        _ = press(&state, .escape)
        #expect(state.compose.submit != .confirming)
        _ = press(&state, .character("s"))
        #expect(state.account.rendering == nil)
    }

    @Test func theDialogShowsTheSpokenDuration() {
        let script = Array(repeating: "word", count: 150).joined(separator: " ") + #" <break time="2s"/>"#
        let (state, _) = confirming(script: script, width: 100, height: 30)
        #expect(state.preflight.spokenSeconds == 62)
        #expect(screen(state).joined(separator: "\n").contains("~1 min 2 s spoken"))
    }

    @Test func theConfirmationAt120x36() {
        var (state, _) = confirming(width: 120, height: 36)
        _ = update(&state, .lookDetailLoaded(id: "lk_office", .success(officeLook(.completed))))
        _ = update(&state, .boardLoaded(boardRows))
        let text = screen(state).joined(separator: "\n")
        for part in ["Submit this video?", "Look status", "completed", "Account", "3 of 10 rendering now", "y/Enter submit"] {
            #expect(text.contains(part), "“\(part)” missing:\n\(text)")
        }
    }

    @Test func theHeaderShowsTheAccountAndItsCredits() {
        var state = loadedState(width: 120, height: 36)
        _ = update(&state, .accountLoaded(.success(User(username: "demo-twin", email: "demo@twindeck.invalid",
                                                        wallet: .object(["remaining_credits": .number(1234)])))))
        let header = screen(state)[0]
        #expect(header.contains("demo-twin") && header.contains("1,234 credits"), "\(header)")
        _ = update(&state, .accountLoaded(.success(User(username: "demo-twin"))))
        #expect(!screen(state)[0].contains("credits"), "no balance when the plan reports none")
    }
}

@Suite("Effects for pictures and previews")
struct MediaEffectTests {
    @Test func withoutARendererOrPlayerTheAnswerSaysSo() async throws {
        let posted = EffectRunnerTests.Posted()
        let runner = EffectRunner(service: EffectRunnerTests.FakeService(), cache: nil, logger: .init(label: "t"), copy: { _ in true },
                                  post: posted.add)
        runner.run(.loadPreview(lookID: "lk_office", url: "https://img.test/office.jpg", width: 30, height: 10))
        runner.run(.audition(voiceID: "v_sara", url: "https://audio.test/sara.mp3"))
        runner.run(.stopAudition)
        let deadline = ContinuousClock.now + .seconds(30)
        while posted.all.count < 2, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        let messages = posted.all
        #expect(messages.contains(.previewLoaded(lookID: "lk_office", width: 30, height: 10, .unavailable("Pictures are off in this session."))),
                "\(messages)")
        #expect(messages.contains { if case .auditionChanged("v_sara", .link?) = $0 { true } else { false } }, "\(messages)")
    }

    @Test func thePlayersAnswerReachesTheOverlay() async throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("td-noplayer-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        let player = AudioPlayer(environment: ["PATH": empty.path], cacheDirectory: empty) { _ in Data() }
        let posted = EffectRunnerTests.Posted()
        let runner = EffectRunner(service: EffectRunnerTests.FakeService(), cache: nil, player: player, logger: .init(label: "t"),
                                  copy: { _ in true }, post: posted.add)
        var state = loadedState()
        press(&state, .tab)
        for effect in press(&state, .character("a")) { runner.run(effect) }
        let deadline = ContinuousClock.now + .seconds(30)
        while posted.all.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        for message in posted.all { _ = update(&state, message) }
        guard case .audition(let audition) = state.mode, case .link(let reason) = audition.phase else { Issue.record("\(state.mode)"); return }
        #expect(reason.contains("No audio player found"))
        #expect(screen(state).joined(separator: "\n").contains("No audio player found"))
    }
}
