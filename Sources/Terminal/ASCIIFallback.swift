/// What a buffer becomes on a terminal whose locale is not UTF-8 (`LANG=C`): curses would draw every byte of a
/// multi-byte character as `~@`-style escapes, so boxes, dashes and names from the API would shift the columns.
///
/// Applied when painting (``NCursesScreen`` when `nl_langinfo(CODESET)` is not UTF-8, ``MemoryScreen`` with
/// `ascii: true`), never in the views: every cell keeps its column, so the layout is the same as in UTF-8.
/// Box drawing becomes `+ - |`, `—` and `–` become `-`, `…` becomes `...` (the two cells before it turn into dots,
/// so the width stays), a few symbols get an ASCII look-alike, and anything else outside ASCII is `?` in each of
/// its columns (a wide `講` is `??`).
public enum ASCIIFallback {
    /// `buffer` with only printable ASCII, column for column; links keep their places.
    public static func map(_ buffer: Buffer) -> Buffer {
        var out = buffer
        for y in 0..<buffer.height {
            var filler: Character = "?"
            for x in 0..<buffer.width {
                let cell = buffer[x, y]
                if cell.isContinuation {
                    // The other columns of a wide character: `?` each for an unknown one, blank after a stand-in.
                    out[x, y] = Cell(filler, style: cell.style)
                    continue
                }
                if cell.character == "…" {
                    out[x, y] = Cell(".", style: cell.style)
                    // The dots take the two cells before, when they are text of the same run (not a border, not a space).
                    var back = x - 1
                    while back >= 0, back >= x - 2, out[back, y].style == cell.style, isText(buffer[back, y]) {
                        out[back, y] = Cell(".", style: cell.style)
                        back -= 1
                    }
                    continue
                }
                let mapped = character(cell.character)
                filler = mapped == "?" ? "?" : " "
                out[x, y] = Cell(mapped, style: cell.style)
            }
        }
        return out
    }

    /// A cell the dots of an ellipsis may take: a letter, digit or punctuation, not a blank or a box line.
    private static func isText(_ cell: Cell) -> Bool {
        guard !cell.isContinuation, cell.character != " " else { return false }
        guard let scalar = cell.character.unicodeScalars.first else { return false }
        return !(0x2500...0x259F).contains(scalar.value)
    }

    /// The ASCII stand-in for one cell's character (one column).
    public static func character(_ character: Character) -> Character {
        if character.isASCII, let scalar = character.unicodeScalars.first, scalar.value >= 0x20, scalar.value < 0x7F {
            return character
        }
        guard let scalar = character.unicodeScalars.first else { return "?" }
        let v = scalar.value
        switch v {
        // Box drawing: horizontal lines, vertical lines, everything else (corners, tees, crosses) a `+`.
        case 0x2500, 0x2501, 0x2504, 0x2505, 0x2508, 0x2509, 0x254C, 0x254D, 0x2550, 0x2574, 0x2576, 0x2578, 0x257A, 0x257C, 0x257E:
            return "-"
        case 0x2502, 0x2503, 0x2506, 0x2507, 0x250A, 0x250B, 0x254E, 0x254F, 0x2551, 0x2575, 0x2577, 0x2579, 0x257B, 0x257D, 0x257F:
            return "|"
        case 0x2500...0x257F: return "+"
        case 0x258F, 0x258E, 0x258D, 0x258C, 0x2590, 0x2595: return "|"  // thin and half blocks used as bars
        case 0x2591: return "."
        case 0x2580...0x259F: return "#"
        case 0x2800...0x28FF: return ["|", "/", "-", "\\"][Int(v % 4)]  // braille spinner frames still turn
        default: break
        }
        switch character {
        case "—", "–", "‐", "‑", "‒", "−": return "-"
        case "·", "•", "∙": return "."
        case "“", "”", "„", "«", "»": return "\""
        case "‘", "’", "‚": return "'"
        case "›", "▶", "▸", "→", "⟶": return ">"
        case "‹", "◀", "◂", "←": return "<"
        case "↑", "▲": return "^"
        case "↓", "▼": return "v"
        case "↳": return ">"
        case "✓", "✔": return "v"
        case "✗", "✘", "×": return "x"
        case "★", "☆", "*": return "*"
        case "↯": return "!"
        case "\u{A0}": return " "
        default: return "?"
        }
    }
}
