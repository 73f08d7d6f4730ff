import Testing
@testable import Terminal

@Suite("OSC 8 links and the 256-colour palette")
struct HyperlinkTests {
    @Test func wrapWritesAnOSC8Link() throws {
        let link = Hyperlink(x: 0, y: 0, width: 4, url: "https://audio.test/a.wav?x=1&y=%20")
        let wrapped = try #require(link.wrap("open"))
        #expect(wrapped == "\u{1B}]8;;https://audio.test/a.wav?x=1&y=%20\u{1B}\\open\u{1B}]8;;\u{1B}\\")
    }

    @Test(arguments: [
        "", "https://a.test/\u{1B}]52;c;aGk=\u{07}", "https://a.test/\u{1B}\\", "https://a.test/a b", "https://a.test/\n",
        "https://a.test/\u{07}", "https://a.test/\u{9C}", "https://a.test/\u{7F}", "https://a.test/é", "https://a.test/\u{202E}",
    ])
    func wrapRefusesURLsThatCouldCarryControls(url: String) {
        #expect(Hyperlink(x: 0, y: 0, width: 1, url: url).wrap("x") == nil)
    }

    @Test func wrapRefusesHugeURLs() {
        #expect(Hyperlink(x: 0, y: 0, width: 1, url: "https://a.test/" + String(repeating: "a", count: 3_000)).wrap("x") == nil)
        #expect(Hyperlink(x: 0, y: 0, width: 1, url: "https://a.test/" + String(repeating: "a", count: 1_900)).wrap("x") != nil)
    }

    @Test func putLinkRecordsTheCellsItWrote() {
        var buffer = Buffer(width: 20, height: 3)
        let end = buffer.putLink("https://a.test/long", url: "https://a.test/long", x: 2, y: 1, maxX: 12)
        #expect(end == 12)
        #expect(buffer.hyperlinks == [Hyperlink(x: 2, y: 1, width: 10, url: "https://a.test/long")])
        #expect(buffer.lines[1] == "  https://a.")
        // Off the buffer or empty: no link.
        buffer.putLink("x", url: "https://a.test", x: 0, y: 5)
        buffer.putLink("", url: "https://a.test", x: 0, y: 0)
        #expect(buffer.hyperlinks.count == 1)
    }

    @Test func colourCodesAreDistinct() {
        let named: [Color] = [.default, .black, .red, .green, .yellow, .blue, .magenta, .cyan, .white]
        let all = named + (0...255).map { Color.indexed(UInt8($0)) }
        #expect(Set(all.map(\.code)).count == all.count)
    }

    @Test func paletteEntries() {
        #expect(Palette.rgb(16) == (0, 0, 0))
        #expect(Palette.rgb(196) == (255, 0, 0))
        #expect(Palette.rgb(231) == (255, 255, 255))
        #expect(Palette.rgb(232) == (8, 8, 8))
        #expect(Palette.rgb(255) == (238, 238, 238))
        #expect(Palette.rgb(9) == (255, 0, 0))
    }

    @Test func nearestEntries() {
        #expect(Palette.nearest(r: 255, g: 0, b: 0) == 196)
        #expect(Palette.nearest(r: 0, g: 0, b: 0) == 16)
        #expect(Palette.nearest(r: 128, g: 128, b: 128) == 244)
        for n in UInt8(16)...UInt8(255) {
            let c = Palette.rgb(n)
            #expect(Palette.rgb(Palette.nearest(r: c.r, g: c.g, b: c.b)) == c, "entry \(n) maps to itself (or an identical one)")
        }
    }

    @Test func fewColourTerminalsGetTheNearestOfEight() {
        #expect(Palette.nearestBasic(196) == 1, "red")
        #expect(Palette.nearestBasic(46) == 2, "green")
        #expect(Palette.nearestBasic(21) == 4, "blue")
        #expect(Palette.nearestBasic(231) == 7, "white")
        #expect(Palette.nearestBasic(16) == 0, "black")
        #expect(Palette.nearestBasic(233) == 0, "a dark grey is black")
        #expect(Palette.nearestBasic(12) == 4, "bright blue is blue")
        #expect(NCursesScreen.cursesColor(.indexed(196), colors: 256) == 196)
        #expect(NCursesScreen.cursesColor(.indexed(196), colors: 8) == 1)
        #expect(NCursesScreen.cursesColor(.default) == -1)
    }
}
