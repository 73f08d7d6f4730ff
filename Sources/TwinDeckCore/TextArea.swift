/// A multi-line text field: text and a cursor (an index in characters), with the edits a person expects.
///
/// Characters are Swift `Character`s (grapheme clusters), so an accent or an emoji is one step of the
/// cursor, never half of one.
public struct TextArea: Codable, Equatable, Sendable {
    public private(set) var text: String
    /// Cursor position, 0...text.count.
    public private(set) var cursor: Int
    /// The most characters the field holds; pasting more is cut (and reported by `insert`).
    public var limit: Int
    /// `text.count`, kept up to date: a paste arrives one key at a time, and counting 20,000 characters for each
    /// of a megabyte's keys would freeze the app.
    public private(set) var count: Int

    public init(_ text: String = "", limit: Int = 20_000) {
        self.text = String(text.prefix(limit))
        self.cursor = self.text.count
        self.count = self.cursor
        self.limit = limit
    }

    enum CodingKeys: String, CodingKey { case text, cursor, limit }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        text = try container.decode(String.self, forKey: .text)
        limit = try container.decode(Int.self, forKey: .limit)
        count = text.count
        cursor = min(max(0, try container.decode(Int.self, forKey: .cursor)), count)
    }

    private func index(_ offset: Int) -> String.Index {
        offset == count ? text.endIndex : text.index(text.startIndex, offsetBy: offset)
    }

    /// Inserts text at the cursor; control characters other than newline and tab are dropped.
    /// - Returns: false when the limit cut the text.
    @discardableResult
    public mutating func insert(_ new: String, multiline: Bool = true) -> Bool {
        var clean = ""
        for c in new {
            if c == "\r\n" || c == "\n" || c == "\r" {
                if multiline { clean.append("\n") }
            } else if c == "\t" {
                clean.append(" ")
            } else if c.unicodeScalars.allSatisfy({ !($0.value < 0x20 || (0x7F...0x9F).contains($0.value)) }) {
                clean.append(c)
            }
        }
        let room = max(0, limit - count)
        guard room > 0 else { return clean.isEmpty }
        let accepted = String(clean.prefix(room))
        if cursor == count {
            // At the end (typing, a paste): only the last character can join the new text (an accent, a flag).
            let last = text.last.map(String.init) ?? ""
            text.append(contentsOf: accepted)
            count += (last + accepted).count - last.count
            cursor = count
        } else {
            text.insert(contentsOf: accepted, at: index(cursor))
            count = text.count
            cursor = min(count, cursor + accepted.count)
        }
        return accepted.count == clean.count
    }

    public mutating func backspace() {
        guard cursor > 0 else { return }
        text.remove(at: index(cursor - 1))
        count = text.count
        cursor = min(count, cursor - 1)
    }

    public mutating func deleteForward() {
        guard cursor < count else { return }
        text.remove(at: index(cursor))
        count = text.count
    }

    /// Deletes the word before the cursor (Ctrl-W).
    public mutating func deleteWord() {
        while cursor > 0, text[index(cursor - 1)] == " " { backspace() }
        while cursor > 0, text[index(cursor - 1)] != " ", text[index(cursor - 1)] != "\n" { backspace() }
    }

    public mutating func moveLeft() { cursor = max(0, cursor - 1) }
    public mutating func moveRight() { cursor = min(count, cursor + 1) }

    /// Start of the current line (Home, Ctrl-A).
    public mutating func moveToLineStart() {
        while cursor > 0, text[index(cursor - 1)] != "\n" { cursor -= 1 }
    }

    /// End of the current line (End, Ctrl-E when not opening an editor).
    public mutating func moveToLineEnd() {
        while cursor < count, text[index(cursor)] != "\n" { cursor += 1 }
    }

    /// Moves up or down one logical line, keeping the column where possible.
    public mutating func moveLine(_ delta: Int) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(\.count)
        var (line, column) = (0, cursor)
        while line < lines.count - 1, column > lines[line] {
            column -= lines[line] + 1
            line += 1
        }
        let target = min(max(0, line + delta), lines.count - 1)
        var offset = 0
        for l in 0..<target { offset += lines[l] + 1 }
        cursor = offset + min(column, lines[target])
    }

    /// Replaces the whole text (after an external editor), cursor at the end.
    /// - Returns: false when the limit cut the text.
    @discardableResult
    public mutating func replace(with new: String) -> Bool {
        text = ""
        cursor = 0
        count = 0
        return insert(new)
    }

    /// Whether `text` holds characters `insert` drops (controls other than newline and tab, NUL included).
    public static func containsControls(_ text: String) -> Bool {
        text.unicodeScalars.contains { v in
            (v.value < 0x20 && v != "\n" && v != "\r" && v != "\t") || (0x7F...0x9F).contains(v.value)
        }
    }
}
