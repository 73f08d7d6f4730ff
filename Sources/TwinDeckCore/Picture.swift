import Foundation

/// A picture made of terminal cells (a look preview drawn by `chafa`): characters with palette colours.
public struct Picture: Equatable, Sendable {
    public struct Cell: Equatable, Sendable {
        public var character: Character
        /// 256-colour palette entries; nil is the terminal's default.
        public var foreground: UInt8?
        public var background: UInt8?
        public init(_ character: Character, foreground: UInt8? = nil, background: UInt8? = nil) {
            self.character = character
            self.foreground = foreground
            self.background = background
        }
    }

    public var rows: [[Cell]]
    public var width: Int { rows.map(\.count).max() ?? 0 }
    public var height: Int { rows.count }

    public init(rows: [[Cell]]) { self.rows = rows }

    /// The rows as plain text (tests, `--json`-free captures).
    public var text: String { rows.map { String($0.map(\.character)) }.joined(separator: "\n") }

    /// Parses text with ANSI SGR colour codes (what `chafa --format symbols` prints) into cells.
    ///
    /// Only SGR (`ESC [ … m`) is understood: 256-colour and true-colour foreground/background, the 16
    /// basic colours, reverse video and resets. Every other escape or control sequence is dropped, so
    /// nothing from the tool's output reaches the terminal as a command. Each row is clipped to
    /// `maxWidth` cells and the picture to `maxHeight` rows; characters wider than one cell are replaced.
    public static func parseANSI(_ text: String, maxWidth: Int, maxHeight: Int) -> Picture {
        var rows: [[Cell]] = []
        var row: [Cell] = []
        var fg: UInt8?, bg: UInt8?
        var reverse = false
        let scalars = Array(text.unicodeScalars)
        var i = 0
        func emit(_ scalar: Unicode.Scalar) {
            guard row.count < maxWidth else { return }
            let printable = scalar.value >= 0x20 && !(0x7F...0x9F).contains(scalar.value) && !isWide(scalar) && !isZeroWidth(scalar)
            let character = printable ? Character(scalar) : " "
            row.append(reverse ? Cell(character, foreground: bg, background: fg) : Cell(character, foreground: fg, background: bg))
        }
        while i < scalars.count {
            let s = scalars[i]
            switch s {
            case "\u{1B}":
                i += 1
                guard i < scalars.count else { break }
                if scalars[i] == "[" {
                    // CSI: parameters, then a final byte in @…~.
                    var params = ""
                    i += 1
                    while i < scalars.count, !(0x40...0x7E).contains(scalars[i].value) {
                        params.unicodeScalars.append(scalars[i])
                        i += 1
                    }
                    if i < scalars.count, scalars[i] == "m" { applySGR(params, &fg, &bg, &reverse) }
                    i += 1
                } else if scalars[i] == "]" || scalars[i] == "P" || scalars[i] == "_" || scalars[i] == "^" {
                    // OSC/DCS/APC/PM: skip to BEL or ST.
                    i += 1
                    while i < scalars.count, scalars[i] != "\u{07}", !(scalars[i] == "\u{1B}" && i + 1 < scalars.count && scalars[i + 1] == "\\") {
                        i += 1
                    }
                    i += scalars.indices.contains(i) && scalars[i] == "\u{1B}" ? 2 : 1
                } else {
                    i += 1  // a two-byte escape
                }
                continue
            case "\n":
                if rows.count < maxHeight { rows.append(row) }
                row = []
            case "\r":
                break
            default:
                emit(s)
            }
            i += 1
        }
        if !row.isEmpty, rows.count < maxHeight { rows.append(row) }
        while let last = rows.last, last.allSatisfy({ $0.character == " " && $0.background == nil }) { rows.removeLast() }
        return Picture(rows: rows)
    }

    static func applySGR(_ params: String, _ fg: inout UInt8?, _ bg: inout UInt8?, _ reverse: inout Bool) {
        let codes = params.isEmpty ? [0] : params.split(separator: ";", omittingEmptySubsequences: false).map { Int($0) ?? 0 }
        var k = 0
        func extended() -> UInt8? {
            // 38;5;n or 38;2;r;g;b (k points at 38/48).
            guard k + 1 < codes.count else { return nil }
            if codes[k + 1] == 5, k + 2 < codes.count {
                defer { k += 2 }
                return UInt8(clamping: codes[k + 2])
            }
            if codes[k + 1] == 2, k + 4 < codes.count {
                defer { k += 4 }
                return nearestPaletteEntry(r: codes[k + 2], g: codes[k + 3], b: codes[k + 4])
            }
            return nil
        }
        while k < codes.count {
            let code = codes[k]
            switch code {
            case 0: fg = nil; bg = nil; reverse = false
            case 7: reverse = true
            case 27: reverse = false
            case 30...37: fg = UInt8(code - 30)
            case 90...97: fg = UInt8(code - 90 + 8)
            case 40...47: bg = UInt8(code - 40)
            case 100...107: bg = UInt8(code - 100 + 8)
            case 39: fg = nil
            case 49: bg = nil
            case 38: fg = extended()
            case 48: bg = extended()
            default: break
            }
            k += 1
        }
    }

    /// The 6×6×6 cube entry nearest an RGB colour.
    static func nearestPaletteEntry(r: Int, g: Int, b: Int) -> UInt8 {
        func level(_ v: Int) -> Int { v < 48 ? 0 : v < 115 ? 1 : (v - 35) / 40 }
        return UInt8(16 + 36 * level(max(0, min(255, r))) + 6 * level(max(0, min(255, g))) + level(max(0, min(255, b))))
    }

    /// Combining marks, bidi and zero-width format characters, line/paragraph separators: not one cell each.
    static func isZeroWidth(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .format, .lineSeparator, .paragraphSeparator, .surrogate: true
        default: false
        }
    }

    static func isWide(_ scalar: Unicode.Scalar) -> Bool {
        // East Asian wide and emoji ranges: a picture cell is one column.
        switch scalar.value {
        case 0x1100...0x115F, 0x2E80...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
             0xFFE0...0xFFE6, 0x1F300...0x1FAFF, 0x20000...0x3FFFD:
            return true
        default:
            return false
        }
    }
}
