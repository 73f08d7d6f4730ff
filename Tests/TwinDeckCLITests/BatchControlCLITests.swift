import Foundation
import Testing

/// Control characters in batch cells are refused at the cell, with its row and column, and nothing is sent.
@Suite("twindeck batch: control characters in cells")
struct BatchControlCLITests {
    static let voice = HistoryCLITests.voice

    @Test(arguments: [
        ("script", "Hello\u{0}world", "NUL byte (U+0000) at character 6"),
        ("title", "Title\u{1B}[2J", "control character (U+001B) at character 6"),
        ("look", "lk_twin_office\u{0}", "NUL byte"),
        ("title", "two\nlines", "line break (U+000A) at character 4"),
        ("script", "bell\u{7}", "control character (U+0007)"),
        ("voice", "\u{9B}31m", "control character (U+009B) at character 1"),
    ])
    func aControlCharacterIsRefusedAtItsCell(column: String, value: String, expected: String) async throws {
        let sandbox = Sandbox()
        var cells = ["look": "lk_twin_office", "voice": Self.voice, "script": "A fine script", "title": "Fine"]
        cells[column] = value
        let quoted = ["look", "voice", "script", "title"].map { "\"" + cells[$0]!.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        let text = "look,voice,script,title\nlk_twin_office,\(Self.voice),Good row,Good\n" + quoted.joined(separator: ",") + "\n"
        let path = try BatchCLITests.write(text, name: "control.csv", in: sandbox)
        for arguments in [["batch", path, "--demo", "--dry-run"], ["batch", path, "--demo"]] {
            let result = try await twindeck(arguments, sandbox: sandbox)
            #expect(result.code == 64, "\(arguments): \(result.code) \(result.stdout) \(result.stderr)")
            #expect(result.stderr.contains("row 3, column \(column): has a \(expected)"), "\(result.stderr)")
            #expect(result.stderr.contains("nothing was sent"), "\(result.stderr)")
            #expect(!result.stderr.unicodeScalars.contains { $0.value == 0 || $0.value == 0x1B || $0.value == 0x9B }, "\(result.stderr.debugDescription)")
        }
    }

    @Test func lineBreaksAndTabsInTheScriptAreFine() async throws {
        let sandbox = Sandbox()
        let text = "look,voice,script,title\nlk_twin_office,\(Self.voice),\"Line one,\r\nline two\tand a tab\",Fine\n"
        let path = try BatchCLITests.write(text, name: "fine.csv", in: sandbox)
        let result = try await twindeck(["batch", path, "--demo", "--dry-run", "--json"], sandbox: sandbox)
        #expect(result.code == 0, "\(result.stderr)")
    }
}
