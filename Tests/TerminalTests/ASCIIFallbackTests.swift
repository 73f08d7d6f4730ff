import Testing
@testable import Terminal

@Suite("ASCII fallback (no UTF-8 locale)")
struct ASCIIFallbackTests {
    func painted(_ draw: (inout Buffer) -> Void, width: Int = 30, height: Int = 3) -> (Buffer, [String]) {
        var buffer = Buffer(width: width, height: height)
        draw(&buffer)
        let screen = MemoryScreen(width: width, height: height, ascii: true)
        screen.draw(buffer)
        return (buffer, (0..<height).map { screen.last.text(row: $0) })
    }

    @Test func dashesBoxesAndEllipsesKeepTheirColumns() {
        let (_, rows) = painted { b in
            b.put("┌──┐ Office — Blue │ x", x: 0, y: 0)
            b.put("Hello wor…", x: 0, y: 1, style: .bold)
            b.put("└─┘ a…", x: 0, y: 2)
        }
        #expect(rows[0] == "+--+ Office - Blue | x" + String(repeating: " ", count: 8))
        #expect(rows[1].hasPrefix("Hello w..."))
        // After a blank the dots do not eat the space: "a" becomes a dot, the blank stays.
        #expect(rows[2].hasPrefix("+-+ ..") && !rows[2].hasPrefix("+-+..."), "\(rows[2])")
        for row in rows { #expect(row.count == 30 && row.unicodeScalars.allSatisfy { $0.isASCII }, "\(row)") }
    }

    @Test func wideAndUnknownCharactersAreOneQuestionMarkPerColumn() {
        let (buffer, rows) = painted { b in
            b.put("講堂|é|👍🏽|प्रि|end", x: 0, y: 0)
        }
        // 講堂 is 4 columns, é 1, the emoji 4 (as the buffer counts it), प्रि 3.
        #expect(rows[0].hasPrefix("????|?|"), "\(rows[0])")
        #expect(rows[0].firstRange(of: "end")?.lowerBound.utf16Offset(in: rows[0]) == buffer.text(row: 0).count(ofColumnsBefore: "end"))
        #expect(rows[0].count == 30)
    }

    @Test func knownSymbolsHaveLookAlikes() {
        for (symbol, ascii) in [("✓", "v"), ("✗", "x"), ("·", "."), ("“", "\""), ("’", "'"), ("▶", ">"), ("↓", "v"), ("█", "#"), ("░", "."), ("–", "-")] {
            #expect(ASCIIFallback.character(Character(symbol)) == Character(ascii), "\(symbol)")
        }
        // Spinner frames stay different from one another, so it still turns.
        let frames = ["⠋", "⠙", "⠹", "⠸"].map { ASCIIFallback.character(Character($0)) }
        #expect(Set(frames).count > 1)
    }

    @Test func aUTF8ScreenIsUntouched() {
        var buffer = Buffer(width: 10, height: 1)
        buffer.put("講 — …", x: 0, y: 0)
        let screen = MemoryScreen(width: 10, height: 1)
        screen.draw(buffer)
        #expect(screen.last == buffer)
    }
}

extension String {
    /// The display columns before the first `needle` in a buffer row's text (wide characters count 2 or more).
    func count(ofColumnsBefore needle: String) -> Int? {
        guard let range = range(of: needle) else { return nil }
        return self[..<range.lowerBound].reduce(0) { $0 + Buffer.width(of: $1) }
    }
}
