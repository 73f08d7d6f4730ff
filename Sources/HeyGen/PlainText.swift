@_spi(_Unicode) import Swift

/// Text helpers written on the standard library alone, for the paths the app runs all the time (every
/// request, every keystroke, every frame). Their Foundation counterparts (`trimmingCharacters(in:)`,
/// `addingPercentEncoding(withAllowedCharacters:)`, `folding(options:locale:)`) go through
/// CoreFoundation's character sets and tables; keeping them off those paths keeps about 1 MiB of
/// Foundation out of the app's resident memory (README "Performance"), and they are simpler to reason
/// about: ASCII rules, no locale.
public enum PlainText {
    /// `text` without leading and trailing spaces and tabs (Unicode space separators included), like
    /// `trimmingCharacters(in: .whitespaces)`; with `newlines`, line breaks go too (`.whitespacesAndNewlines`).
    public static func trimmed(_ text: some StringProtocol, newlines: Bool = false) -> String {
        let scalars = text.unicodeScalars
        let blank = { (s: Unicode.Scalar) in isSpace(s) || (newlines && isNewline(s)) }
        guard let first = scalars.firstIndex(where: { !blank($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !blank($0) })!
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars[first...last])
        return String(out)
    }

    /// Tab, a Unicode space separator, or ZERO WIDTH SPACE (what `CharacterSet.whitespaces` holds).
    public static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\t" || scalar == "\u{200B}" || scalar.properties.generalCategory == .spaceSeparator
    }

    /// LF, VT, FF, CR, NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR (what `CharacterSet.newlines` holds).
    public static func isNewline(_ scalar: Unicode.Scalar) -> Bool {
        (0x0A...0x0D).contains(scalar.value) || scalar.value == 0x85 || scalar.value == 0x2028 || scalar.value == 0x2029
    }

    /// Percent-encodes every UTF-8 byte outside `A–Z a–z 0–9` and `keeping` (RFC 3986), with upper-case hex.
    public static func percentEncoded(_ text: String, keeping: String) -> String {
        let kept = Set(keeping.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                out.append(byte)
            case _ where kept.contains(byte):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Lower case with accents removed, for search: `José` → `jose`, `Ñandú` → `nandu`, `й` → `и`,
    /// `が` → `か`, `Νέστορας` → `νεστορασ`. The canonical decomposition, without the marks of the Combining
    /// Diacritical Marks blocks and the kana voicing marks, final sigma as sigma. Matches
    /// `folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil).lowercased()` on every name
    /// and language of the fixture catalogue (1,873 strings in 43 languages; `PlainTextTests`), and keeps the
    /// marks that are not accents (a Devanagari virama, an Arabic superscript alef) as it does. The
    /// decomposition is the standard library's own (the one `String` comparison uses), reached through its
    /// `_Unicode` SPI: Swift has no public NFD yet.
    public static func folded(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.lowercased()._nfd {
            switch scalar.value {
            case 0x0300...0x036F, 0x1AB0...0x1AFF, 0x1DC0...0x1DFF, 0x20D0...0x20FF, 0xFE20...0xFE2F, 0x3099, 0x309A:
                continue
            case 0x03C2:
                out.append("\u{03C3}")
            default:
                out.append(scalar)
            }
        }
        return String(out)
    }
}
