import Foundation
import HeyGen
import Terminal
import Testing
@testable import TwinDeckCore
@testable import TwinDeckUI

/// Every pane painted as on a `LANG=C` terminal: only ASCII, every row exactly as wide as the screen, and the
/// borders where the UTF-8 frame has them.
@Suite("Views in ASCII mode (no UTF-8 locale)")
struct ASCIIViewTests {
    static func states() -> [(String, AppState)] {
        var out: [(String, AppState)] = []
        for (width, height) in [(80, 24), (120, 30)] {
            let base = loadedState(width: width, height: height)
            out.append(("looks \(width)", base))
            var voices = base
            press(&voices, .tab)
            out.append(("voices \(width)", voices))
            var compose = base
            press(&compose, .character("3"))
            out.append(("compose \(width)", compose))
            var board = base
            press(&board, .character("4"))
            out.append(("board \(width)", board))
            var help = base
            press(&help, .character("?"))
            out.append(("help \(width)", help))
        }
        return out
    }

    @Test func everyPaneIsASCIIWithTheSameColumns() {
        for (name, state) in Self.states() {
            let buffer = AppView(state: state).render()
            let screen = MemoryScreen(width: state.width, height: state.height, ascii: true)
            screen.draw(buffer)
            for y in 0..<buffer.height {
                let row = screen.last.text(row: y)
                #expect(row.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F }, "\(name) row \(y): \(row)")
                #expect(row.count == state.width, "\(name) row \(y) is \(row.count) wide: \(row)")
                for x in 0..<buffer.width where !buffer[x, y].isContinuation {
                    let original = buffer[x, y].character, painted = screen.last[x, y].character
                    if original == "│" { #expect(painted == "|", "\(name) \(x),\(y)") }
                    if original == "─" { #expect(painted == "-", "\(name) \(x),\(y)") }
                    if "┌┐└┘".contains(original) { #expect(painted == "+", "\(name) \(x),\(y)") }
                    if original.isASCII && original != " " && screen.last[x, y].character != "." {
                        #expect(painted == original, "\(name) \(x),\(y): \(original) → \(painted)")
                    }
                }
            }
        }
    }

    @Test func namesFromTheAPIKeepTheirColumns() {
        // "Lecture Hall — 講堂": the dash is one column, each wide character two question marks.
        let state = loadedState(width: 120, height: 30)
        let screen = MemoryScreen(width: 120, height: 30, ascii: true)
        screen.draw(AppView(state: state).render())
        let text = screen.text
        #expect(text.contains("Lecture Hall - ????"), "\(text)")
        #expect(text.contains("Office - Blue Shirt"))
    }
}
