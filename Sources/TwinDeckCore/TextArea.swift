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

    public init(_ text: String = "", limit: Int = 20_000) {
        self.text = String(text.prefix(limit))
        self.cursor = self.text.count
        self.limit = limit
    }

    private func index(_ offset: Int) -> String.Index { text.index(text.startIndex, offsetBy: offset) }

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
        let room = max(0, limit - text.count)
        let accepted = String(clean.prefix(room))
        text.insert(contentsOf: accepted, at: index(cursor))
        cursor += accepted.count
        return accepted.count == clean.count
    }

    public mutating func backspace() {
        guard cursor > 0 else { return }
        text.remove(at: index(cursor - 1))
        cursor -= 1
    }

    public mutating func deleteForward() {
        guard cursor < text.count else { return }
        text.remove(at: index(cursor))
    }

    /// Deletes the word before the cursor (Ctrl-W).
    public mutating func deleteWord() {
        while cursor > 0, text[index(cursor - 1)] == " " { backspace() }
        while cursor > 0, text[index(cursor - 1)] != " ", text[index(cursor - 1)] != "\n" { backspace() }
    }

    public mutating func moveLeft() { cursor = max(0, cursor - 1) }
    public mutating func moveRight() { cursor = min(text.count, cursor + 1) }

    /// Start of the current line (Home, Ctrl-A).
    public mutating func moveToLineStart() {
        while cursor > 0, text[index(cursor - 1)] != "\n" { cursor -= 1 }
    }

    /// End of the current line (End, Ctrl-E when not opening an editor).
    public mutating func moveToLineEnd() {
        while cursor < text.count, text[index(cursor)] != "\n" { cursor += 1 }
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
    public mutating func replace(with new: String) {
        text = ""
        cursor = 0
        insert(new)
    }
}
