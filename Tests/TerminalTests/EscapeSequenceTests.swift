import Testing
@testable import Terminal

/// Escape sequences ncurses does not know under the terminal's terminfo entry: mapped when they name a key, swallowed
/// whole otherwise, never delivered as Esc followed by their characters.
@Suite("Escape sequences")
struct EscapeSequenceTests {
    /// Decodes the characters after an ESC.
    static func decode(_ text: String) -> EscapeSequence.Decoded {
        var scalars = Array(text.unicodeScalars.map(\.value))
        return EscapeSequence.decode { scalars.isEmpty ? nil : scalars.removeFirst() }
    }

    @Test("Home and End in every variant terminals and tmux send", arguments: [
        ("[1~", Key.home), ("[7~", .home), ("[H", .home), ("OH", .home), ("[1;5H", .home),
        ("[4~", .end), ("[8~", .end), ("[F", .end), ("OF", .end),
    ])
    func homeAndEnd(_ sequence: String, _ key: Key) {
        #expect(Self.decode(sequence) == .key(key))
    }

    @Test("the other keys: arrows (plain, application mode, with modifiers), pages, Delete, Shift-Tab, F1–F12")
    func otherKeys() {
        let cases: [(String, Key)] = [
            ("[A", .up), ("[B", .down), ("[C", .right), ("[D", .left), ("OA", .up), ("OD", .left), ("[1;5C", .right),
            ("[5~", .pageUp), ("[6~", .pageDown), ("[3~", .delete), ("[Z", .backTab), ("OP", .function(1)), ("OS", .function(4)),
            ("[15~", .function(5)), ("[17~", .function(6)), ("[21~", .function(10)), ("[24~", .function(12)), ("OM", .enter),
        ]
        for (sequence, key) in cases { #expect(Self.decode(sequence) == .key(key), "\(sequence)") }
    }

    @Test("unknown or unfinished sequences are swallowed as one key that does nothing")
    func unknownAreSwallowed() {
        for sequence in ["[2~", "[200~", "[201~", "[99~", "[<0;10;5M", "[I", "[O", "[?1;2c", "OX", "[1;5", "[", "[12345678901234567890123456789012345~"] {
            #expect(Self.decode(sequence) == .ignored, "\(sequence)")
        }
    }

    @Test("a lone Esc is Esc; Esc then a character is Esc and that character (Alt+x), not a sequence")
    func loneEscape() {
        #expect(Self.decode("") == .escape(then: nil))
        #expect(Self.decode("x") == .escape(then: UInt32(UInt8(ascii: "x"))))
        #expect(Self.decode("O") == .escape(then: UInt32(UInt8(ascii: "O"))))
        #expect(Self.decode("\u{1B}") == .escape(then: 27))
    }

    @Test("after a swallowed sequence the next characters are read as usual")
    func readsNoFurtherThanTheSequence() {
        var scalars = Array("[1~abc".unicodeScalars.map(\.value))
        #expect(EscapeSequence.decode { scalars.isEmpty ? nil : scalars.removeFirst() } == .key(.home))
        #expect(String(String.UnicodeScalarView(scalars.compactMap(Unicode.Scalar.init))) == "abc")
    }
}
