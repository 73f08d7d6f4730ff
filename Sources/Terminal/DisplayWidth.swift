/// Terminal column widths of text, without depending on the C library's locale tables.
///
/// East Asian Wide and Fullwidth characters (CJK, Hangul, kana, fullwidth forms, most emoji) take two
/// columns; combining marks, zero-width joiners and variation selectors take none. Controls (C0, C1, DEL),
/// bidi embeddings, overrides and isolates and the line/paragraph separators take one: the buffer draws each
/// as `·`, and a column laid out for the text as it arrived must fit the text as it is drawn.
public enum DisplayWidth {
    /// The columns one scalar takes: 0, 1 or 2.
    @inlinable
    public static func of(_ scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        if v < 0x300 { return 1 }
        if (0x2028...0x202E).contains(v) || (0x2066...0x2069).contains(v) { return 1 }
        if isZeroWidth(v) { return 0 }
        return isWide(v) ? 2 : 1
    }

    /// The columns `text` takes (`\r\n`, one character, is drawn as one `·`).
    public static func of(_ text: some StringProtocol) -> Int {
        var width = 0
        var afterCR = false
        for scalar in text.unicodeScalars {
            if !(afterCR && scalar == "\n") { width += of(scalar) }
            afterCR = scalar == "\r"
        }
        return width
    }

    @usableFromInline
    static func isZeroWidth(_ v: UInt32) -> Bool {
        // Nonspacing and enclosing marks and format characters take no column (spacing marks, Mc, take one).
        if let scalar = Unicode.Scalar(v) {
            switch scalar.properties.generalCategory {
            case .nonspacingMark, .enclosingMark, .format: return true
            case .spacingMark: return false
            default: break
            }
        }
        return (0x1160...0x11FF).contains(v) || (0x0300...0x036F).contains(v) || (0x0483...0x0489).contains(v) || (0x0591...0x05BD).contains(v)
            || (0x0610...0x061A).contains(v) || (0x064B...0x065F).contains(v) || (0x0E31 == v) || (0x0E34...0x0E3A).contains(v)
            || (0x0E47...0x0E4E).contains(v) || (0x0900...0x0903).contains(v) || (0x093A...0x094F).contains(v)
            || (0x0981...0x0983).contains(v) || (0x09BC...0x09D7).contains(v) || (0x0B82 == v) || (0x0BBE...0x0BCD).contains(v)
            || (0x17B4...0x17D3).contains(v) || (0x1AB0...0x1AFF).contains(v) || (0x1DC0...0x1DFF).contains(v)
            || (0x200B...0x200F).contains(v) || (0x202A...0x202E).contains(v) || (0x2060...0x2069).contains(v)
            || (0x20D0...0x20FF).contains(v) || (0xFE00...0xFE0F).contains(v) || (0xFE20...0xFE2F).contains(v)
            || v == 0xFEFF || (0xE0100...0xE01EF).contains(v)
    }

    @usableFromInline
    static func isWide(_ v: UInt32) -> Bool {
        (0x1100...0x115F).contains(v) || (0x231A...0x231B).contains(v) || (0x2329...0x232A).contains(v)
            || (0x23E9...0x23EC).contains(v) || v == 0x23F0 || v == 0x23F3 || (0x25FD...0x25FE).contains(v)
            || (0x2614...0x2615).contains(v) || (0x2648...0x2653).contains(v) || v == 0x267F || v == 0x2693 || v == 0x26A1
            || (0x26AA...0x26AB).contains(v) || (0x26BD...0x26BE).contains(v) || (0x26C4...0x26C5).contains(v) || v == 0x26CE
            || v == 0x26D4 || v == 0x26EA || (0x26F2...0x26F3).contains(v) || v == 0x26F5 || v == 0x26FA || v == 0x26FD
            || v == 0x2705 || (0x270A...0x270B).contains(v) || v == 0x2728 || v == 0x274C || v == 0x274E
            || (0x2753...0x2755).contains(v) || v == 0x2757 || (0x2795...0x2797).contains(v) || v == 0x27B0 || v == 0x27BF
            || (0x2B1B...0x2B1C).contains(v) || v == 0x2B50 || v == 0x2B55
            || (0x2E80...0x303E).contains(v) || (0x3041...0x33FF).contains(v) || (0x3400...0x4DBF).contains(v)
            || (0x4E00...0x9FFF).contains(v) || (0xA000...0xA4CF).contains(v) || (0xA960...0xA97F).contains(v)
            || (0xAC00...0xD7A3).contains(v) || (0xF900...0xFAFF).contains(v) || (0xFE10...0xFE19).contains(v)
            || (0xFE30...0xFE6F).contains(v) || (0xFF00...0xFF60).contains(v) || (0xFFE0...0xFFE6).contains(v)
            || (0x1F300...0x1F64F).contains(v) || (0x1F680...0x1F6FF).contains(v) || (0x1F900...0x1F9FF).contains(v)
            || (0x1FA70...0x1FAFF).contains(v) || (0x1F004 == v) || v == 0x1F0CF || v == 0x1F18E || (0x1F191...0x1F19A).contains(v)
            || (0x1F200...0x1F251).contains(v) || (0x20000...0x3FFFD).contains(v)
    }

    /// `text` cut to at most `width` columns, with `…` when cut; a wide character never straddles the edge.
    public static func clip(_ text: String, to width: Int, ellipsis: Bool = true) -> String {
        guard width > 0 else { return "" }
        if of(text) <= width { return text }
        let budget = ellipsis ? width - 1 : width
        var out = String.UnicodeScalarView()
        var used = 0
        for scalar in text.unicodeScalars {
            let w = of(scalar)
            if used + w > budget { break }
            out.append(scalar)
            used += w
        }
        return String(out) + (ellipsis ? "…" : "")
    }

    /// `text` clipped or padded with spaces to exactly `width` columns.
    public static func pad(_ text: String, to width: Int) -> String {
        let clipped = clip(text, to: width)
        return clipped + String(repeating: " ", count: max(0, width - of(clipped)))
    }
}
