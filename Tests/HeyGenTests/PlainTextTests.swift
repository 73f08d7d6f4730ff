import Foundation
import HeyGen
import Testing

/// `PlainText` replaces Foundation's trimming, percent-encoding and folding on the app's hot paths; these
/// tests hold it to Foundation's answers where they must agree.
@Suite("Plain text")
struct PlainTextTests {
    static let samples = [
        "", " ", "\t", "abc", "  abc  ", "\tab c\t", " \u{00A0}nbsp\u{3000} ", "\nline\n", " \r\n x \u{2028}", "x\u{85}",
        "  José  ", "\u{2003}em\u{2003}", "a\u{200B}", "  \u{1F600} ", "\u{0301}combining ",
    ]

    @Test func trimmingMatchesFoundation() {
        for sample in Self.samples {
            #expect(PlainText.trimmed(sample) == sample.trimmingCharacters(in: .whitespaces), "\(sample.debugDescription)")
            #expect(PlainText.trimmed(sample, newlines: true) == sample.trimmingCharacters(in: .whitespacesAndNewlines),
                    "\(sample.debugDescription)")
        }
    }

    @Test func percentEncodingKeepsOnlyUnreservedASCII() {
        #expect(PlainText.percentEncoded("abc-XYZ_09.~", keeping: "-._~") == "abc-XYZ_09.~")
        #expect(PlainText.percentEncoded("a b/c?d#e&f=g", keeping: "-._~") == "a%20b%2Fc%3Fd%23e%26f%3Dg")
        #expect(PlainText.percentEncoded("Español 日本", keeping: "") == "Espa%C3%B1ol%20%E6%97%A5%E6%9C%AC")
        #expect(PlainText.percentEncoded("%", keeping: "") == "%25")
        // Every byte outside the kept set comes back the same after decoding.
        let all = String(decoding: (0..<128).map { UInt8($0) }, as: UTF8.self) + "é€😀"
        #expect(PlainText.percentEncoded(all, keeping: "-._~,").removingPercentEncoding == all)
    }

    @Test func foldingMatchesFoundationOnTheWholeFixtureCatalogue() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Resources/Fixtures/voices.json")
        let voices = try JSONDecoder().decode([Voice].self, from: Data(contentsOf: url))
        let strings = Set(voices.flatMap { [$0.name, $0.language] })
        #expect(strings.count > 1_500)
        var different: [String] = []
        for string in strings {
            let foundation = string.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil).lowercased()
            if PlainText.folded(string) != foundation { different.append(string) }
        }
        #expect(different.isEmpty, "\(different.prefix(10))")
    }

    @Test func foldingExamples() {
        #expect(PlainText.folded("José Ángel") == "jose angel")
        #expect(PlainText.folded("Ñandú") == "nandu")
        #expect(PlainText.folded("Νέστορας") == "νεστορασ")
        #expect(PlainText.folded("йога") == "иога")
        #expect(PlainText.folded("がぎ") == "かき")
        #expect(PlainText.folded("प्रिया") == "प्रिया", "a virama is not an accent")
        #expect(PlainText.folded("Øre") == "øre", "letters without a decomposition stay")
    }
}
