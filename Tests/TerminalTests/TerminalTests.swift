import Foundation
import Testing
@testable import Terminal

@Suite("Terminal layer")
struct TerminalTests {
    @Test func ncursesIsLinked() {
        #expect(NCurses.version.hasPrefix("ncurses 6"), "\(NCurses.version)")
    }

    @Test(arguments: [
        (UInt32(27), Key.escape), (10, .enter), (13, .enter), (9, .tab), (127, .backspace), (8, .backspace),
        (1, .control("a")), (5, .control("e")), (21, .control("u")), (0x6A, .character("j")), (0xE9, .character("é")),
        (0x3055, .character("さ")), (0x1F600, .character("😀")),
    ])
    func charactersMapToKeys(value: UInt32, key: Key) {
        #expect(NCursesScreen.characterKey(value) == key)
    }

    @Test func osc52IsWrappedForTmux() throws {
        let plain = try #require(Clipboard.osc52("lk_twin", tmux: false))
        #expect(plain == "\u{1B}]52;c;\(Data("lk_twin".utf8).base64EncodedString())\u{07}")
        let wrapped = try #require(Clipboard.osc52("lk_twin", tmux: true))
        #expect(wrapped.hasPrefix("\u{1B}Ptmux;\u{1B}\u{1B}]52;c;"))
        #expect(wrapped.hasSuffix("\u{07}\u{1B}\\"))
        #expect(Clipboard.osc52(String(repeating: "x", count: 60_000), tmux: false) == nil, "over the size cap")
    }

    @Test func displayWidths() {
        #expect(DisplayWidth.of("abc") == 3)
        #expect(DisplayWidth.of("講堂") == 4)
        #expect(DisplayWidth.of("é") == 1)
        #expect(DisplayWidth.of("e\u{301}") == 1, "combining accent takes no column")
        #expect(DisplayWidth.of("한국어") == 6)
        #expect(DisplayWidth.pad("講", to: 4) == "講  ")
        #expect(DisplayWidth.clip("abcdef", to: 4) == "abc…")
        #expect(DisplayWidth.clip("講堂講堂", to: 5) == "講堂…")
    }

    @Test func overwritingHalfAWideCharacterLeavesABlank() {
        var buffer = Buffer(width: 6, height: 1)
        buffer.put("講堂", x: 0, y: 0)
        buffer.put("x", x: 1, y: 0)  // lands on the continuation of 講
        #expect(buffer.lines == ["  x堂"] || buffer.lines == [" x堂"])
        #expect(!buffer[1, 0].isContinuation)
        #expect(buffer[0, 0].character == " ")
    }

    @Test func putMakesControlsInert() {
        var buffer = Buffer(width: 20, height: 1)
        buffer.put("a\u{1B}[31mb\u{07}", x: 0, y: 0)
        #expect(buffer.lines == ["a·[31mb·"])
    }

    @Test func rectSplits() {
        let area = Rect(x: 0, y: 0, width: 80, height: 24)
        let (top, middle, bottom) = area.rows(top: 1, bottom: 1)
        #expect(top.height == 1 && middle.height == 22 && bottom.y == 23)
        let (left, right) = area.columns(leading: 30, gap: 1)
        #expect(left.width == 30 && right.x == 31 && right.width == 49)
        #expect(area.centered(width: 40, height: 10) == Rect(x: 20, y: 7, width: 40, height: 10))
    }

    @Test func memoryScreenKeepsTheLastFrame() {
        let screen = MemoryScreen(width: 10, height: 2)
        var buffer = Buffer(width: 10, height: 2)
        buffer.put("hello", x: 0, y: 1)
        screen.draw(buffer)
        #expect(screen.lines == ["", "hello"])
        #expect(screen.drawCount == 1)
    }
}

@Suite("Display width of combining marks")
struct CombiningMarkTests {
    @Test func spacingMarksTakeAColumnAndNonspacingDoNot() {
        #expect(DisplayWidth.of("प्रिया") == 5, "as glibc (and so tmux): the virama is nonspacing, the vowel signs are spacing")
        #expect(DisplayWidth.of("عظمیٰ") == 4, "the superscript alef is a nonspacing mark")
        #expect(DisplayWidth.of("a\u{200D}b") == 2, "a zero-width joiner takes nothing")
    }
}

@Suite("Clusters wider than one cell")
struct ClusterTests {
    @Test func aDevanagariClusterFillsAsManyCellsAsTheTerminalGivesIt() {
        var buffer = Buffer(width: 12, height: 1)
        let end = buffer.put("प्रिया|", x: 0, y: 0)
        #expect(end == 6, "5 columns for प्रिया, then the bar")
        #expect(buffer[5, 0].character == "|")
    }
}
