import Foundation
import Testing
import TwinDeckTestSupport
@testable import TwinDeckCore

/// `chafa` on this machine's PATH, if any (CI installs it; the fake ones live in the Media tests).
let realChafa: String? = Executables.find("chafa", environment: ProcessInfo.processInfo.environment)

/// A look picture the simulator serves (a real PNG).
let fixturePNG = repositoryRoot.appendingPathComponent("Resources/Fixtures/previews/lk_twin_office.png")

/// No cell of `picture` holds a control character (C0, DEL, C1) or an escape.
func hasNoControls(_ picture: Picture) -> Bool {
    picture.rows.allSatisfy { row in
        row.allSatisfy { cell in
            cell.character.unicodeScalars.allSatisfy { $0.value >= 0x20 && !(0x7F...0x9F).contains($0.value) }
        }
    }
}

@Suite("Picture.parseANSI")
struct PictureTests {
    func cells(_ text: String, width: Int = 80, height: Int = 40) -> [[Picture.Cell]] {
        Picture.parseANSI(text, maxWidth: width, maxHeight: height).rows
    }

    @Test func palette256ForegroundAndBackground() {
        let rows = cells("\u{1B}[38;5;196;48;5;21mAB\u{1B}[0mC\n")
        #expect(rows.count == 1)
        #expect(rows[0] == [Picture.Cell("A", foreground: 196, background: 21), Picture.Cell("B", foreground: 196, background: 21),
                            Picture.Cell("C")])
    }

    @Test func basicAndBrightColours() {
        let rows = cells("\u{1B}[31;42mX\u{1B}[91;102mY\u{1B}[mZ")
        #expect(rows[0].map(\.foreground) == [1, 9, nil])
        #expect(rows[0].map(\.background) == [2, 10, nil])
    }

    @Test func trueColourIsMappedToThePalette() {
        let rows = cells("\u{1B}[38;2;255;0;0;48;2;0;0;0mR\u{1B}[38;2;255;255;255;48;2;0;0;255mW")
        #expect(rows[0][0].foreground == 196, "pure red is cube entry 196")
        #expect(rows[0][0].background == 16, "black is cube entry 16")
        #expect(rows[0][1].foreground == 231, "white is cube entry 231")
        #expect(rows[0][1].background == 21, "pure blue is cube entry 21")
    }

    @Test func reverseVideoSwapsAndEndsWith27() {
        let rows = cells("\u{1B}[38;5;1;48;5;2;7mX\u{1B}[27mY\u{1B}[7mZ\u{1B}[0mW")
        #expect(rows[0][0] == Picture.Cell("X", foreground: 2, background: 1))
        #expect(rows[0][1] == Picture.Cell("Y", foreground: 1, background: 2))
        #expect(rows[0][2] == Picture.Cell("Z", foreground: 2, background: 1))
        #expect(rows[0][3] == Picture.Cell("W"), "0 resets reverse too")
    }

    @Test func defaultForegroundAndBackgroundResets() {
        let rows = cells("\u{1B}[38;5;5;48;5;6mA\u{1B}[39mB\u{1B}[49mC")
        #expect(rows[0] == [Picture.Cell("A", foreground: 5, background: 6), Picture.Cell("B", foreground: nil, background: 6),
                            Picture.Cell("C")])
    }

    @Test func rowsAreClippedToTheBox() {
        let text = (0..<6).map { row in "\u{1B}[38;5;\(row + 1)m" + String(repeating: "▀", count: 12) + "\u{1B}[0m" }.joined(separator: "\n")
        let picture = Picture.parseANSI(text, maxWidth: 5, maxHeight: 3)
        #expect(picture.height == 3)
        #expect(picture.width == 5)
        #expect(picture.rows.allSatisfy { $0.count == 5 })
        #expect(picture.rows.map { $0[0].foreground } == [1, 2, 3], "the first rows are kept")
    }

    @Test func nonSGREscapesAndControlsNeverLandInACell() {
        let hostile = "\u{1B}]52;c;SGVsbG8=\u{07}A\u{1B}[2J\u{1B}[HB\u{1B}P1$r0m\u{1B}\\C\u{1B}[?25l\u{1B}7D\u{1B}8"
            + "\u{1B}]8;;https://evil.test\u{1B}\\E\u{1B}]8;;\u{1B}\\\u{1B}[5;10HF\u{07}G\u{9B}31mH\u{08}I\tJ\r\n"
            + "\u{1B}_apc\u{1B}\\K\u{1B}^pm\u{1B}\\L\u{1B}[38;5;2mM\u{1B}"
        let picture = Picture.parseANSI(hostile, maxWidth: 80, maxHeight: 10)
        #expect(hasNoControls(picture), "\(picture.rows)")
        #expect(!picture.text.contains("52;c") && !picture.text.contains("evil") && !picture.text.contains("2J"), "\(picture.text)")
        let letters = picture.text.filter { $0.isLetter }
        #expect(letters == "ABCDEFGmHIJKLM", "\(picture.text)")  // the C1 CSI (0x9B) is blanked; its "31m" stays inert text
        #expect(picture.rows.count == 2)
        #expect(picture.rows[1].last == Picture.Cell("M", foreground: 2))
    }

    @Test func wideAndZeroWidthAndBidiCharactersAreReplaced() {
        // Each cell must be exactly one column: wide characters, combining marks, bidi and zero-width controls
        // would shift or reorder everything after them.
        let input = "a講b😀c\u{202E}d\u{2067}e\u{0301}f\u{200B}g\u{200D}h\u{FEFF}i"
        let picture = Picture.parseANSI(input, maxWidth: 80, maxHeight: 5)
        let row = picture.rows[0]
        let letters = row.map(\.character).filter { $0.isASCII && $0.isLetter }
        #expect(String(letters) == "abcdefghi")
        for cell in row where !(cell.character.isASCII && cell.character.isLetter) {
            #expect(cell.character == " ", "replaced: U+\(String(cell.character.unicodeScalars.first!.value, radix: 16))")
        }
        #expect(row.count == 17, "one cell per input scalar")
    }

    @Test func trailingBlankRowsAreTrimmedButNotColouredOrInnerOnes() {
        #expect(cells("AB\n   \n\n\n").count == 1)
        #expect(cells("A\n\nB\n").count == 3, "a blank row inside the picture stays")
        #expect(cells("A\n\u{1B}[48;5;4m  \u{1B}[0m\n").count == 2, "a row of coloured spaces is picture")
        #expect(cells("\n\n").isEmpty)
    }

    @Test(.enabled(if: realChafa != nil, "chafa is not installed"))
    func realChafaOutputParsesIntoColouredCells() async throws {
        let chafa = try #require(realChafa)
        let output = try await ChildProcess.run(chafa, ["--format", "symbols", "--size", "30x10", "--colors", "256",
                                                        "--animate", "off", "--polite", "on", fixturePNG.path], timeout: 30)
        #expect(output.status == 0, "\(String(decoding: output.stderr, as: UTF8.self))")
        let text = String(decoding: output.stdout, as: UTF8.self)
        #expect(text.contains("\u{1B}["), "chafa printed SGR codes")
        let picture = Picture.parseANSI(text, maxWidth: 30, maxHeight: 10)
        #expect(picture.height >= 3 && picture.height <= 10, "\(picture.height) rows")
        #expect(picture.width >= 10 && picture.width <= 30, "\(picture.width) columns")
        #expect(hasNoControls(picture))
        let colours = Set(picture.rows.joined().compactMap(\.background))
        #expect(colours.count >= 3, "a photo has several colours: \(colours)")
    }
}
