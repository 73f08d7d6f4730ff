import Foundation
import HeyGen
import Terminal
import Testing
@testable import TwinDeckCore
@testable import TwinDeckUI

@Suite("Views against the in-memory screen")
struct ViewTests {
    @Test func looksPaneAt80x24() {
        assertSnapshot(screen(loadedState()), named: "looks-80x24")
    }

    @Test func voicesPaneAt80x24() {
        var state = loadedState()
        press(&state, .tab)
        assertSnapshot(screen(state), named: "voices-80x24")
    }

    @Test func wideLayoutPutsTheDetailBesideTheList() {
        var state = loadedState(width: 120, height: 30)
        press(&state, .character("j"))
        let lines = screen(state)
        assertSnapshot(lines, named: "looks-120x30")
        #expect(lines[4].contains("Kitchen") == false || lines.contains { $0.contains("│ Name") && $0.contains("Kitchen") })
    }

    @Test func helpOverlayListsEveryBinding() {
        var state = loadedState(width: 120, height: 50)
        press(&state, .character("?"))
        let text = screen(state).joined(separator: "\n")
        #expect(text.contains("Keys — any key closes"))
        for binding in KeyMap.bindings { #expect(text.contains(binding.help), "help shows “\(binding.help)”") }
        press(&state, .character("x"))
        #expect(state.mode == .normal)
    }

    @Test(arguments: [Pane.looks, .voices])
    func footerAlwaysShowsHelpAndQuit(pane: Pane) {
        var state = loadedState()
        if pane == .voices { press(&state, .tab) }
        let footer = screen(state)[23]
        #expect(footer.hasSuffix("? help  q quit"), "footer: \(footer)")
        #expect(footer.contains("/ filter"))
    }

    @Test func tooSmallSaysSoInsteadOfDrawing() {
        var state = loadedState()
        _ = update(&state, .resized(width: 40, height: 10))
        let lines = screen(state)
        #expect(lines[0] == "Terminal too small (40×10).")
        #expect(lines.count == 10)
        _ = update(&state, .resized(width: 80, height: 24))
        #expect(screen(state)[0].contains("TwinDeck"))
    }

    @Test func wideCharactersStayAligned() {
        let buffer = AppView(state: loadedState()).render()
        func column(of text: String, row: Int) -> Int? {
            // Display column = cells before it, continuation cells included.
            var col = 0
            let target = Array(text)
            for x in 0..<buffer.width {
                if !buffer[x, row].isContinuation, buffer.text(row: row).isEmpty == false {
                    var matched = true
                    var cx = x
                    for ch in target {
                        guard cx < buffer.width, buffer[cx, row].character == ch else { matched = false; break }
                        cx += DisplayWidth.of(String(ch))
                    }
                    if matched { return col }
                }
                col += 1
            }
            return nil
        }
        let lines = buffer.lines
        let office = try! #require(lines.firstIndex { $0.contains("Office") })
        let lecture = try! #require(lines.firstIndex { $0.contains("講堂") })
        #expect(column(of: "landscape", row: office) == column(of: "landscape", row: lecture))
        #expect(column(of: "IV V", row: office) == column(of: "IV V", row: lecture))
    }

    @Test func hostileNamesAreDrawnInert() {
        var state = loadedState()
        let hostile = [
            Look(id: "lk_osc", name: "\u{1B}]52;c;ZXZpbA==\u{07}clipboard", status: .completed),
            Look(id: "lk_clear", name: "\u{1B}[2Jcleared\u{1B}[31m", status: .completed),
            Look(id: "lk_bidi", name: "abc\u{202E}fed\u{0085}\u{009B}", status: .completed),
        ]
        _ = update(&state, .looksLoaded(.success(hostile)))
        let buffer = AppView(state: state).render()
        for cell in buffer.cells {
            for scalar in cell.character.unicodeScalars {
                #expect(scalar.value >= 0x20 && !(0x7F...0x9F).contains(scalar.value) && scalar.value != 0x202E)
            }
        }
        #expect(buffer.lines.contains { $0.contains("·]52;c;ZXZpbA==·clipboard") })
    }

    @Test func noColorDrawsAttributesOnly() {
        let buffer = AppView(state: loadedState(colors: false)).render()
        #expect(buffer.cells.allSatisfy { $0.style.foreground == .default && $0.style.background == .default })
        #expect(buffer.cells.contains { $0.style.reverse }, "the selection is still visible")
        let colored = AppView(state: loadedState(colors: true)).render()
        #expect(colored.cells.contains { $0.style.foreground != .default })
    }

    @Test func unauthorizedSaysHowToSetTheKey() {
        var state = AppState(width: 80, height: 24, baseURL: "https://api.heygen.com", isDemo: false, now: fixedNow)
        _ = update(&state, .looksLoaded(.failure(HeyGenError(kind: .unauthorized, httpStatus: 401, message: "Invalid API key"))))
        let text = screen(state).joined(separator: "\n")
        #expect(text.contains("Could not load looks"))
        #expect(text.contains("Set HEYGEN_API_KEY (or run with --demo), then press r."))
    }

    @Test func lookDetailResolvesTheDefaultVoiceAndExplainsUnusableLooks() {
        var state = loadedState(width: 120, height: 30)
        var text = screen(state).joined(separator: "\n")
        #expect(text.contains("Sara · English, female"))
        press(&state, .character("G"))
        text = screen(state).joined(separator: "\n")
        #expect(text.contains("failed · cannot be used for a"))
        // The training error on a row of its own, with its code.
        #expect(text.contains("Problem      Face not visible") && text.contains("(training_failed)"), "\(text)")
    }

    @Test func buffersClipByDisplayWidth() {
        var buffer = Buffer(width: 6, height: 1)
        buffer.put("ab講堂cd", x: 0, y: 0)
        #expect(buffer.lines == ["ab講堂"])
        var edge = Buffer(width: 5, height: 1)
        edge.put("abcd講", x: 0, y: 0)
        #expect(edge.lines == ["abcd"], "a wide character never straddles the edge")
        #expect(DisplayWidth.clip("Lecture Hall — 講堂", to: 16) == "Lecture Hall — …")
    }
}
