/// A colour a cell can be drawn in; `.default` is the terminal's own. `.indexed` is an entry of the
/// 256-colour palette (look previews); terminals with fewer colours get the nearest of their eight.
public enum Color: Hashable, Sendable {
    case `default`, black, red, green, yellow, blue, magenta, cyan, white
    case indexed(UInt8)

    /// A small number per colour, for colour-pair bookkeeping: 0 default, 1–8 named, 9… the palette.
    public var code: Int {
        switch self {
        case .default: 0
        case .black: 1
        case .red: 2
        case .green: 3
        case .yellow: 4
        case .blue: 5
        case .magenta: 6
        case .cyan: 7
        case .white: 8
        case .indexed(let n): 9 + Int(n)
        }
    }
}

/// How a cell looks. Without colours (`NO_COLOR`, a monochrome terminal) only the attributes remain.
public struct Style: Hashable, Sendable {
    public var foreground: Color
    public var background: Color
    public var bold: Bool
    public var dim: Bool
    public var reverse: Bool
    public var underline: Bool

    public init(foreground: Color = .default, background: Color = .default, bold: Bool = false, dim: Bool = false,
                reverse: Bool = false, underline: Bool = false) {
        self.foreground = foreground
        self.background = background
        self.bold = bold
        self.dim = dim
        self.reverse = reverse
        self.underline = underline
    }

    public static let plain = Style()
    public static let bold = Style(bold: true)
    public static let dim = Style(dim: true)
    public static let reverse = Style(reverse: true)
    public static func fg(_ color: Color, bold: Bool = false) -> Style { Style(foreground: color, bold: bold) }
}

/// One terminal cell: a character and its style. A wide character fills its cell and marks the next one
/// as its continuation (`isContinuation`), the way a terminal does.
public struct Cell: Hashable, Sendable {
    public var character: Character
    public var style: Style
    public var isContinuation: Bool

    public init(_ character: Character = " ", style: Style = .plain, isContinuation: Bool = false) {
        self.character = character
        self.style = style
        self.isContinuation = isContinuation
    }

    public static let blank = Cell()
}

/// Cells `x..<x+width` of row `y` link to `url`.
public struct Hyperlink: Hashable, Sendable {
    public var x: Int, y: Int, width: Int
    public var url: String
    public init(x: Int, y: Int, width: Int, url: String) {
        self.x = x
        self.y = y
        self.width = width
        self.url = url
    }

    /// The escape sequences that wrap `text` in this link; nil when the URL could smuggle in a control sequence.
    public func wrap(_ text: String) -> String? {
        guard !url.isEmpty, url.utf8.count <= 2_000, url.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else { return nil }
        return "\u{1B}]8;;\(url)\u{1B}\\\(text)\u{1B}]8;;\u{1B}\\"
    }
}

/// A position and size on the screen, in cells.
public struct Rect: Hashable, Sendable {
    public var x: Int, y: Int, width: Int, height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }

    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    public var isEmpty: Bool { width == 0 || height == 0 }

    /// Splits off `top` rows and `bottom` rows: (top, middle, bottom).
    public func rows(top: Int, bottom: Int) -> (Rect, Rect, Rect) {
        let t = min(top, height), b = min(bottom, height - t)
        return (Rect(x: x, y: y, width: width, height: t),
                Rect(x: x, y: y + t, width: width, height: height - t - b),
                Rect(x: x, y: maxY - b, width: width, height: b))
    }

    /// Splits into (leading, trailing) columns with `leading` columns on the left and a `gap` between.
    public func columns(leading: Int, gap: Int = 0) -> (Rect, Rect) {
        let l = min(max(0, leading), width)
        return (Rect(x: x, y: y, width: l, height: height),
                Rect(x: x + l + gap, y: y, width: width - l - gap, height: height))
    }

    /// The rect shrunk by `dx` columns and `dy` rows on each side.
    public func inset(dx: Int, dy: Int) -> Rect { Rect(x: x + dx, y: y + dy, width: width - 2 * dx, height: height - 2 * dy) }

    /// A centred rect of at most the given size.
    public func centered(width w: Int, height h: Int) -> Rect {
        let cw = min(w, width), ch = min(h, height)
        return Rect(x: x + (width - cw) / 2, y: y + (height - ch) / 2, width: cw, height: ch)
    }

    /// One row of the rect.
    public func row(_ i: Int) -> Rect { Rect(x: x, y: y + i, width: width, height: i < height ? 1 : 0) }
}

/// A grid of cells that views draw into; screens paint it. Pure value: tests read it back as text.
public struct Buffer: Hashable, Sendable {
    public private(set) var width: Int
    public private(set) var height: Int
    public private(set) var cells: [Cell]
    /// Runs of cells that are also links (OSC 8): the terminal makes them clickable where it can.
    public private(set) var hyperlinks: [Hyperlink] = []

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    public var area: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { cells[y * width + x] = newValue }
    }

    /// Writes `text` at (x, y) as a link to `url`, clipped at `maxX`; returns the column after it.
    @discardableResult
    public mutating func putLink(_ text: String, url: String, x: Int, y: Int, style: Style = .plain, maxX: Int? = nil) -> Int {
        let end = put(text, x: x, y: y, style: style, maxX: maxX)
        if end > x, y >= 0, y < height { hyperlinks.append(Hyperlink(x: x, y: y, width: end - x, url: url)) }
        return end
    }

    /// Fills `rect` with spaces in `style`.
    public mutating func fill(_ rect: Rect, style: Style = .plain) {
        let (x0, x1) = (max(0, rect.x), min(width, rect.maxX))
        guard x0 < x1 else { return }
        for y in max(0, rect.y)..<min(height, rect.maxY) {
            unsplit(x0..<x1, y: y)
            for x in x0..<x1 { self[x, y] = Cell(" ", style: style) }
        }
    }

    /// Before `columns` of row `y` are overwritten: a wide character (2 or more columns) reaching into them from
    /// either side is replaced by blanks, so no half glyph is drawn and no row ends up wider than the buffer.
    mutating func unsplit(_ columns: Range<Int>, y: Int) {
        if self[columns.lowerBound, y].isContinuation {
            var head = columns.lowerBound - 1
            while head > 0, self[head, y].isContinuation { head -= 1 }
            for x in max(0, head)..<columns.lowerBound { self[x, y] = Cell(" ", style: self[x, y].style) }
        }
        var after = columns.upperBound
        while after < width, self[after, y].isContinuation {
            self[after, y] = Cell(" ", style: self[after, y].style)
            after += 1
        }
    }

    /// Writes `text` at (x, y), clipped at `maxX` (default: the buffer's edge) by display width.
    /// Control characters and escape sequences are made inert (drawn as `·`): nothing drawn can
    /// change the terminal's state. Returns the column after the last character written.
    @discardableResult
    public mutating func put(_ text: some StringProtocol, x: Int, y: Int, style: Style = .plain, maxX: Int? = nil) -> Int {
        guard y >= 0, y < height else { return x }
        let limit = min(maxX ?? width, width)
        var column = x
        for character in text {
            let safe = Self.inert(character)
            let w = Self.width(of: safe)
            if w == 0 { continue }
            if column + w > limit { break }
            if column >= 0 {
                // A wide character half-overwritten on either side leaves blanks, never part of a glyph.
                unsplit(column..<(column + w), y: y)
                self[column, y] = Cell(safe, style: style)
                for extra in 1..<max(1, w) { self[column + extra, y] = Cell(" ", style: style, isContinuation: true) }
            }
            column += w
        }
        return column
    }

    /// Writes `text` clipped with `…` to `rect`'s first row and pads the rest of the row in `style`.
    public mutating func line(_ text: String, in rect: Rect, style: Style = .plain) {
        guard !rect.isEmpty else { return }
        fill(Rect(x: rect.x, y: rect.y, width: rect.width, height: 1), style: style)
        put(DisplayWidth.clip(Self.inertString(text), to: rect.width), x: rect.x, y: rect.y, style: style, maxX: rect.maxX)
    }

    /// Sets the style of every cell in `rect`, keeping the characters.
    public mutating func style(_ rect: Rect, _ style: Style) {
        for y in max(0, rect.y)..<min(height, rect.maxY) {
            for x in max(0, rect.x)..<min(width, rect.maxX) { self[x, y].style = style }
        }
    }

    /// The text of row `y`, continuation cells skipped.
    public func text(row y: Int) -> String {
        var out = ""
        for x in 0..<width where !self[x, y].isContinuation { out.append(self[x, y].character) }
        return out
    }

    /// Every row as text, trailing spaces removed: handy for golden tests.
    public var lines: [String] {
        (0..<height).map { y in
            var s = text(row: y)
            while s.last == " " { s.removeLast() }
            return s
        }
    }

    /// The display width of a character as drawn (controls are drawn as one `·`).
    /// The sum of its scalars' widths, as a terminal using the C library's `wcwidth` advances: a Devanagari
    /// cluster such as प्रि takes three columns, an emoji with a skin tone four.
    static func width(of character: Character) -> Int {
        var w = 0
        for scalar in character.unicodeScalars { w += DisplayWidth.of(scalar) }
        return w
    }

    /// `·` for anything that could drive the terminal (C0/C1 controls, DEL, bidi overrides), else the character;
    /// a cluster of more than ``maxScalarsPerCell`` scalars (a letter under thousands of combining marks) is cut.
    public static func inert(_ character: Character) -> Character {
        var count = 0
        var invisible = false
        for scalar in character.unicodeScalars {
            let v = scalar.value
            if v < 0x20 || (v >= 0x7F && v <= 0x9F) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
                || v == 0x2028 || v == 0x2029 { return "·" }
            if isInvisible(v) { invisible = true }
            count += 1
        }
        guard invisible || count > maxScalarsPerCell else { return character }  // the common case: no copy
        var scalars = Array(character.unicodeScalars)
        if invisible {
            // Terminals disagree on the width of invisible format characters (some give ZWNJ a column), so they
            // are not drawn; a zero-width joiner is kept only inside an emoji sequence.
            let emoji = scalars.contains { $0.value > 0x2000 && $0.properties.isEmoji }
            scalars.removeAll { isInvisible($0.value) && !(emoji && $0.value == 0x200D) }
            if scalars.isEmpty { return "\u{200B}" }  // zero columns: `put` skips it
        }
        let cut = String(String.UnicodeScalarView(scalars.prefix(maxScalarsPerCell)))
        return cut.count == 1 ? Character(cut) : "·"
    }

    /// Zero-width spaces, joiners and marks, word joiners and invisible operators, the BOM.
    static func isInvisible(_ v: UInt32) -> Bool { (0x200B...0x200F).contains(v) || (0x2060...0x2064).contains(v) || v == 0xFEFF }

    /// Enough for any emoji sequence in use (a family is 7) and a few stacked accents.
    public static let maxScalarsPerCell = 8

    /// `inert` applied to every character.
    public static func inertString(_ text: String) -> String { String(text.map(inert)) }
}
